"""An account's language (issue 27): `users.lang`, the language the site writes to its owner in —
mails first (zh or en; NULL: not stated, the call's mail language, else Chinese). Set on the
account page, when an account is made or invited, and at registration from the language the
applicant registered in.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("lang", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("lang")
