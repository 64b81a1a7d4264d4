"""Books have owners; a published call's decisions can be reopened.

`collections.owner_user_id`: the user who added the book (an upload); `collections.owner_call_id`:
the call whose accepted cases it is (publishing). Both null: added by the system (the CLI) —
such a book is changed or removed only by an admin. A collection a call already published
(`calls.collection_slug`) is owned by that call from this revision on.

`calls.reopened_at`: an organizer reopened the published decisions (who and why are in the audit
log, `selection.reopen`); the call is in its decision phase again until it is published again.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("collections", sa.Column("owner_user_id", sa.Integer()))
    op.add_column("collections", sa.Column("owner_call_id", sa.Integer()))
    # SQLite cannot add a constraint to a table, and batch mode would copy the table: dropping the
    # old one with foreign keys on would cascade to every case. Plain columns there.
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key("fk_collections_owner_user", "collections", "users", ["owner_user_id"], ["id"],
                              ondelete="SET NULL")
        op.create_foreign_key("fk_collections_owner_call", "collections", "calls", ["owner_call_id"], ["id"],
                              ondelete="SET NULL")
    op.add_column("calls", sa.Column("reopened_at", sa.String()))
    op.execute("UPDATE collections SET owner_call_id = (SELECT MIN(calls.id) FROM calls "
               "WHERE calls.collection_slug = collections.slug)")


def downgrade() -> None:
    op.drop_column("calls", "reopened_at")  # (on PostgreSQL the foreign keys go with their columns)
    op.drop_column("collections", "owner_call_id")
    op.drop_column("collections", "owner_user_id")
