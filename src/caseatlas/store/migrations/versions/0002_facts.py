"""Facts: quantified outcomes and categorical attributes of cases, with evidence.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_pk", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("value_max", sa.Float),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("qualifier", sa.String(16)),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_outcomes_case", "outcomes", ["case_pk", "seq"])
    op.create_index("ix_outcomes_kind_unit_value", "outcomes", ["kind", "unit", "value"])
    op.create_table(
        "attributes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_pk", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
    )
    op.create_index("ix_attributes_case", "attributes", ["case_pk"])
    op.create_index("ix_attributes_kind_value", "attributes", ["kind", "value"])


def downgrade() -> None:
    op.drop_table("attributes")
    op.drop_table("outcomes")
