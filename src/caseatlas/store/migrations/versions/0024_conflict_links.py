"""A detected conflict's reason as data (issue 27): `call_conflicts.why`, JSON
{"group": name, "links": [[rule, name, name], …]}, the group and the names that linked the
reviewer's organization to the applicant's and by which rule, so a page or a mail writes the
reason in its reader's language (the `reason` column keeps the Chinese sentence, for the API and
older readers).

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call_conflicts") as batch:
        batch.add_column(sa.Column("why", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("call_conflicts") as batch:
        batch.drop_column("why")
