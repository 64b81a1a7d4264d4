"""Stable identities (fact ids, passage keys, unique section keys), atomic counters, the
shared BM25 index, accounts, sessions and an append-only audit log.

Rows written before this revision get placeholder keys ("legacy-<id>"); the pipeline version
changed with it, so the next ingest of each file replaces them with real keys once.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _add_key(table: str, column: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(column, sa.String(24)))
    op.execute(sa.text(f"UPDATE {table} SET {column} = 'legacy-' || CAST(id AS VARCHAR)"))
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, existing_type=sa.String(24), nullable=False)


def upgrade() -> None:
    _add_key("outcomes", "fact_id")
    op.create_index("ux_outcomes_fact_id", "outcomes", ["fact_id"], unique=True)
    _add_key("attributes", "fact_id")
    op.create_index("ux_attributes_fact_id", "attributes", ["fact_id"], unique=True)
    _add_key("passages", "passage_key")
    op.create_index("ux_passages_case_key", "passages", ["case_pk", "passage_key"], unique=True)
    op.drop_index("ix_sections_case", "sections")
    op.create_index("ux_sections_case_seq", "sections", ["case_pk", "seq"], unique=True)
    # Counters exist from the start, so a bump is one atomic UPDATE … SET value = value + 1.
    for key in ("generation", "vectors"):
        op.execute(sa.text("INSERT INTO search_state (key, value) SELECT :k, 0 WHERE NOT EXISTS "
                           "(SELECT 1 FROM search_state WHERE key = :k)").bindparams(k=key))
    op.create_table(
        "search_index",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.Text),
        sa.Column("organization", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String, nullable=False),
        sa.Column("expires_at", sa.String, nullable=False),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.Text),
        sa.Column("detail", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("sessions")
    op.drop_table("users")
    op.drop_table("search_index")
    op.drop_index("ux_sections_case_seq", "sections")
    op.create_index("ix_sections_case", "sections", ["case_pk", "seq"])
    for table, column, index in (("passages", "passage_key", "ux_passages_case_key"),
                                 ("attributes", "fact_id", "ux_attributes_fact_id"),
                                 ("outcomes", "fact_id", "ux_outcomes_fact_id")):
        op.drop_index(index, table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
