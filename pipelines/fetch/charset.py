"""Decode an HTML page to text, getting legacy Arabic encodings (windows-1256, ISO-8859-6) right.

Order: byte-order mark, then the HTTP ``Content-Type`` charset, then ``<meta charset>`` /
``http-equiv``, then charset-normalizer's detection. A declared charset is used only if the bytes
decode cleanly with it; a wrong declaration falls through to the next clue. Pages that are valid
UTF-8 but declare a single-byte charset (a common CMS mistake) are read as UTF-8: multi-byte UTF-8
sequences almost never occur by chance in legacy text, while any byte string "decodes" in cp1256.
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
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _try(body[len(bom) :], codec)
            if text is not None:
                return text, codec
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
                return utf8, "utf-8"
        return text, codec
    if body.isascii():
        return body.decode("ascii"), "ascii"
    if (utf8 := _try(body, "utf-8")) is not None:
        return utf8, "utf-8"
    best = from_bytes(body[: 512 * 1024], cp_isolation=None).best()
    if best is None or best.encoding is None:
        raise ParseError("no character encoding decodes this page", reason="bad_charset")
    codec = _codec(best.encoding) or best.encoding
    text = _try(body, codec)
    if text is None:
        raise ParseError(f"detected {codec} but the page does not decode with it", reason="bad_charset")
    if _looks_binary(text):
        raise ParseError("the page is binary, not text", reason="bad_charset")
    return text, codec


def _looks_binary(text: str) -> bool:
    """Control characters (other than whitespace) in more than 1% of the text: not a web page."""
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(2, len(sample) // 100)
