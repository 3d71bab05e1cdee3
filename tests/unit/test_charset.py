"""decode_html: BOM, header, <meta>, detection; legacy Arabic charsets come out as correct Arabic."""

from __future__ import annotations

import codecs

import pytest

from pipelines.errors import ParseError
from pipelines.fetch.charset import decode_html

ARABIC = "وزير الخارجية السوري أسعد الشيباني يصل إلى موسكو لبحث العلاقات الثنائية مع روسيا"


def _page(charset_meta: str | None, text: str = ARABIC) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
        if charset_meta
        else ""
    )
    return f"<html><head>{meta}<title>خبر</title></head><body><p>{text}</p><p>{text}</p></body></html>"


@pytest.mark.parametrize("charset", ["windows-1256", "iso-8859-6"])
def test_legacy_arabic_charset_declared_in_meta(charset: str) -> None:
    body = _page(charset).encode(charset)
    text, used = decode_html(body, "text/html")
    assert ARABIC in text
    assert codecs.lookup(used).name == codecs.lookup(charset).name


def test_header_charset_wins_over_meta() -> None:
    body = _page("iso-8859-1").encode("windows-1256")
    text, used = decode_html(body, "text/html; charset=windows-1256")
    assert ARABIC in text and used == "cp1256"


def test_wrong_declared_utf8_falls_back_to_detection() -> None:
    body = _page(None).encode("windows-1256")
    text, used = decode_html(body, "text/html; charset=utf-8")
    assert ARABIC in text
    assert used == "cp1256"


def test_undeclared_windows_1256_is_detected() -> None:
    text, used = decode_html(_page(None).encode("windows-1256"), None)
    assert ARABIC in text and used == "cp1256"


def test_utf8_page_declaring_a_single_byte_charset_reads_as_utf8() -> None:
    text, used = decode_html(_page("windows-1256").encode("utf-8"), None)
    assert ARABIC in text and used == "utf-8"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_decides(encoding: str) -> None:
    text, _ = decode_html(_page("windows-1256").encode(encoding), "text/html; charset=windows-1256")
    assert ARABIC in text and not text.startswith("\ufeff")


def test_unknown_label_is_ignored() -> None:
    text, used = decode_html(_page("x-no-such-charset").encode("utf-8"), "text/html; charset=bogus")
    assert ARABIC in text and used == "utf-8"


def test_binary_noise_is_bad_charset() -> None:
    noise = b"\x00\x01\x02" + bytes((i * 37 + 11) % 256 for i in range(4096))
    with pytest.raises(ParseError) as info:
        decode_html(noise, "text/html")
    assert info.value.reason == "bad_charset"


def test_empty_body() -> None:
    assert decode_html(b"", "text/html") == ("", "utf-8")
