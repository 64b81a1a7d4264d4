"""Errors a user can act on. Each carries a one-line message meant to be printed as is."""


class CaseAtlasError(Exception):
    """Base class: the message is a complete, single-line explanation.

    `field` names what the message is about where the service knows it ("title", "score:impact",
    "section:案例概述", "outcome:2:unit"), so a form can put the message beside that field;
    `fields` ({field: short message}) when one rule names several at once (the empty sections)."""

    def __init__(self, *args, field: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(*args)
        self.field = field
        self.fields = dict(fields or {})


class ReadError(CaseAtlasError):
    """A source file cannot be turned into lines (empty, binary, undecodable, too large, no text)."""


class NotFound(CaseAtlasError):
    """A requested case or collection does not exist in the library."""


class PermissionDenied(CaseAtlasError):
    """The actor may not do this (the web answers 401 to an anonymous actor, else 403)."""


class LoginRequired(PermissionDenied):
    """Anonymous actor asking for something that needs an account."""


class AuthenticationFailed(PermissionDenied):
    """Wrong username or password (401)."""


class Forbidden(PermissionDenied):
    """Signed-in actor whose role does not allow the action."""


class Conflict(CaseAtlasError):
    """The request contradicts what is stored (a username that exists, the last admin)."""


class Throttled(CaseAtlasError):
    """Too many attempts (429): try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
