"""Revision requests (修改后再议: the panel's requests, a deadline, the applicant's response and the
versions before and after) and withdrawals (a submission its applicant withdrew, when and why).

Revision ID: 0018
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revision_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round_id", sa.Integer()),
        sa.Column("requests", sa.Text(), nullable=False),
        sa.Column("deadline", sa.String(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("requested_at", sa.String(), nullable=False),
        sa.Column("response", sa.Text()),
        sa.Column("answered_version", sa.Integer()),
        sa.Column("answered_at", sa.String()),
    )
    op.create_index("ix_revision_requests_submission", "revision_requests", ["submission_id"])
    op.create_table(
        "withdrawals",
        sa.Column(
            "submission_id",
            sa.Integer(),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reason", sa.Text()),
        sa.Column("withdrawn_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("prior_status", sa.String(16), nullable=False),
        sa.Column("prior_decision", sa.String(16)),
    )


def downgrade() -> None:
    op.drop_table("withdrawals")
    op.drop_index("ix_revision_requests_submission", "revision_requests")
    op.drop_table("revision_requests")
