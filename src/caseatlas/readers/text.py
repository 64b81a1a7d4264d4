"""Plain text and Markdown: decode bytes (UTF-8, UTF-8 with BOM, UTF-16 with or without BOM, GB18030/GBK)."""

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
        found = _utf16_without_bom(data)
        if found:
            return found
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


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 written without a byte-order mark (some Windows tools do). Its NUL bytes sit on
    one side of each code unit — the high byte of ASCII characters and line breaks — while a
    binary file has them anywhere; the text must then decode strictly and read as text."""
    sample = data[: 65536 - 65536 % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(data) % 2 or max(even, odd) < 4:
        return None
    # (a CJK character's own byte is NUL for 1 in 256 code points, so the other side is not 0)
    if odd > 0 and even <= odd // 10:
        encoding = "utf-16-le"
    elif even > 0 and odd <= even // 10:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    sample_text = text[:20000]
    readable = sum(1 for ch in sample_text if ch.isprintable() or ch in "\r\n\t")
    if "\x00" in text or _mostly_control(text) or readable < 0.97 * len(sample_text):
        return None
    return text, encoding


def _mostly_control(text: str) -> bool:
    sample = text[:20000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return bad > len(sample) * 0.01


def split_lines(text: str) -> list[str]:
    # str.splitlines would also split on \x1c-\x1e, \x85 and \u2028, which would shift
    # line numbers against what editors and `sed -n` show for the same file.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
