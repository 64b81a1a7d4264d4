"""Run the web app in a background thread on a free loopback port (for browser tests)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from caseatlas.web import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: str, **app_options):
        """`app_options`: `create_app`'s (`worker`, `periodic`), e.g. for a test that works the
        queue itself on a test clock."""
        self.db = db
        self.port = free_port()
        config = uvicorn.Config(create_app(db, **app_options), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
