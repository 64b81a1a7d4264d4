"""Single-use account tokens: invitations (a new account chooses its password) and password
resets, sent by e-mail (services/accounts.py).

Only the SHA-256 of a token is stored, as for sessions: a copy of the table opens nothing.
A token expires (`expires_at`) and is spent once (`used_at`).

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.Column("used_at", sa.String()),
    )
    op.create_index("ix_account_tokens_user", "account_tokens", ["user_id", "purpose"])


def downgrade() -> None:
    op.drop_table("account_tokens")
