"""Every request passes the guard (web/guard.py): bodies over their limit are refused while they
stream, control characters never reach a route or the database, dynamic answers are not cached.
On both backends (NUL is what PostgreSQL cannot store). The ASGI test client streams a generator
body chunk by chunk, as a chunked upload arrives."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseatlas.web import create_app
from caseatlas.web.guard import FILE_BODY_LIMIT, TEXT_BODY_LIMIT


@pytest.fixture
def client(db_path):
    return TestClient(create_app(str(db_path)))


@pytest.mark.parametrize("url", ["/api/v1/search?q=%00", "/search?q=a%01b", "/cases/x%00:1", "/api/v1/cases/%1b"])
def test_control_characters_in_the_url_are_refused(client, url):
    r = client.get(url)
    assert r.status_code == 400 and "控制字符" in r.text


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/api/v1/login", {"json": {"username": "a\x00b", "password": "x"}}),
        (
            "/api/v1/login",
            {"content": b'{"username": "a\\u0000b", "password": "x"}', "headers": {"content-type": "application/json"}},
        ),
        ("/login", {"data": {"username": "a\x00", "password": "x"}}),
        ("/register", {"data": {"username": "bell\x07", "password": "x", "organization": "o"}}),
    ],
)
def test_control_characters_in_a_body_are_refused_on_both_backends(client, path, kwargs):
    r = client.post(path, **kwargs)
    assert r.status_code == 400, (r.status_code, r.text[:200])


def test_text_and_newlines_pass(client):
    r = client.post("/api/v1/login", json={"username": "张三\n", "password": "x\t"})
    assert r.status_code == 401  # reached the route: wrong credentials, not refused by the guard


def test_an_oversized_body_is_refused_by_its_length_before_it_is_read(client):
    r = client.post("/api/v1/login", content=b"x" * (TEXT_BODY_LIMIT + 1), headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = client.post("/api/v1/collections", files={"file": ("a.txt", b"x" * (FILE_BODY_LIMIT + 10))})
    assert r.status_code == 413


def test_a_chunked_body_is_cut_off_while_it_streams(client):
    def chunks(total):
        sent = 0
        while sent < total:
            yield b"y" * 65536
            sent += 65536

    r = client.post(
        "/register", content=chunks(TEXT_BODY_LIMIT * 4), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413
    r = client.post(
        "/api/v1/collections",
        content=chunks(FILE_BODY_LIMIT * 2),
        headers={"content-type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 413


def test_dynamic_answers_are_not_cached_and_assets_are(client):
    for url in ["/", "/api/v1/collections", "/login", "/api/v1/export?format=csv", "/no-such-page"]:
        assert client.get(url).headers.get("cache-control") == "no-store", url
    assert "max-age" in client.get("/favicon.ico").headers.get("cache-control", "")
