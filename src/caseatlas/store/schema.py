"""Tables of the case library (SQLAlchemy Core). Changes go through a migration."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String, nullable=False, unique=True),  # prefix of case ids
    Column("source_file", String, nullable=False, unique=True),  # identity for re-ingest
    Column("source_path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("format", String(8), nullable=False),
    Column("encoding", String(16)),
    Column("title", Text, nullable=False),
    Column("publisher", Text),
    Column("year", Integer),
    Column("foreword", Text),
    Column("experts", Text, nullable=False, default="[]"),  # JSON list
    Column("chapters", Text, nullable=False, default="[]"),  # JSON list
    Column("n_lines", Integer, nullable=False),
    Column("ingested_at", String, nullable=False),
    Column("pipeline", String(32)),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", String, nullable=False, unique=True),  # "<slug>:<seq>", stable across re-ingest
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("organization", Text),
    Column("chapter", Text),
    Column("start_line", Integer, nullable=False),
    Column("end_line", Integer, nullable=False),
    Column("page", Integer),
    Column("text", Text, nullable=False),
    Index("ix_cases_collection", "collection_id", "seq"),
)

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("heading", Text, nullable=False),
    Column("start_line", Integer, nullable=False),
    Column("end_line", Integer, nullable=False),
    Index("ix_sections_case", "case_pk", "seq"),
)

lines = Table(
    "lines",
    metadata,
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("page", Integer),
    Column("raw", Text, nullable=False),
    Column("text", Text, nullable=False),
    sqlite_with_rowid=False,
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("value", Float, nullable=False),
    Column("value_max", Float),
    Column("unit", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("period", String(16), nullable=False),
    Column("qualifier", String(16)),
    Column("quote", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON [{quote, line}]
)

attributes = Table(
    "attributes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # region, sector, industry, measure, standard, system, target
    Column("value", Text, nullable=False),
    Column("detail", Text),
    Column("quote", Text, nullable=False),
    Column("line", Integer, nullable=False),
)

passages = Table(
    "passages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("heading", Text),
    Column("start_line", Integer, nullable=False),
    Column("end_line", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("tokens", Text, nullable=False),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("passage_id", Integer, ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(64), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

search_state = Table(
    "search_state",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)
