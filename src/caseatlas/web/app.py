"""The web app: a JSON API under /api/v1 and server-rendered pages, both thin shells over
`services`. One library per app; every request reads it, so books ingested by the CLI
while the server runs appear without a restart."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import (
    AuthenticationFailed,
    CaseAtlasError,
    Conflict,
    LoginRequired,
    NotFound,
    PermissionDenied,
    Throttled,
)
from ..jobs import queue as job_queue
from ..programme.web import api as programme_api
from ..programme.web import pages as programme_pages
from ..services import open_library
from . import api, api_jobs, pages, pages_jobs
from .guard import RequestGuard

THREADS = 1
STATIC = Path(str(resources.files("caseatlas") / "web" / "static"))

# No inline script anywhere (pages load /static/*.js); styles may be set by plotly at run time.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


@asynccontextmanager
async def _lifespan(app: FastAPI):
    # Requests are CPU-bound Python: threads in one process only fight over the GIL
    # (measured: 4 concurrent searches ran at half the throughput of 1). Throughput comes
    # from processes (`serve --workers`), so each runs one request at a time.
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    # The in-memory queue of a SQLite library is worked here, beside the requests (its jobs run in
    # the event loop's own thread pool, not in the requests' one thread); a PostgreSQL library's
    # queue is worked by `caseatlas worker` unless the app was asked to work it too.
    worker = None
    if app.state.run_worker:
        worker = asyncio.create_task(app.state.queue.work(periodic=app.state.periodic))
    try:
        yield
    finally:
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker


def create_app(db: str | None = None, worker: bool | None = None, periodic: bool = True) -> FastAPI:
    """The app on library `db`. `worker`: run the job queue's worker in this process (default: only
    for the in-memory queue of a SQLite library, which no other process can work); `periodic`: that
    worker also runs the periodic reminders (one process of several does)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="CaseAtlas 案例图谱 API",
        version=__version__,
        description="Search, browse, compare and export climate-action cases; every fact with its source quote. "
        "Reading needs no account; changes need a session (POST /api/v1/login) and its CSRF token "
        "in the X-CSRF-Token header.",
        docs_url=None,  # served below from a registry package, not from a CDN
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.engine = open_library(db)
    app.state.queue = job_queue.for_engine(app.state.engine)
    app.state.run_worker = app.state.queue.in_process if worker is None else worker
    app.state.periodic = periodic
    app.include_router(api.router)
    app.include_router(api_jobs.router)
    app.include_router(programme_api.router)
    app.include_router(pages.router)
    app.include_router(pages_jobs.router)
    app.include_router(programme_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    import fastapi_offline  # its Swagger UI 5 files (reads OpenAPI 3.1; 3.x bundles cannot)

    app.mount(
        "/vendor/swagger", StaticFiles(directory=str(Path(fastapi_offline.__file__).parent / "static")), name="swagger"
    )
    app.add_middleware(RequestGuard)
    app.add_middleware(SecurityHeaders)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(
            STATIC / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
        )

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package: no CDN, works offline.
        import plotly

        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return FileResponse(path, media_type="application/javascript", headers={"Cache-Control": "max-age=86400"})

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def error(request: Request, status: int, message: str, headers: dict | None = None, retry_after: int | None = None):
        # The API keeps the service's message as is (with its CLI hints); a page speaks to a person.
        if wants_json(request):
            return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)
        return pages.error_page(request, status, message, headers, retry_after)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return error(request, 404, str(exc))

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, exc: PermissionDenied):
        if isinstance(exc, LoginRequired) and not wants_json(request):
            return pages.login_redirect(request)
        return error(request, 401 if isinstance(exc, (LoginRequired, AuthenticationFailed)) else 403, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return error(request, 409, str(exc))

    @app.exception_handler(Throttled)
    async def throttled(request: Request, exc: Throttled):
        return error(request, 429, str(exc), {"Retry-After": str(exc.retry_after)}, exc.retry_after)

    @app.exception_handler(CaseAtlasError)
    async def bad_request(request: Request, exc: CaseAtlasError):
        return error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body")]
        where = ".".join(loc)
        msg = first.get("msg", "invalid value")
        if first.get("type") == "string_pattern_mismatch" and loc and loc[0] in api.PATTERN_HINTS:
            msg = api.PATTERN_HINTS[loc[0]]  # the regex itself helps nobody
        return error(request, 422, f"{where}: {msg}" if where else "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # of every route at this path (Starlette's names only the one route's)
            given = {m.strip() for m in headers.get("Allow", "").split(",") if m.strip()}
            headers["Allow"] = ", ".join(sorted(given | set(_allowed_methods(app, request))))
        return error(request, exc.status_code, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        # Starlette still logs the exception (and re-raises it after this answer); the reader gets
        # a page in their language rather than "Internal Server Error", and never the exception text.
        try:
            return error(request, 500, "internal server error")
        except Exception:  # the page itself failed (the library unreachable): plain text, as before
            return PlainTextResponse("Internal Server Error", status_code=500)

    return app


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        if route.matches(request.scope)[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
