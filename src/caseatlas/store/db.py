"""Opening a library: engine, SQLite pragmas, schema migrations to the latest version."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from ..errors import CaseAtlasError

ENV_VAR = "CASEATLAS_DB"
_MIGRATIONS = Path(__file__).parent / "migrations"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("caseatlas", appauthor=False)) / "library.db"


def resolve_db(db: str | os.PathLike[str] | None) -> str:
    """--db wins, then $CASEATLAS_DB, then the user data dir. Returns a SQLAlchemy URL."""
    value = str(db) if db else os.environ.get(ENV_VAR) or str(default_db_path())
    if "://" in value:
        if value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]  # the driver we ship
        return value
    path = Path(value).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers (web app) do not block an ingest
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_engine(db: str | os.PathLike[str] | None = None, migrate: bool = True) -> Engine:
    url = resolve_db(db)
    try:
        engine = create_engine(url, **({"pool_pre_ping": True} if not url.startswith("sqlite") else {}))
    except (ArgumentError, NoSuchModuleError) as exc:
        raise CaseAtlasError(f"cannot open library '{url}': {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise CaseAtlasError(
                f"cannot open library '{engine.url.render_as_string(hide_password=True)}': "
                f"{str(exc.orig).strip().splitlines()[0]}"
            ) from None
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is current)."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several workers may start at once: one migrates, the others wait, then see head.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1128354625)")
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_version(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return MigrationContext.configure(conn).get_current_revision()
