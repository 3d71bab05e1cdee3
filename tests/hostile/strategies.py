"""Hypothesis strategies for hostile input: responses (status, headers, body), URLs, JSON."""

from __future__ import annotations

import gzip
import json
import zlib

from hypothesis import strategies as st
from pages import article_html

_HEADER_NAMES = [
    "Content-Type",
    "Content-Encoding",
    "Location",
    "Retry-After",
    "ETag",
    "Last-Modified",
    "Set-Cookie",
    "Content-Language",
    "X-Anything",
]
_CONTENT_TYPES = [
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=windows-1256",
    "text/html; charset=nonsense",
    "application/xhtml+xml",
    "image/png",
    "",
    "text/html; charset=",
]
_ENCODINGS = ["gzip", "deflate", "zstd", "br", "gzip, gzip", "identity", "x-unknown", ""]

# Header text: anything a socket can carry on one line (no CR/LF, which would end the header).
header_text = st.text(st.characters(blacklist_characters="\r\n", max_codepoint=0x2FFF), max_size=80)

hostile_urls = st.one_of(
    st.sampled_from(
        [
            "http://a]b/",
            "http://127.0.0.1＃@a/",
            "http://[::1/",
            "http://x:99999/",
            "javascript:alert(1)",
            "//127.0.0.1/",
            "http://10.0.0.1/",
            "http://[2002:7f00:1::1]/",
            "http://localhost/",
            "file:///etc/passwd",
            "http://user:pw@127.0.0.1:1/",
            "",
            "   ",
            "/relative/path",
            "?q=1",
            "http://" + "a" * 300 + "/",
        ]
    ),
    header_text,
    st.builds(lambda p: "/" + p, header_text),
)


def _mutate(data: bytes, cuts: list[tuple[int, bytes]]) -> bytes:
    for pos, junk in cuts:
        pos %= max(1, len(data))
        data = data[:pos] + junk + data[pos:]
    return data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)

article_like = st.builds(
    lambda n, ld, cuts: _mutate(
        article_html(n, head=f'<script type="application/ld+json">{json.dumps(ld)}</script>').encode(), cuts
    ),
    st.integers(0, 10**6),
    json_values,
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=8)), max_size=4),
)

bodies = st.one_of(
    st.binary(max_size=4000),
    article_like,
    st.builds(lambda b: gzip.compress(b), article_like),
    st.builds(lambda b: zlib.compress(b), st.binary(max_size=2000)),
    st.just(b"[" * 50_000 + b"]" * 50_000),
)


@st.composite
def responses(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], bytes]:
    status = draw(
        st.sampled_from(["200 OK"] * 5 + ["301 Moved", "302 Found", "404 No", "500 Err", "204 No", "304 Not"])
    )
    headers = [("Content-Type", draw(st.sampled_from(_CONTENT_TYPES)))]
    if draw(st.booleans()):
        headers.append(("Content-Encoding", draw(st.sampled_from(_ENCODINGS))))
    if status.startswith("30"):
        headers.append(("Location", draw(hostile_urls)))
    for _ in range(draw(st.integers(0, 3))):
        headers.append((draw(st.sampled_from(_HEADER_NAMES)), draw(header_text)))
    return status, headers, draw(bodies)
