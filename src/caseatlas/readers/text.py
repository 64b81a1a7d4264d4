"""Plain text and Markdown: decode bytes (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030/GBK)."""

from __future__ import annotations

import codecs

from ..errors import ReadError


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding) or raise ReadError with a one-line reason."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError(f"{name}: invalid UTF-16 text ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data[:65536]:
        raise ReadError(f"{name}: looks like a binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, the encodings Chinese Windows tools write.
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: not valid UTF-8 or GB18030/GBK text (undecodable byte at {exc.start})") from None
    if _mostly_control(text):
        raise ReadError(f"{name}: looks like a binary file, not text")
    return text, "gb18030"


def _mostly_control(text: str) -> bool:
    sample = text[:20000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return bad > len(sample) * 0.01


def split_lines(text: str) -> list[str]:
    # str.splitlines would also split on \x1c-\x1e, \x85 and \u2028, which would shift
    # line numbers against what editors and `sed -n` show for the same file.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
