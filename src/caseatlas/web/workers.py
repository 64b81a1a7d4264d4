"""Several server processes on one port, balanced by the kernel (SO_REUSEPORT).

uvicorn's own `--workers` shares one listening socket, and a busy worker's event loop
still accepts connections, so keep-alive clients pile onto one process (measured: two
workers served no more than one). With one SO_REUSEPORT socket per process the kernel
spreads connections across them. Each process keeps its own search index in memory."""

from __future__ import annotations

import multiprocessing as mp
import signal
import socket


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _run(db: str, host: str, port: int, periodic: bool) -> None:
    import uvicorn

    from . import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(db, periodic=periodic), log_level="warning"))
    server.run(sockets=[_bind(host, port)])


def serve_workers(db: str, host: str, port: int, workers: int) -> None:
    ctx = mp.get_context("spawn")
    # The periodic reminders are sent by the first process only (a SQLite library's job queues are
    # one per process, in memory, and share no lock).
    procs = [ctx.Process(target=_run, args=(db, host, port, i == 0), daemon=True) for i in range(workers)]
    for p in procs:
        p.start()

    def stop(*_):
        for p in procs:
            p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        stop()
