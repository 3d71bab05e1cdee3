"""The sample news site, served over real HTTP by a threaded ``http.server`` in a background thread.

Good pages: ``/news/`` (listing), ``/news/<slug>.html``, ``/amp/<slug>.html``, ``/go/<slug>`` (301),
``/feeds/rss.xml``, ``/feeds/atom.xml``, ``/feeds/amp.xml`` (AMP variants), ``/sitemap_index.xml`` -> ``/sitemaps/{news,pages}.xml``,
``/robots.txt`` (disallows ``/private/``). Bad cases live at their own paths (:data:`BAD_CASES`) and
are all listed in ``/feeds/bad-cases.xml``; ``/feeds/cases/<name>.xml`` lists one of them next to a
good article. Every request is recorded server-side
(:attr:`SampleSite.requests`) so tests can check politeness from the server's point of view.
Pages and feeds carry ETag and Last-Modified and answer conditional GETs with 304.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pipelines.sample_site import render
from pipelines.sample_site.render import SampleArticle

#: Bad input name -> path on the sample site (the connection-refused case is ``SampleSite.refused_url``).
BAD_CASES: dict[str, str] = {
    "http_404": "/bad/not-found.html",
    "http_410": "/bad/gone.html",
    "http_500": "/bad/server-error.html",
    "timeout": "/bad/slow.html",
    "redirect_loop": "/bad/loop-a.html",
    "too_large": "/bad/oversized.html",
    "not_html_pdf": "/bad/report.pdf",
    "not_html_json": "/bad/data.json",
    "empty_page": "/bad/empty.html",
    "boilerplate_only": "/bad/boilerplate.html",
    "wrong_charset": "/bad/wrong-charset.html",
    "bad_charset": "/bad/binary.html",
    "robots_disallow": "/private/private-draft.html",
    "rate_limited": "/bad/throttled.html",
    "malformed_feed": "/feeds/malformed.xml",
    "relative_feed": "/feeds/relative.xml",
}

#: The good article listed next to each bad case in ``/feeds/cases/<name>.xml``.
CASE_GOOD_ARTICLE = "qatar-lng-expansion"

_EPOCH = datetime(2026, 11, 29, tzinfo=UTC)


@dataclass(frozen=True)
class RequestLog:
    """One request as the server saw it."""

    at: float  # time.monotonic() when the request line arrived
    method: str
    path: str
    user_agent: str
    if_none_match: str | None
    if_modified_since: str | None


class SampleSite:
    """The sample site; use as a context manager or :func:`serve`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        slow_seconds: float = 5.0,
        retry_after: int = 1,
        oversize_bytes: int = 12 * 1024 * 1024,
    ) -> None:
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.oversize_bytes = oversize_bytes
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._articles = {a.slug: a for a in render.load_articles()}
        self._revision = 0
        self._hits: dict[str, int] = {}
        self.requests: list[RequestLog] = []
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.site = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        self.refused_url = f"http://127.0.0.1:{_closed_port()}/news/refused.html"

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SampleSite:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sample-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests change and observe -------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def requests_for(self, path: str) -> list[RequestLog]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def update_article(self, slug: str, paragraph: str) -> None:
        """Add a paragraph to an article (new content and ETag) and touch the feeds."""
        with self._lock:
            self._revision += 1
            when = _EPOCH + timedelta(minutes=self._revision)
            self._articles[slug] = self._articles[slug].with_update(paragraph, when)

    def touch_feeds(self) -> None:
        """Change the feeds' build date only: feeds come back 200, unchanged pages 304."""
        with self._lock:
            self._revision += 1

    def articles(self, *, include_hidden: bool = False) -> list[SampleArticle]:
        with self._lock:
            items = list(self._articles.values())
        return [a for a in items if include_hidden or not a.hidden]

    def article(self, slug: str) -> SampleArticle:
        with self._lock:
            return self._articles[slug]

    @property
    def build_time(self) -> datetime:
        return _EPOCH + timedelta(minutes=self._revision)

    def _log(self, entry: RequestLog) -> int:
        with self._lock:
            self.requests.append(entry)
            self._hits[entry.path] = self._hits.get(entry.path, 0) + 1
            return self._hits[entry.path]


