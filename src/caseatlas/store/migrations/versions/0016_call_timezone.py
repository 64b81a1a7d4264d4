"""A call's time zone (IANA key, Asia/Shanghai by default): deadlines are stored in UTC and shown
to people in this zone, named ("2027年3月31日 23:59（北京时间）"), on pages, e-mails, CLI and exports.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=False, server_default="Asia/Shanghai"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("timezone")
