"""Failed logins, for throttling per account and per client address (services/accounts.py).

Kept only for the throttling window (older rows are pruned on the next failure); the audit log
keeps the lasting record of failed and throttled logins.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    op.create_index("ix_login_failures_client_at", "login_failures", ["client", "at"])


def downgrade() -> None:
    op.drop_table("login_failures")
