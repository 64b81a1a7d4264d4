"""Errors a user can act on. Each carries a one-line message meant to be printed as is."""


class CaseAtlasError(Exception):
    """Base class: the message is a complete, single-line explanation."""


class ReadError(CaseAtlasError):
    """A source file cannot be turned into lines (empty, binary, undecodable, too large, no text)."""


class NotFound(CaseAtlasError):
    """A requested case or collection does not exist in the library."""
