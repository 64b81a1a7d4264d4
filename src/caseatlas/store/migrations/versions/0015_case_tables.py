"""A case's tables (models.Table: header, units, row labels, cells, total rows, the line and
page of each row), read once on ingest (extract/tables.py) and stored with the case, so the
published edition and the API read them rather than the lines again.

Nobody annotates a table: a re-ingest synchronizes a case's tables by their position in the
case (`seq`), as sections are. The grid itself is one JSON document per table.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_tables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_pk", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(8), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_index("ux_case_tables_case_seq", "case_tables", ["case_pk", "seq"], unique=True)


def downgrade() -> None:
    op.drop_table("case_tables")
