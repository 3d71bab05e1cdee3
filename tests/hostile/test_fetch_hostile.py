"""The fetcher against a hostile server on 127.0.0.1: bad redirects, decompression bombs, slow
headers, private-network redirects. Each case fails as one FetchError with its reason."""

from __future__ import annotations

import gzip
import time
import tracemalloc
import zlib

import pytest
import zstandard
from hostile_server import HostileServer, dribble, html, raw
from pages import article_html

from pipelines.config import Settings
from pipelines.errors import FetchError
from pipelines.fetch import Fetcher, FetchPolicy

LOCAL = FetchPolicy(rate_limit=0.0, allow_private=True, source_id="t")


def _fails(fetcher: Fetcher, url: str, policy: FetchPolicy = LOCAL) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url, policy=policy)
    return info.value


# --- 1. bad redirects --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "location", ["http://a]b/", "http://127.0.0.1＃@a/", "http://x:99999/", "http://[::1/"]
)
def test_unreadable_location_is_a_bad_redirect(
    server: HostileServer, fetcher: Fetcher, location: str
) -> None:
    server.routes["/r"] = raw("302 Found", [("Location", location)])
    assert _fails(fetcher, server.url("/r")).reason == "bad_redirect"


# --- 2. decompression bombs --------------------------------------------------------------------
def _gzip_zeros(megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()


def _peak_while(call) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        call()
    except Exception as exc:
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return None, 0


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", lambda: _gzip_zeros(256)),
        ("gzip, gzip", lambda: gzip.compress(_gzip_zeros(256), 9)),  # ~1 KB on the wire
        ("zstd", lambda: zstandard.ZstdCompressor(level=19).compress(b"\0" * (256 << 20))),
    ],
    ids=["gzip", "gzip-gzip", "zstd"],
)
def test_decompression_bomb_is_stopped_at_the_cap_while_streaming(
    server: HostileServer, fetcher: Fetcher, settings: Settings, encoding: str, body
) -> None:
    """256 MB once inflated; the cap is 1 MB: memory must stay near the cap, not the inflated size."""
    data = body()
    assert len(data) < settings.max_response_bytes  # small on the wire: only the inflated size is big
    server.routes["/bomb"] = raw(
        "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", encoding)], data
    )
    error, peak = _peak_while(lambda: fetcher.fetch(server.url("/bomb"), policy=LOCAL))
    assert isinstance(error, FetchError) and error.reason == "too_large", error
    assert peak < 32 * settings.max_response_bytes, f"{peak} bytes allocated for a 1 MB cap"


def test_stacked_encodings_within_the_cap_are_decoded(server: HostileServer, fetcher: Fetcher) -> None:
    page = article_html(1).encode()
    server.routes["/two"] = raw(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip, zstd")],
        zstandard.ZstdCompressor().compress(gzip.compress(page)),
    )
    got = fetcher.fetch(server.url("/two"), policy=LOCAL)
    assert got.body == page and "content-encoding" not in got.headers


@pytest.mark.parametrize("encoding", ["br", "gzip, gzip, gzip, gzip", "compress"])
def test_unsupported_encodings_are_refused(server: HostileServer, fetcher: Fetcher, encoding: str) -> None:
    server.routes["/enc"] = raw(
        "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", encoding)], b"x"
    )
    assert _fails(fetcher, server.url("/enc")).reason == "bad_encoding"


def test_broken_gzip_is_bad_encoding(server: HostileServer, fetcher: Fetcher) -> None:
    server.routes["/broken"] = raw(
        "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], b"\x1f\x8b\x08garbage"
    )
    assert _fails(fetcher, server.url("/broken")).reason == "bad_encoding"


# --- 5. slow headers ---------------------------------------------------------------------------
def test_dribbled_headers_are_cut_at_the_fetch_deadline(server: HostileServer, settings: Settings) -> None:
    """One header byte every 0.1 s never trips the 2 s read timeout; the 1.5 s deadline stops it."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    server.routes["/slow"] = dribble(head, 0.1)  # 25 s if read to the end
    slow = settings.with_overrides(fetch_deadline_seconds=1.5)
    with Fetcher(slow) as fetcher:
        started = time.monotonic()
        error = _fails(fetcher, server.url("/slow"))
        took = time.monotonic() - started
    assert error.reason == "deadline" and not error.transient
    assert took < 6, f"held for {took:.1f}s"  # deadline plus slack for a loaded machine, not 25 s


def test_dribbled_body_is_cut_at_the_fetch_deadline(server: HostileServer, settings: Settings) -> None:
    body = article_html(1).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    slow_body = dribble(body, 0.05)

    def answer(out) -> None:
        out.write(head)
        out.flush()
        slow_body(out)

    server.routes["/slow-body"] = answer
    with Fetcher(settings.with_overrides(fetch_deadline_seconds=1.0)) as fetcher:
        assert _fails(fetcher, server.url("/slow-body")).reason == "deadline"


# --- 8. SSRF -----------------------------------------------------------------------------------
def test_private_network_is_allowed_for_the_sources_own_host_only(
    server: HostileServer, settings: Settings
) -> None:
    """A source on own.test (127.0.0.1, allowed) redirects to evil.test (also 127.0.0.1): refused."""
    port = server.server_address[1]
    names = {"own.test": "127.0.0.1", "evil.test": "127.0.0.1"}
    asked: list[str] = []

    def resolver(host: str, _port: int):
        import ipaddress

        asked.append(host)
        return [ipaddress.ip_address(names[host])]

    server.routes["/hop"] = raw("302 Found", [("Location", f"http://evil.test:{port}/inside")])
    server.routes["/inside"] = html(article_html(2))
    policy = FetchPolicy(
        rate_limit=0.0, allow_private=True, source_id="t", private_hosts=frozenset({"own.test"})
    )
    with Fetcher(settings, resolver=resolver) as fetcher:
        error = _fails(fetcher, f"http://own.test:{port}/hop", policy)
        assert error.reason == "ssrf_blocked"
        assert server.hits("/hop") == 1 and server.hits("/inside") == 0
        assert ("evil.test", "127.0.0.1") not in fetcher.network.connected


def test_source_policy_names_its_own_hosts(server: HostileServer) -> None:
    from pages import serve_feed, source_on

    policy = FetchPolicy.for_source(source_on(server, serve_feed(server, [])))
    assert policy.private_ok("127.0.0.1") and not policy.private_ok("evil.test")


def test_connection_goes_to_the_address_that_was_checked(
    server: HostileServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is resolved once, by the guard, and the socket uses that answer.

    Any second resolution (httpx's own) would go through socket.getaddrinfo, which fails here.
    """
    import ipaddress
    import socket

    port = server.server_address[1]
    answers: list[str] = []

    def resolver(host: str, _port: int):
        answers.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    real_getaddrinfo = socket.getaddrinfo

    def no_dns(host: str, *args: object, **kwargs: object):
        ipaddress.ip_address(host)  # a literal is fine (no DNS); a name raises here
        return real_getaddrinfo(host, *args, **kwargs)

    server.routes["/"] = html(article_html(3))
    policy = FetchPolicy(rate_limit=0.0, allow_private=True, private_hosts=frozenset({"site.test"}))
    with Fetcher(settings, resolver=resolver) as fetcher:
        monkeypatch.setattr(socket, "getaddrinfo", no_dns)
        page = fetcher.fetch(f"http://site.test:{port}/", policy=policy)
    assert page.status == 200
    assert answers == ["site.test"] * len(fetcher.network.connected)
    assert set(fetcher.network.connected) == {("site.test", "127.0.0.1")}
