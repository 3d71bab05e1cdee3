"""Fetcher decisions on scripted responses (httpx.MockTransport, public IP literals: no DNS, no network).

The sample-site integration tests cover the same behaviour over real HTTP; these pin the corner
cases a local site cannot show, like a public page redirecting into the private network.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pipelines.config import Settings
from pipelines.errors import FetchError
from pipelines.fetch import Fetcher, FetchPolicy, Validators

PUBLIC = "http://93.184.216.34"  # a public address literal: passes the SSRF guard without DNS
POLICY = FetchPolicy(rate_limit=0.0)


Handler = Callable[[httpx.Request], httpx.Response]


def _no_robots(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404)


def _fetcher(handler: Handler, robots: Handler = _no_robots, **settings: object) -> tuple[Fetcher, list[str]]:
    """A Fetcher whose every request is answered by ``robots`` (/robots.txt) or ``handler``."""
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return (robots if request.url.path == "/robots.txt" else handler)(request)

    values: dict[str, object] = {"max_retries": 2, "read_timeout": 1.0, "connect_timeout": 1.0}
    values.update(settings)
    fetcher = Fetcher(Settings(**values), backoff_base=0.001, transport=httpx.MockTransport(record))  # type: ignore[arg-type]
    return fetcher, seen


def test_redirect_into_the_private_network_is_refused_before_the_hop() -> None:
    fetcher, seen = _fetcher(
        lambda r: httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/news/a.html", policy=POLICY)
    assert info.value.reason == "ssrf_blocked"
    assert seen == ["/robots.txt", "/news/a.html"]  # nothing sent to 169.254.169.254


def test_redirect_chain_is_capped() -> None:
    fetcher, _ = _fetcher(
        lambda r: httpx.Response(301, headers={"Location": f"{r.url.path}x"}), max_redirects=3
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert info.value.reason == "too_many_redirects"


def test_client_errors_are_never_retried() -> None:
    fetcher, seen = _fetcher(lambda r: httpx.Response(403))
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert info.value.reason == "http_403" and not info.value.transient
    assert seen.count("/a") == 1


def test_503_is_retried_then_succeeds() -> None:
    answers = iter([httpx.Response(503, headers={"Retry-After": "0"}), httpx.Response(502)])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, html="<html><body><p>ok</p></body></html>"))

    fetcher, seen = _fetcher(handler)
    page = fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert page.status == 200 and seen.count("/a") == 3


def test_retry_after_longer_than_the_cap_gives_up_at_once() -> None:
    fetcher, seen = _fetcher(lambda r: httpx.Response(429, headers={"Retry-After": "86400"}))
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert info.value.reason == "rate_limited"
    assert seen.count("/a") == 1


def test_connect_errors_are_retried_and_named() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    fetcher, _ = _fetcher(handler, robots=handler)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert info.value.reason == "connection_refused" and info.value.transient
    assert fetcher.requests_sent == 3  # robots.txt: first try + 2 retries, then the error is reported


def test_declared_oversize_is_refused_from_the_header() -> None:
    fetcher, _ = _fetcher(
        lambda r: httpx.Response(
            200, headers={"Content-Length": "99999999", "Content-Type": "text/html"}, content=b"x"
        ),
        max_response_bytes=1000,
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert info.value.reason == "too_large"


def test_conditional_headers_sent_and_304_is_not_modified() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, html="<html><body><p>x</p></body></html>")

    fetcher, _ = _fetcher(handler)
    page = fetcher.fetch(
        f"{PUBLIC}/a", policy=POLICY, validators=Validators('"v1"', "Tue, 24 Nov 2026 09:05:00 GMT")
    )
    assert page.not_modified and page.status == 304 and page.body == b""


def test_robots_5xx_means_disallow_all() -> None:
    fetcher, seen = _fetcher(
        lambda r: httpx.Response(200, html="<p>x</p>"), robots=lambda r: httpx.Response(503)
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/a", policy=POLICY)
    assert info.value.reason == "robots_disallow"
    assert "/a" not in seen


def test_robots_group_for_khabar_applies_to_its_full_user_agent() -> None:
    rules = "User-agent: khabar\nDisallow: /news/\n\nUser-agent: *\nAllow: /\n"
    fetcher, seen = _fetcher(
        lambda r: httpx.Response(200, html="<p>x</p>"), robots=lambda r: httpx.Response(200, text=rules)
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch(f"{PUBLIC}/news/a.html", policy=POLICY)
    assert info.value.reason == "robots_disallow"
    assert fetcher.fetch(f"{PUBLIC}/about.html", policy=POLICY).status == 200
    assert seen == ["/robots.txt", "/about.html"]
