"""Where an outcome comes from and the years it covers.

`origin`: 'extracted' (read from the text by the pipeline) or 'declared' (a figure an applicant
stated and confirmed as structured data: it travels as data into the published collection and
is never read back from rendered text); vocab.ORIGINS.
`span_start`, `span_end`: the years a cumulative figure covers when the text says so
("2010年至2020年…节省335亿度电" → 2010, 2020), else null.

Rows written before this revision are 'extracted' with no span; the pipeline version changed
with it, so the next ingest of each file sets the spans (in place: fact ids are kept).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="extracted"))
        batch.add_column(sa.Column("span_start", sa.Integer()))
        batch.add_column(sa.Column("span_end", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("span_end")
        batch.drop_column("span_start")
        batch.drop_column("origin")
