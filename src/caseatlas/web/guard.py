"""What every request passes before any route sees it (pure ASGI middleware, like SecurityHeaders):

- a body larger than its limit is refused with 413 while it streams — by its Content-Length
  before anything is read, and by counting when it is chunked — so memory never holds more than
  the limit (files: a book's 20 MB plus the form around it; everything else: forms and JSON);
- NUL and other control characters in the path, the query or a text body (a form or JSON; not an
  uploaded file) are refused with 400: PostgreSQL cannot store NUL and no field needs them;
- dynamic answers are `Cache-Control: no-store` (pages, JSON, exports may be private: a shared
  or back-button cache must not keep them); static assets set their own caching.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from ..services.library import MAX_UPLOAD

FILE_BODY_LIMIT = MAX_UPLOAD + 2 * 1024 * 1024  # a book plus the multipart envelope and other fields
TEXT_BODY_LIMIT = 2 * 1024 * 1024  # a submission's whole text is far below this
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_CONTROL = re.compile(rb"\\u00(?:0[0-8bcef]|1[0-9a-f]|7f)", re.I)
_CACHED_PREFIXES = ("/static/", "/vendor/", "/favicon.ico")


def _headers(scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _has_control(data: bytes, content_type: bytes) -> bool:
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        return bool(_CONTROL.search(unquote_to_bytes(data.replace(b"+", b" "))))
    if _CONTROL.search(data):
        return True
    return content_type.startswith(b"application/json") and bool(_JSON_CONTROL.search(data))


async def _answer(send, status: int, message: str, path: str) -> None:
    if path.startswith("/api/"):
        body, media = (
            json.dumps({"error": {"status": status, "message": message}}, ensure_ascii=False),
            b"application/json",
        )
    else:
        body, media = (
            f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{message}</p>",
            b"text/html; charset=utf-8",
        )
    data = body.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(data)).encode()),
                (b"cache-control", b"no-store"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class RequestGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        raw_target = (scope.get("raw_path") or path.encode("utf-8")) + b"?" + (scope.get("query_string") or b"")
        if _CONTROL.search(unquote_to_bytes(raw_target)):
            return await _answer(send, 400, "请求中含有控制字符（如 NUL）/ control characters in the request", path)
        headers = _headers(scope)
        content_type = headers.get(b"content-type", b"").lower()
        is_file = content_type.startswith(b"multipart/form-data")
        limit = FILE_BODY_LIMIT if is_file else TEXT_BODY_LIMIT
        too_large = f"请求体超过 {limit // (1024 * 1024)} MB / request body larger than {limit // (1024 * 1024)} MB"
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            return await _answer(send, 400, "Content-Length 无效 / invalid Content-Length", path)
        if declared > limit:
            return await _answer(send, 413, too_large, path)

        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE") and not is_file:
            # A text body is read whole here (it is small by the limit) so it can be checked once.
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    return await _answer(send, 413, too_large, path)
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
            body = b"".join(chunks)
            if _has_control(body, content_type):
                return await _answer(send, 400, "请求中含有控制字符（如 NUL）/ control characters in the request", path)
            replayed = False

            async def receive_body():
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            downstream_receive = receive_body
        else:
            seen = 0

            async def counting_receive():
                # Past the limit the client is answered 413 at once and the route sees the client
                # gone (whatever it then sends is dropped): nothing more is read into memory.
                nonlocal seen, refused
                if refused:
                    return {"type": "http.disconnect"}
                message = await receive()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > limit:
                        refused = True
                        if not started:
                            await _answer(send, 413, too_large, path)
                        return {"type": "http.disconnect"}
                return message

            downstream_receive = counting_receive

        started = refused = False

        async def send_no_store(message):
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                if not path.startswith(_CACHED_PREFIXES):
                    names = {k.lower() for k, _ in message.get("headers", [])}
                    if b"cache-control" not in names:
                        message["headers"] = list(message.get("headers", [])) + [(b"cache-control", b"no-store")]
            await send(message)

        try:
            await self.app(scope, downstream_receive, send_no_store)
        except Exception:
            if not refused:  # the route's own failure: not ours to hide
                raise
