"""Outcome status (achieved, target, hypothetical, projection) and scope (project,
organization, sector): vocab.STATUSES, vocab.SCOPES.

Rows written before this revision are 'achieved' / 'project'; the pipeline version changed
with it, so the next ingest of each file sets the real values (in place: fact ids are kept).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="achieved"))
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="project"))
    op.create_index("ix_outcomes_status_kind", "outcomes", ["status", "kind"])


def downgrade() -> None:
    op.drop_index("ix_outcomes_status_kind", "outcomes")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("scope")
        batch.drop_column("status")
