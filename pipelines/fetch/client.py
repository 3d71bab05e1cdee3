"""The one HTTP client khabar fetches everything with (feeds, sitemaps, listing and article pages).

Per request, in order: SSRF guard (on every redirect hop), robots.txt of the origin, per-host rate
limit, GET with the khabar User-Agent and conditional headers, streaming with a size cap. 429 and
503 honour Retry-After; connect errors, timeouts and 5xx are retried with jittered backoff; other
4xx never are. Redirects are followed by hand so each hop is checked, and loops are detected.

Failures are :class:`~pipelines.errors.FetchError` with a ``reason``: ``http_<code>``, ``timeout``,
``connection_refused``, ``connection_error``, ``dns_error``, ``redirect_loop``,
``too_many_redirects``, ``bad_redirect``, ``too_large``, ``bad_encoding``, ``deadline``,
``not_html``, ``robots_disallow``, ``rate_limited``, ``ssrf_blocked``, ``bad_url``.

Budgets (settings): ``max_response_bytes`` counts bytes *after* Content-Encoding is undone, checked
while they stream (:mod:`pipelines.fetch.inflate`); ``fetch_deadline_seconds`` bounds one request
from connect to the last body byte, headers included (:mod:`pipelines.fetch.network`).
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from pipelines.config import Settings
from pipelines.errors import FetchError
from pipelines.fetch.charset import decode_html_counted
from pipelines.fetch.inflate import ACCEPT_ENCODING, DecodeErrors, TooLargeError, capped, decoded, encodings
from pipelines.fetch.network import GuardedBackend, Resolver, guarded
from pipelines.fetch.politeness import HostRateLimiter, backoff, parse_retry_after
from pipelines.fetch.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsRules, origin_of
from pipelines.fetch.ssrf import check_url, resolve, url_host
from pipelines.fetch.state import Validators
from pipelines.model import RawPage

log = logging.getLogger(__name__)

Kind = Literal["page", "feed", "sitemap", "listing", "robots"]
_REDIRECTS = {301, 302, 303, 307, 308}
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class FetchPolicy:
    """What a source allows: request spacing per host, and whether private addresses may be reached.

    ``allow_private`` applies to ``private_hosts`` only when that is set (a source's own hosts:
    homepage, feeds, sitemaps, listings), so a redirect cannot carry it to another host.
    """

    rate_limit: float = 1.0
    allow_private: bool = False
    source_id: str = ""
    private_hosts: frozenset[str] | None = None

    @classmethod
    def for_source(cls, source: object) -> FetchPolicy:
        allow = bool(getattr(source, "allow_private_network", False))
        return cls(
            rate_limit=float(getattr(source, "rate_limit", 1.0)),
            allow_private=allow,
            source_id=str(getattr(source, "id", "")),
            private_hosts=frozenset(_own_hosts(source)) if allow else None,
        )

    def private_ok(self, host: str) -> bool:
        """Whether ``host`` may resolve to a private or loopback address."""
        if not self.allow_private:
            return False
        return self.private_hosts is None or host.lower().strip("[]") in self.private_hosts


def _own_hosts(source: object) -> set[str]:
    discovery = getattr(source, "discovery", None)
    urls = [str(getattr(source, "homepage", ""))]
    urls += list(getattr(discovery, "feeds", []) or []) + list(getattr(discovery, "sitemaps", []) or [])
    urls += [str(getattr(listing, "url", "")) for listing in getattr(discovery, "listings", []) or []]
    hosts = set()
    for url in urls:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host:
            hosts.add(host.lower())
    return hosts


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


class Fetcher:
    """Thread-safe; share one per process so rate limits and robots.txt are shared too."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_base: float = 0.5,
        max_retry_after: float = 120.0,
        robots_ttl: float = 3600.0,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self.settings = settings
        self.user_agent = settings.user_agent
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after
        self.limiter = HostRateLimiter()
        self.robots = RobotsCache(robots_ttl)
        #: Requests actually sent over the network (the SSRF tests check refused URLs send none).
        self.requests_sent = 0
        #: The sockets: SSRF check at connect time and the per-request deadline (unless a test
        #: transport replaces the network).
        self.network = GuardedBackend(resolver)
        if transport is None:
            transport = _guarded_transport(self.network)
        timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        )
        self._client = httpx.Client(
            headers={
                "User-Agent": settings.user_agent,
                "Accept-Language": "ar,en;q=0.5",
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=timeout,
            follow_redirects=False,  # each hop goes through the SSRF guard and loop detection
            transport=transport,
            event_hooks={"request": [self._count]},
            cookies=CookieJar(policy=_AsciiCookies()),
        )

    def _count(self, _request: httpx.Request) -> None:
        self.requests_sent += 1

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public --------------------------------------------------------------------------------
    def fetch(
        self,
        url: str,
        *,
        kind: Kind = "page",
        policy: FetchPolicy | None = None,
        validators: Validators | None = None,
    ) -> RawPage:
        """GET ``url``; a 304 answer to ``validators`` is a RawPage with ``not_modified=True``.

        Pages must be HTML (``not_html`` otherwise) and come back decoded (``text``, ``charset``).
        """
        policy = policy or FetchPolicy(rate_limit=self.settings.min_delay_seconds)
        cap = MAX_ROBOTS_BYTES if kind == "robots" else self.settings.max_response_bytes
        current, seen = url, {url}
        for hop in range(self.settings.max_redirects + 1):
            check_url(current, allow_private=policy.private_ok(url_host(current)))
            interval = policy.rate_limit
            if kind != "robots":
                rules = self.robots_rules(current, policy)
                if not rules.allowed(current, self.user_agent):
                    raise FetchError(f"robots.txt disallows {current}", reason="robots_disallow")
                interval = max(interval, rules.crawl_delay(self.user_agent))
            headers = validators.headers() if validators and hop == 0 else {}
            resp = self._get(
                current, headers, interval=interval, cap=cap, html_only=kind == "page", policy=policy
            )
            if resp.status not in _REDIRECTS:
                return self._page(url, resp, kind=kind, policy=policy)
            location = resp.headers.get("location")
            if not location:
                raise FetchError(f"{resp.status} without Location at {current}", reason="bad_redirect")
            current = _redirect_target(current, location)
            if current in seen:
                raise FetchError(f"redirect loop back to {current}", reason="redirect_loop")
            seen.add(current)
        raise FetchError(
            f"more than {self.settings.max_redirects} redirects from {url}", reason="too_many_redirects"
        )

    def robots_rules(self, url: str, policy: FetchPolicy) -> RobotsRules:
        """The robots.txt rules of ``url``'s origin (fetched once per TTL and origin)."""
        origin = origin_of(url)
        rules = self.robots.get(origin)
        if rules is not None:
            return rules
        with self.robots.lock(origin):
            rules = self.robots.get(origin)
            if rules is None:
                rules = self._fetch_robots(origin, policy)
                self.robots.put(origin, rules)
        return rules

    # --- internals -----------------------------------------------------------------------------
    def _fetch_robots(self, origin: str, policy: FetchPolicy) -> RobotsRules:
        try:
            page = self.fetch(f"{origin}/robots.txt", kind="robots", policy=policy)
        except FetchError as exc:
            if exc.reason.startswith("http_"):  # 4xx/5xx after retries: RFC 9309 semantics
                return RobotsRules.from_response(int(exc.reason[5:]), "", ttl=self.robots.ttl)
            if exc.reason in ("too_large", "too_many_redirects", "redirect_loop", "bad_redirect"):
                return RobotsRules.from_response(404, "", ttl=self.robots.ttl)
            raise  # unreachable host: the page request would fail the same way; say why
        text = page.body.decode("utf-8", errors="replace")
        return RobotsRules.from_response(page.status, text, ttl=self.robots.ttl)

    def _get(
        self,
        url: str,
        headers: dict[str, str],
        *,
        interval: float,
        cap: int,
        html_only: bool,
        policy: FetchPolicy,
    ) -> _Response:
        """One logical GET with retries: transient errors, 5xx and 429 are retried, 4xx never."""
        host = urlsplit(url).netloc.lower()
        retries = max(0, self.settings.max_retries)
        for attempt in range(retries + 1):
            self.limiter.wait(host, interval)
            try:
                resp = self._stream(url, headers, cap=cap, html_only=html_only, policy=policy)
            except FetchError as exc:
                self.limiter.finished(host, interval)
                if not exc.transient or attempt == retries:
                    raise
                log.info("retrying %s after %s", url, exc.reason, extra={"url": url, "attempt": attempt + 1})
                time.sleep(backoff(attempt, base=self.backoff_base))
                continue
            self.limiter.finished(host, interval)
            if resp.status != 429 and resp.status < 500:
                return resp
            reason = "rate_limited" if resp.status == 429 else f"http_{resp.status}"
            if attempt == retries:
                raise FetchError(
                    f"{resp.status} from {url} after {retries} retries", reason=reason, transient=True
                )
            wait = parse_retry_after(resp.headers.get("retry-after"))
            if wait is not None and wait > self.max_retry_after:
                raise FetchError(f"{url}: Retry-After {wait:.0f}s is too long", reason=reason, transient=True)
            if wait is None:
                wait = backoff(attempt, base=self.backoff_base)
            log.info(
                "%s from %s: waiting %.2fs",
                resp.status,
                url,
                wait,
                extra={"url": url, "attempt": attempt + 1},
            )
            self.limiter.pause(host, wait)  # the next wait() on this host blocks until then
        raise AssertionError("unreachable")

    def _stream(
        self, url: str, headers: dict[str, str], *, cap: int, html_only: bool, policy: FetchPolicy
    ) -> _Response:
        with guarded(policy.private_ok, self.settings.fetch_deadline_seconds) as guard:
            try:
                return self._exchange(url, headers, cap=cap, html_only=html_only, deadline=guard.deadline)
            except httpx.TimeoutException as exc:
                if time.monotonic() >= guard.deadline:  # not retried: a dribbling server stays slow
                    raise FetchError(
                        f"{url}: no complete answer within {self.settings.fetch_deadline_seconds:g}s",
                        reason="deadline",
                    ) from exc
                raise FetchError(
                    f"{url}: timed out ({type(exc).__name__})", reason="timeout", transient=True
                ) from exc

    def _exchange(
        self, url: str, headers: dict[str, str], *, cap: int, html_only: bool, deadline: float
    ) -> _Response:
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                out_headers = {k.lower(): v for k, v in resp.headers.items()}
                length = out_headers.get("content-length", "")
                if length.isdigit() and int(length) > cap:
                    raise FetchError(f"{url}: Content-Length {length} > {cap} bytes", reason="too_large")
                if html_only and resp.status_code == 200:
                    ctype = out_headers.get("content-type", "").split(";")[0].strip().lower()
                    if ctype and ctype not in _HTML_TYPES:
                        raise FetchError(f"{url}: content type {ctype} is not HTML", reason="not_html")
                if resp.is_stream_consumed:  # an in-memory response (test transports), decoded by httpx
                    raw, layers = iter([resp.content]), []
                else:
                    raw, layers = resp.iter_raw(), encodings(out_headers.get("content-encoding"))
                body = decoded(_raw_chunks(raw, url, cap, deadline), layers)
                try:
                    data = capped(body, cap)
                except TooLargeError as exc:
                    raise FetchError(f"{url}: body {exc}", reason="too_large") from exc
                except DecodeErrors as exc:
                    raise FetchError(f"{url}: bad Content-Encoding: {exc}", reason="bad_encoding") from exc
                # the body is decoded now: later readers must not try again
                out_headers.pop("content-encoding", None)
                return _Response(resp.status_code, out_headers, data, str(resp.url))
        except httpx.TimeoutException:
            raise  # _stream tells a passed deadline from a slow read
        except httpx.ConnectError as exc:
            reason = "connection_refused" if _refused(exc) else "connection_error"
            raise FetchError(f"{url}: {exc}", reason=reason, transient=True) from exc
        except httpx.RemoteProtocolError as exc:
            if "location header" in str(exc):  # httpx parses Location itself, even when not following
                raise FetchError(f"{url}: {exc}", reason="bad_redirect") from exc
            raise FetchError(f"{url}: {exc}", reason="connection_error", transient=True) from exc
        except (httpx.ReadError, httpx.WriteError) as exc:
            raise FetchError(f"{url}: {exc}", reason="connection_error", transient=True) from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"{url}: bad Content-Encoding: {exc}", reason="bad_encoding") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {exc}", reason="http_error") from exc
        except UnicodeError as exc:  # a header or URL httpx cannot encode
            raise FetchError(f"{url}: {exc}", reason="bad_header") from exc

    def _page(self, url: str, resp: _Response, *, kind: Kind, policy: FetchPolicy) -> RawPage:
        if resp.status != 304 and not 200 <= resp.status < 300:
            raise FetchError(f"HTTP {resp.status} for {resp.url}", reason=f"http_{resp.status}")
        content_type = resp.headers.get("content-type", "")
        text, charset, replaced = "", None, 0
        if kind in ("page", "listing") and resp.status == 200:
            text, charset, replaced = decode_html_counted(resp.body, content_type)
            if replaced:
                log.warning("stray bytes replaced while decoding", extra={"url": url, "replaced": replaced})
        return RawPage(
            url=url,
            final_url=resp.url,
            status=resp.status,
            headers=resp.headers,
            content_type=content_type,
            charset=charset,
            body=resp.body,
            text=text,
            source_id=policy.source_id,
            not_modified=resp.status == 304,
            decode_errors=replaced,
        )


