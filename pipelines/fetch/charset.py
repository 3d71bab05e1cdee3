"""Decode an HTML page to text, getting legacy Arabic encodings (windows-1256, ISO-8859-6) right.

Order: byte-order mark, then the HTTP ``Content-Type`` charset, then ``<meta charset>`` /
``http-equiv``, then charset-normalizer's detection. A declared charset is used only if the bytes
decode cleanly with it; a wrong declaration falls through to the next clue. Pages that are valid
UTF-8 but declare a single-byte charset (a common CMS mistake) are read as UTF-8: multi-byte UTF-8
sequences almost never occur by chance in legacy text, while any byte string "decodes" in cp1256.

A UTF-8 page with a few stray bytes (a truncated character, one byte of Latin-1 pasted in) is
still UTF-8: it is decoded with U+FFFD for the bad bytes and the count is reported
(:func:`decode_html_counted`, ``RawPage.decode_errors``) instead of the page being lost.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

from charset_normalizer import from_bytes

from pipelines.errors import ParseError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
# WHATWG: these labels mean something wider than their name says.
_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "ascii": "windows-1252",
    "tis-620": "cp874",
}
_SNIFF_BYTES = 4096


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    value = msg.get_param("charset")
    return value.strip().strip("\"'") if isinstance(value, str) and value.strip() else None


def charset_from_meta(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:_SNIFF_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None if Python does not know it."""
    if not label:
        return None
    label = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_single_byte(codec: str) -> bool:
    return codec not in {"utf-8", "utf-16", "utf-32"} and codecs.lookup(codec).name.startswith(
        ("cp", "iso8859", "windows", "latin", "mac", "koi8")
    )


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, charset)`` of an HTML (or XML) body; :class:`ParseError` ``bad_charset`` if hopeless."""
    text, charset, _replaced = decode_html_counted(body, content_type)
    return text, charset


def _nearly_utf8(body: bytes) -> tuple[str, int] | None:
    """(text, bytes replaced) if ``body`` is UTF-8 but for a few stray bytes, else None.

    "A few": at most one bad sequence per 20 good multi-byte characters, and per 1,000 bytes (+8).
    Legacy Arabic text read as UTF-8 is mostly bad sequences, so it never passes.
    """
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    if bad <= 0 or bad * 20 > good or bad > len(body) // 1000 + 8:
        return None
    return text, bad


def decode_html_counted(body: bytes, content_type: str | None = None) -> tuple[str, str, int]:
    """Like :func:`decode_html`, plus how many bad bytes were replaced (0 but for nearly-UTF-8 pages)."""
    if not body:
        return "", "utf-8", 0
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _try(body[len(bom) :], codec)
            if text is not None:
                return text, codec, 0
    for label in (charset_from_content_type(content_type), charset_from_meta(body)):
        codec = _codec(label)
        if codec is None:
            continue
        text = _try(body, codec)
        if text is None:
            continue  # declared wrong: the next clue decides
        if _is_single_byte(codec) and not body.isascii():
            utf8 = _try(body, "utf-8")
            if utf8 is not None:
                return utf8, "utf-8", 0
            if (nearly := _nearly_utf8(body)) is not None:
                return nearly[0], "utf-8", nearly[1]
        return text, codec, 0
    if body.isascii():
        return body.decode("ascii"), "ascii", 0
    if (utf8 := _try(body, "utf-8")) is not None:
        return utf8, "utf-8", 0
    if (nearly := _nearly_utf8(body)) is not None:
        return nearly[0], "utf-8", nearly[1]
    best = from_bytes(body[: 512 * 1024], cp_isolation=None).best()
    if best is None or best.encoding is None:
        raise ParseError("no character encoding decodes this page", reason="bad_charset")
    codec = _codec(best.encoding) or best.encoding
    text = _try(body, codec)
    if text is None:
        raise ParseError(f"detected {codec} but the page does not decode with it", reason="bad_charset")
    if _looks_binary(text):
        raise ParseError("the page is binary, not text", reason="bad_charset")
    return text, codec, 0


def _looks_binary(text: str) -> bool:
    """Control characters (other than whitespace) in more than 1% of the text: not a web page."""
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(2, len(sample) // 100)
