"""Site visits (调研核实, issue 25): `visits` (a submission's site, the time in UTC, the place, the
status, the lead, the checklist, the report, the notice as mailed), `visit_team`, `visit_evidence`
(photos re-encoded without EXIF with their thumbnails, documents), `visit_verdicts` (the team's
verdict on each declared figure), and `outcomes.verification`: a published declared figure's
verdict with its provenance (the value declared, which visit, who, when, why).

Revision ID: 0019
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("starts_at", sa.String(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("checklist", sa.Text(), nullable=False),
        sa.Column("report", sa.Text()),
        sa.Column("notice", sa.Text()),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.Column("done_at", sa.String()),
    )
    op.create_index("ix_visits_submission", "visits", ["submission_id"])
    op.create_index("ix_visits_call", "visits", ["call_id"])
    op.create_table(
        "visit_team",
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "visit_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary()),
        sa.Column("thumbnail_type", sa.String(32)),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("caption", sa.Text()),
        sa.Column("uploaded_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.String(), nullable=False),
    )
    op.create_index("ix_visit_evidence_visit", "visit_evidence", ["visit_id"])
    op.create_table(
        "visit_verdicts",
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("figure", sa.String(16), primary_key=True),
        sa.Column("declared", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("value", sa.Float()),
        sa.Column("unit", sa.String(16)),
        sa.Column("note", sa.Text()),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("at", sa.String(), nullable=False),
    )
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("verification", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("verification")
    op.drop_table("visit_verdicts")
    op.drop_index("ix_visit_evidence_visit", "visit_evidence")
    op.drop_table("visit_evidence")
    op.drop_table("visit_team")
    op.drop_index("ix_visits_call", "visits")
    op.drop_index("ix_visits_submission", "visits")
    op.drop_table("visits")
