"""Claim checks: `flags` (what the rules of caseatlas/checks found in a case, synchronized
on every ingest by a stable `flag_id`) and `flag_verdicts` (a person's confirmed/dismissed
with a note, keyed by flag id and not tied to the flag's row, so it survives a re-ingest).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("flag_id", sa.String(24), nullable=False),
        sa.Column("case_pk", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("check_name", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("quotes", sa.Text, nullable=False),
        sa.Column("vals", sa.Text, nullable=False),
        sa.Column("reference", sa.Text),
    )
    op.create_index("ux_flags_flag_id", "flags", ["flag_id"], unique=True)
    op.create_index("ix_flags_case", "flags", ["case_pk", "seq"])
    op.create_index("ix_flags_check", "flags", ["check_name"])
    op.create_table(
        "flag_verdicts",
        sa.Column("flag_id", sa.String(24), primary_key=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("username", sa.String, nullable=False),
        sa.Column("at", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("flag_verdicts")
    op.drop_index("ix_flags_check", "flags")
    op.drop_index("ix_flags_case", "flags")
    op.drop_index("ux_flags_flag_id", "flags")
    op.drop_table("flags")
