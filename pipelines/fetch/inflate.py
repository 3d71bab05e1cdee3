"""Content-Encoding decoding with a cap on the bytes it produces, checked while they stream.

httpx decodes a whole network read at once, so 1.8 KB of ``Content-Encoding: gzip, gzip`` becomes
1 GiB in memory before any size check can run. Here every decoder hands out at most
:data:`STEP` bytes per step and the caller stops pulling at the cap: memory stays near
``cap + STEP`` per layer whatever the compression ratio. Stacked encodings are undone last-first.

Also used for files that arrive gzipped (sitemaps ``.xml.gz``, ``khabar extract page.html.gz``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import zstandard

from pipelines.errors import FetchError

#: Largest piece one decoder step may produce.
STEP = 64 * 1024
#: More stacked encodings than this is not a real server: refused as ``bad_encoding``.
MAX_LAYERS = 3
#: What the fetcher advertises in Accept-Encoding (brotli is not installed, so not offered).
ACCEPT_ENCODING = "gzip, deflate, zstd"


class TooLargeError(Exception):
    """Decoded output passed the cap."""


def _zlib(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    """gzip (``wbits=47``: gzip or zlib header) or raw deflate; multi-member gzip included."""
    d = zlib.decompressobj(wbits)
    empty = True
    for data in chunks:
        empty = empty and not data
        while data:
            out = d.decompress(data, STEP)
            if out:
                yield out
            if d.eof:  # next gzip member, if any (and trailing garbage is an error below)
                data = d.unused_data
                if data:
                    d = zlib.decompressobj(wbits)
                continue
            data = d.unconsumed_tail
    tail = d.flush()
    if tail:
        yield tail
    if not d.eof and not empty:  # an empty body (304, 204) is no stream at all
        raise zlib.error("truncated compressed stream")


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """HTTP "deflate" is zlib-wrapped by the RFC, raw deflate by some servers: try the first."""
    it = iter(chunks)
    first = next(it, b"")
    zlib_header = len(first) > 1 and first[0] & 0x0F == 8 and ((first[0] << 8) | first[1]) % 31 == 0
    yield from _zlib(_chain(first, it), zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


class _Reader:
    """A file-like ``read(n)`` over an iterator of byte chunks (what zstandard's reader wants)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buf = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            chunk = next(self._it, None)
            if chunk is None:
                break
            self._buf += chunk
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _zstd(chunks: Iterable[bytes]) -> Iterator[bytes]:
    dctx = zstandard.ZstdDecompressor()
    with dctx.stream_reader(_Reader(chunks), read_size=STEP, read_across_frames=True) as reader:
        while out := reader.read(STEP):
            yield out


_DECODERS = {
    "gzip": lambda c: _zlib(c, 47),
    "x-gzip": lambda c: _zlib(c, 47),
    "deflate": _deflate,
    "zstd": _zstd,
}


def encodings(header: str | None) -> list[str]:
    """The Content-Encoding layers in the order they were applied (``identity`` dropped)."""
    if not header:
        return []
    return [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]


def decoded(chunks: Iterable[bytes], layers: list[str]) -> Iterator[bytes]:
    """The bytes of ``chunks`` with every layer undone, lazily; unknown or too many layers: FetchError."""
    if len(layers) > MAX_LAYERS:
        raise FetchError(f"{len(layers)} stacked content encodings", reason="bad_encoding")
    stream: Iterable[bytes] = chunks
    for layer in reversed(layers):
        decoder = _DECODERS.get(layer)
        if decoder is None:
            raise FetchError(f"unsupported Content-Encoding {layer!r}", reason="bad_encoding")
        stream = decoder(stream)
    return iter(stream)


def capped(chunks: Iterable[bytes], cap: int) -> bytes:
    """Join ``chunks`` (already decoded, lazily) but raise :class:`TooLargeError` past ``cap`` bytes."""
    out, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise TooLargeError(f"more than {cap} bytes once decompressed")
        out.append(chunk)
    return b"".join(out)


def gunzip(data: bytes, cap: int) -> bytes:
    """Decompress gzip ``data`` to at most ``cap`` bytes (:class:`TooLargeError` beyond, zlib.error if broken)."""
    return capped(_zlib([data], 47), cap)


DecodeErrors = (zlib.error, zstandard.ZstdError)
