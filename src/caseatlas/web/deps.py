"""Who is asking (from the session cookie) and the CSRF check, as FastAPI dependencies.

Every state-changing route takes `WriteContext`: it refuses the request (403) unless it
echoes the CSRF token — the session's own token for a signed-in user, else the anonymous
`caseatlas_csrf` cookie (double submit, for the login form) — in the `X-CSRF-Token` header
or a `csrf_token` form field. The permission itself is asked by the service."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from starlette.datastructures import FormData

from ..errors import Forbidden
from ..services import ANONYMOUS, Context, accounts

SESSION_COOKIE = "caseatlas_session"
CSRF_COOKIE = "caseatlas_csrf"
CSRF_HEADER = "x-csrf-token"
MAX_BODY = 21 * 1024 * 1024  # a 20 MB book and its form fields; refused before anything is parsed


def _actor(request: Request):
    cached = getattr(request.state, "actor", None)
    if cached is None:
        base = Context(request.app.state.engine)
        cached = accounts.session_actor(base, request.cookies.get(SESSION_COOKIE)) or ANONYMOUS
        request.state.actor = cached
    return cached


def read_context(request: Request) -> Context:
    return Context(request.app.state.engine, _actor(request))


def expected_csrf(request: Request) -> str | None:
    actor = _actor(request)
    return actor.csrf_token if actor.kind == "user" else request.cookies.get(CSRF_COOKIE)


async def write_context(request: Request) -> Context:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise HTTPException(413, f"request body larger than {MAX_BODY // (1024 * 1024)} MB")
    expected = expected_csrf(request)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form: FormData = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not expected or not given or not secrets.compare_digest(expected, given):
        raise Forbidden("missing or wrong CSRF token (send the X-CSRF-Token header or the csrf_token form field)")
    return read_context(request)


def page_csrf(request: Request) -> str:
    """The token a page's forms carry (creating the anonymous cookie's value if needed)."""
    token = expected_csrf(request)
    if not token:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token  # set as a cookie on the response (pages.render)
    return token


ReadContext = Annotated[Context, Depends(read_context)]
WriteContext = Annotated[Context, Depends(write_context)]

# A row id in a path: 32 bits are plenty, and a larger number (which SQLite cannot bind) is a 422.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def client_address(request: Request) -> str:
    """The peer's address, for login throttling. Behind a proxy every client shares the proxy's
    address (throttling is then per account and per proxy): forwarded headers are not trusted,
    since any client could write them."""
    return request.client.host if request.client else "unknown"