def _raw_chunks(chunks: Iterator[bytes], url: str, cap: int, deadline: float) -> Iterator[bytes]:
    """Raw (still encoded) body bytes: capped too, and checked against the deadline between reads."""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise FetchError(f"{url}: body larger than {cap} bytes", reason="too_large")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: body still arriving after the deadline", reason="deadline")
        yield chunk


def _redirect_target(current: str, location: str) -> str:
    """The absolute URL a Location header points to; FetchError ``bad_redirect`` if it cannot be read."""
    try:
        target = urljoin(current, location.strip())
        urlsplit(target).port  # noqa: B018 - raises ValueError on a bad host or port
    except ValueError as exc:
        raise FetchError(
            f"unreadable Location {location[:200]!r} at {current}: {exc}", reason="bad_redirect"
        ) from exc
    return target


def _guarded_transport(backend: GuardedBackend) -> httpx.HTTPTransport:
    """httpx's transport with its connection pool on our network backend.

    httpx does not take a network backend, so the pool it built is replaced by an identical one
    (same defaults) that has ours; the fetch tests fail if a new httpx stops using ``_pool``.
    """
    transport = httpx.HTTPTransport()
    transport._pool.close()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=backend,
    )
    return transport


class _AsciiCookies(DefaultCookiePolicy):
    """Cookies are kept per site as usual, except ones httpx could not send back: one non-ASCII
    Set-Cookie would otherwise make every later request to that site fail with UnicodeEncodeError."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        if not (cookie.name or "").isascii() or not (cookie.value or "").isascii():
            return False
        return super().set_ok(cookie, request)


def _refused(exc: BaseException) -> bool:
    """True if the root cause of a connect error is ECONNREFUSED (nothing listens on the port)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return True
        seen = seen.__cause__ or seen.__context__
    return "refused" in str(exc).lower()


def validators_of(page: RawPage) -> Validators | None:
    """The ETag / Last-Modified a page came with, for the next conditional GET."""
    found = Validators(page.headers.get("etag"), page.headers.get("last-modified"))
    return found or None
