"""The one HTTP client khabar fetches everything with (feeds, sitemaps, listing and article pages).

Per request, in order: SSRF guard (on every redirect hop), robots.txt of the origin, per-host rate
limit, GET with the khabar User-Agent and conditional headers, streaming with a size cap. 429 and
503 honour Retry-After; connect errors, timeouts and 5xx are retried with jittered backoff; other
4xx never are. Redirects are followed by hand so each hop is checked, and loops are detected.

Failures are :class:`~pipelines.errors.FetchError` with a ``reason``: ``http_<code>``, ``timeout``,
``connection_refused``, ``connection_error``, ``dns_error``, ``redirect_loop``,
``too_many_redirects``, ``too_large``, ``not_html``, ``robots_disallow``, ``rate_limited``,
``ssrf_blocked``, ``bad_url``; undecodable pages are :class:`~pipelines.errors.ParseError`
``bad_charset``.
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from pipelines.config import Settings
from pipelines.errors import FetchError
from pipelines.fetch.charset import decode_html
from pipelines.fetch.politeness import HostRateLimiter, backoff, parse_retry_after
from pipelines.fetch.robots import MAX_ROBOTS_BYTES, RobotsCache, RobotsRules, origin_of
from pipelines.fetch.ssrf import check_url
from pipelines.fetch.state import Validators
from pipelines.model import RawPage

log = logging.getLogger(__name__)

Kind = Literal["page", "feed", "sitemap", "listing", "robots"]
_REDIRECTS = {301, 302, 303, 307, 308}
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class FetchPolicy:
    """What a source allows: request spacing per host, and whether private addresses may be reached."""

    rate_limit: float = 1.0
    allow_private: bool = False
    source_id: str = ""

    @classmethod
    def for_source(cls, source: object) -> FetchPolicy:
        return cls(
            rate_limit=float(getattr(source, "rate_limit", 1.0)),
            allow_private=bool(getattr(source, "allow_private_network", False)),
            source_id=str(getattr(source, "id", "")),
        )


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
    ) -> None:
        self.settings = settings
        self.user_agent = settings.user_agent
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after
        self.limiter = HostRateLimiter()
        self.robots = RobotsCache(robots_ttl)
        #: Requests actually sent over the network (the SSRF tests check refused URLs send none).
        self.requests_sent = 0
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
            },
            timeout=timeout,
            follow_redirects=False,  # each hop goes through the SSRF guard and loop detection
            transport=transport,
            event_hooks={"request": [self._count]},
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
            check_url(current, allow_private=policy.allow_private)
            interval = policy.rate_limit
            if kind != "robots":
                rules = self.robots_rules(current, policy)
                if not rules.allowed(current, self.user_agent):
                    raise FetchError(f"robots.txt disallows {current}", reason="robots_disallow")
                interval = max(interval, rules.crawl_delay(self.user_agent))
            headers = validators.headers() if validators and hop == 0 else {}
            resp = self._get(current, headers, interval=interval, cap=cap, html_only=kind == "page")
            if resp.status not in _REDIRECTS:
                return self._page(url, resp, kind=kind, policy=policy)
            location = resp.headers.get("location")
            if not location:
                raise FetchError(f"{resp.status} without Location at {current}", reason="bad_redirect")
            current = urljoin(current, location.strip())
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
        self, url: str, headers: dict[str, str], *, interval: float, cap: int, html_only: bool
    ) -> _Response:
        """One logical GET with retries: transient errors, 5xx and 429 are retried, 4xx never."""
        host = urlsplit(url).netloc.lower()
        retries = max(0, self.settings.max_retries)
        for attempt in range(retries + 1):
            self.limiter.wait(host, interval)
            try:
                resp = self._stream(url, headers, cap=cap, html_only=html_only)
            except FetchError as exc:
                if not exc.transient or attempt == retries:
                    raise
                log.info("retrying %s after %s", url, exc.reason, extra={"url": url, "attempt": attempt + 1})
                time.sleep(backoff(attempt, base=self.backoff_base))
                continue
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

    def _stream(self, url: str, headers: dict[str, str], *, cap: int, html_only: bool) -> _Response:
        deadline = time.monotonic() + self.settings.connect_timeout + 2 * self.settings.read_timeout
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
                chunks, size = [], 0
                for chunk in resp.iter_bytes():  # decoded (gzip) bytes: the cap also stops zip bombs
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(f"{url}: body larger than {cap} bytes", reason="too_large")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{url}: body still arriving after the deadline", reason="timeout")
                    chunks.append(chunk)
                return _Response(resp.status_code, out_headers, b"".join(chunks), str(resp.url))
        except httpx.TimeoutException as exc:
            raise FetchError(
                f"{url}: timed out ({type(exc).__name__})", reason="timeout", transient=True
            ) from exc
        except httpx.ConnectError as exc:
            reason = "connection_refused" if _refused(exc) else "connection_error"
            raise FetchError(f"{url}: {exc}", reason=reason, transient=True) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise FetchError(f"{url}: {exc}", reason="connection_error", transient=True) from exc
        except httpx.DecodingError as exc:
            raise FetchError(f"{url}: bad Content-Encoding: {exc}", reason="bad_encoding") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {exc}", reason="http_error") from exc

    def _page(self, url: str, resp: _Response, *, kind: Kind, policy: FetchPolicy) -> RawPage:
        if resp.status != 304 and not 200 <= resp.status < 300:
            raise FetchError(f"HTTP {resp.status} for {resp.url}", reason=f"http_{resp.status}")
        content_type = resp.headers.get("content-type", "")
        text, charset = "", None
        if kind in ("page", "listing") and resp.status == 200:
            text, charset = decode_html(resp.body, content_type)
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
        )


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
