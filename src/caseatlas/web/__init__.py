"""Web app (FastAPI): JSON API under /api/v1 and server-rendered pages."""

from .app import create_app

__all__ = ["create_app"]