def _closed_port() -> int:
    """A port nothing listens on (bound then released): connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler(BaseHTTPRequestHandler):
    server_version = "khabar-sample/1.0"
    protocol_version = "HTTP/1.0"  # one request per connection: no keep-alive bookkeeping

    @property
    def site(self) -> SampleSite:
        return self.server.site  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # quiet: the site keeps its own log
        return

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        hit = self.site._log(
            RequestLog(
                at=time.monotonic(),
                method="GET",
                path=path,
                user_agent=self.headers.get("User-Agent", ""),
                if_none_match=self.headers.get("If-None-Match"),
                if_modified_since=self.headers.get("If-Modified-Since"),
            )
        )
        # The client may give up mid-response (timeout, size cap): expected for the bad cases.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(path, hit)

    # --- routing -----------------------------------------------------------------------------
    def _route(self, path: str, hit: int) -> None:
        site, base = self.site, self.site.base_url
        if path in ("/", "/news/", "/news"):
            return self._ok(render.render_listing(site.articles()), "text/html; charset=utf-8")
        if path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap_index.xml\n"
            return self._ok(robots.encode(), "text/plain; charset=utf-8")
        if path == "/feeds/rss.xml":
            items = [(a.title, f"{base}{a.path}", a.published, a.summary) for a in site.articles()]
            return self._ok(render.rss(items, base, site.build_time), "application/rss+xml; charset=utf-8")
        if path == "/feeds/atom.xml":
            return self._ok(render.atom(site.articles(), base, site.build_time), "application/atom+xml")
        if path == "/feeds/amp.xml":  # the AMP variants: their canonical links lead back to /news/
            items = [
                (a.title, f"{base}/amp/{a.slug}.html", a.published, "") for a in site.articles() if a.amp
            ]
            return self._ok(render.rss(items, base, site.build_time), "application/rss+xml")
        if path == "/sitemap_index.xml":
            maps = ["/sitemaps/news.xml", "/sitemaps/pages.xml"]
            return self._ok(render.sitemap_index(base, maps, site.build_time), "application/xml")
        if path == "/sitemaps/news.xml":
            return self._ok(render.news_sitemap(site.articles()[:12], base), "application/xml")
        if path == "/sitemaps/pages.xml":
            return self._ok(render.pages_sitemap(site.articles()[12:], base), "application/xml")
        if path.startswith(("/news/", "/private/")) and path.endswith(".html"):
            return self._article(path.rsplit("/", 1)[1][: -len(".html")])
        if path.startswith("/amp/") and path.endswith(".html"):
            article = self._find(path[len("/amp/") : -len(".html")])
            if article is None:
                return self._status(404)
            return self._ok(render.render_amp(article, base), "text/html; charset=utf-8", article)
        if path.startswith("/go/"):
            return self._redirect(301, f"/news/{path[len('/go/') :]}.html")
        if path.startswith(("/bad/", "/feeds/")):
            return self._bad(path, hit)
        return self._status(404)

    def _find(self, slug: str) -> SampleArticle | None:
        try:
            return self.site.article(slug)
        except KeyError:
            return None

    def _article(self, slug: str) -> None:
        article = self._find(slug)
        if article is None:
            return self._status(404)
        body, ctype = render.render_article(article, self.site.base_url)
        return self._ok(body, ctype, article)

    def _bad(self, path: str, hit: int) -> None:
        site, base = self.site, self.site.base_url
        if path == "/feeds/bad-cases.xml":
            items = [(name, f"{base}{p}", None, "") for name, p in BAD_CASES.items() if "feed" not in name]
            items.append(("connection_refused", site.refused_url, None, ""))
            return self._ok(render.rss(items, base, site.build_time), "application/rss+xml")
        if path.startswith("/feeds/cases/") and path.endswith(".xml"):
            # One bad case plus one good article: a run that survives the bad one still finds the good one.
            name = path[len("/feeds/cases/") : -len(".xml")]
            if name == "connection_refused":
                bad_url = site.refused_url
            elif name in BAD_CASES and "feed" not in name:
                bad_url = f"{base}{BAD_CASES[name]}"
            else:
                return self._status(404)
            good = site.article(CASE_GOOD_ARTICLE)
            items = [(name, bad_url, None, ""), (good.title, f"{base}{good.path}", good.published, "")]
            return self._ok(render.rss(items, base, site.build_time), "application/rss+xml")
        if path == "/feeds/malformed.xml":
            # Not the seed article (the first): the demo should show it under the good source.
            good = site.articles()[1:3]
            items = [(a.title, f"{base}{a.path}", a.published, a.summary) for a in good]
            text = render.rss(items, base, site.build_time).decode()
            # Cut the closing tags and add an item with a stray '&' and an unclosed element.
            broken = text.replace("</channel></rss>", "<item><title>خبر & مكسور <b></title><link>")
            return self._ok(broken.encode(), "application/rss+xml")
        if path == "/feeds/relative.xml":
            a, b, c = site.articles()[3:6]
            items = [
                (a.title, a.path, a.published, ""),
                (a.title, f"..{a.path}", a.published, ""),  # relative to /feeds/
                (b.title, f"{b.path}?utm_source=rss&utm_medium=feed", b.published, ""),
                (b.title, f"{base}{b.path}", b.published, ""),
                (c.title, f"{base}{c.path}#comments", c.published, ""),
                (c.title, c.path, c.published, ""),
            ]
            return self._ok(render.rss(items, base, site.build_time), "application/rss+xml")
        statuses = {"/bad/not-found.html": 404, "/bad/gone.html": 410, "/bad/server-error.html": 500}
        if path in statuses:
            return self._status(statuses[path])
        if path == "/bad/slow.html":
            if site._stop.wait(site.slow_seconds):
                return None
            return self._article("gulf-rail-network")
        if path == "/bad/loop-a.html":
            return self._redirect(302, "/bad/loop-b.html")
        if path == "/bad/loop-b.html":
            return self._redirect(302, "/bad/loop-a.html")
        if path == "/bad/oversized.html":
            return self._oversized()
        if path == "/bad/report.pdf":
            return self._ok(
                b"%PDF-1.4\n% khabar sample\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
            )
        if path == "/bad/data.json":
            return self._ok('{"title": "ليس صفحة"}'.encode(), "application/json")
        if path == "/bad/empty.html":
            return self._ok(b"", "text/html; charset=utf-8")
        if path == "/bad/boilerplate.html":
            return self._ok(render.render_boilerplate(), "text/html; charset=utf-8")
        if path == "/bad/wrong-charset.html":
            body, _ = render.render_article(site.article("climate-morocco-solar"), base)
            return self._ok(body, "text/html; charset=utf-8")  # windows-1256 bytes, declared UTF-8
        if path == "/bad/binary.html":
            noise = bytes((i * 37 + 11) % 256 for i in range(4096))
            return self._ok(b"\x00\x01\x02" + noise, "text/html")
        if path == "/bad/throttled.html":
            if hit % 2 == 1:  # every first try is refused: each client must wait and retry once
                return self._status(429, {"Retry-After": str(site.retry_after)})
            return self._article("market-flash-update")
        return self._status(404)

    # --- responses ---------------------------------------------------------------------------
    def _ok(self, body: bytes, ctype: str, article: SampleArticle | None = None) -> None:
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'
        modified = article.modified if article else self.site.build_time
        if self._not_modified(etag, modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", format_datetime(modified.astimezone(UTC), usegmt=True))
        self.end_headers()
        self.wfile.write(body)

    def _not_modified(self, etag: str, modified: datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return modified.replace(microsecond=0) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _status(self, code: int, headers: dict[str, str] | None = None) -> None:
        body = f"<html><body><h1>{code}</h1></body></html>".encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, code: int, location: str) -> None:
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _oversized(self) -> None:
        # No Content-Length: the client can only stop it by counting while it streams.
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        chunk = ("<p>" + "حشو " * 4000 + "</p>\n").encode()
        sent = 0
        while sent < self.site.oversize_bytes and not self.site._stop.is_set():
            self.wfile.write(chunk)
            sent += len(chunk)
