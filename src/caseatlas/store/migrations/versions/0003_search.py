"""Search: passages (paragraphs within sections, with line provenance) and their search
tokens, written in the ingest transaction; a generation counter that tells the in-memory
BM25 index when to rebuild; optional dense embeddings.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Which version of the reading/extraction pipeline produced a collection: an unchanged
    # file is re-processed when the pipeline is newer (e.g. books ingested before search).
    with op.batch_alter_table("collections") as batch:
        batch.add_column(sa.Column("pipeline", sa.String(32)))
    op.create_table(
        "passages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_pk", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),  # "case" (title, organization, facts) or "text"
        sa.Column("heading", sa.Text),
        sa.Column("start_line", sa.Integer, nullable=False),
        sa.Column("end_line", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),  # space-separated analysis output
    )
    op.create_index("ix_passages_case", "passages", ["case_pk", "seq"])
    op.create_table(
        "embeddings",
        sa.Column("passage_id", sa.Integer, sa.ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),  # float32, L2-normalized
    )
    op.create_table(
        "search_state",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("collections") as batch:
        batch.drop_column("pipeline")
    op.drop_table("search_state")
    op.drop_table("embeddings")
    op.drop_table("passages")
