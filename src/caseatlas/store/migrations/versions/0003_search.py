"""Search: passages (paragraphs within sections, with line provenance), their full-text
index (SQLite FTS5 over pre-segmented tokens, BM25), and optional dense embeddings.

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
    )
    op.create_index("ix_passages_case", "passages", ["case_pk", "seq"])
    op.create_table(
        "embeddings",
        sa.Column("passage_id", sa.Integer, sa.ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),  # float32, L2-normalized
    )
    # FTS5 is SQLite's; a server database gets its own text index in its own migration.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE passages_fts USING fts5(title, heading, body, tokenize='unicode61 remove_diacritics 2')"
        )
        # Deleting a case cascades to its passages; this keeps the index in step.
        op.execute(
            "CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN "
            "DELETE FROM passages_fts WHERE rowid = old.id; END"
        )
        # Whole-case index (rowid = cases.id): ranks cases; passages explain them.
        op.execute("CREATE VIRTUAL TABLE cases_fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')")
        op.execute(
            "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
            "DELETE FROM cases_fts WHERE rowid = old.id; END"
        )
        # Document frequencies of tokens, for weighting query concepts.
        op.execute("CREATE VIRTUAL TABLE cases_fts_vocab USING fts5vocab(cases_fts, row)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS cases_fts_vocab")
        op.execute("DROP TRIGGER IF EXISTS cases_fts_delete")
        op.execute("DROP TABLE IF EXISTS cases_fts")
        op.execute("DROP TRIGGER IF EXISTS passages_fts_delete")
        op.execute("DROP TABLE IF EXISTS passages_fts")
    op.drop_table("embeddings")
    op.drop_table("passages")
