"""Background jobs: the `jobs` table (kind, status, progress, result, the queue's job id) and, on
PostgreSQL, the job queue's own schema (Procrastinate's tables and functions), applied here so it
is created once, under the advisory lock every migration runs under (store/db.py).

Revision ID: 0021
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer),
        sa.Column("message", sa.Text),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("result", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("created_at", sa.String, nullable=False),
        sa.Column("started_at", sa.String),
        sa.Column("finished_at", sa.String),
        sa.Column("queue_id", sa.Integer),
        sa.Column("input_name", sa.Text),
        sa.Column("input_data", sa.LargeBinary),
        sa.Column("file_name", sa.Text),
        sa.Column("media_type", sa.String(64)),
        sa.Column("file_data", sa.LargeBinary),
    )
    op.create_index("ix_jobs_created_by", "jobs", ["created_by", "id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        apply_queue_schema(bind)


def apply_queue_schema(bind) -> None:
    """Procrastinate's schema, once: a library that already has it (or a database shared with
    another app using it) is left alone. Its SQL is several statements with dollar-quoted function
    bodies, so it goes to the driver as one simple query (no parameters)."""
    from procrastinate.schema import SchemaManager

    if bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar() is not None:
        return
    with bind.connection.dbapi_connection.cursor() as cur:
        cur.execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.drop_index("ix_jobs_created_by", "jobs")
    op.drop_table("jobs")
