"""A throwaway PostgreSQL server for the tests: Debian's binaries, initdb in a temp dir,
loopback only, fsync off. Or the server named by $CASEATLAS_TEST_PG (an admin URL)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid

import sqlalchemy as sa


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(os.path.realpath(initdb))
    raise RuntimeError("PostgreSQL server binaries not found: install Debian's postgresql (scripts/test.sh does)")


class Server:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="caseatlas-pg-")
        self.port = _free_port()
        self.bindir = _bindir()
        # initdb refuses to run as root: run the server as Debian's postgres user then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            pwd.getpwnam("postgres")  # KeyError: the package creates this user
            shutil.chown(self.dir, "postgres")
            os.chmod(self.dir, 0o700)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.data = os.path.join(self.dir, "data")

    def _run(self, *args: str) -> None:
        done = subprocess.run(self.prefix + list(args), capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> str:
        b = self.bindir
        self._run(f"{b}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(f"{b}/pg_ctl", "-D", self.data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run(
            self.prefix + [f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def create_database(admin_url: str) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    eng = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    eng.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    eng = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    eng.dispose()
