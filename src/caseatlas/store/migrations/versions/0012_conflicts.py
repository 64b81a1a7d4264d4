"""Conflicts of interest detected from organizations, computed once and stored per call
(services/conflicts.py): `call_conflicts` (call, reviewer, submission → kind, the names that
matched, the reason) and `call_conflict_state` (the fingerprint of the inputs they were computed
from; a change of the panel's or the applicants' organizations, the call's alias groups, the
decisions or the rules makes it stale, and the next reader computes them again).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_conflicts",
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("reviewer_org", sa.Text(), nullable=False),
        sa.Column("applicant_org", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_index("ix_call_conflicts_submission", "call_conflicts", ["submission_id"])
    op.create_table(
        "call_conflict_state",
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_conflict_state")
    op.drop_table("call_conflicts")
