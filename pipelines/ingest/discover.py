"""Discover stage: a source's feeds, sitemaps and listing pages -> candidate article URLs.

Each candidate carries the hints its discovery document gave (title, publication date), its URL
canonicalized (``pipelines.normalize.urls.canonicalize_url``) and de-duplicated across documents.

- Feeds (RSS 2.0, Atom; feedparser): relative links are resolved against the feed URL. A malformed
  feed is reported as a ``ParseError`` ``malformed_feed`` record, **and** the items feedparser
  recovered before the break are kept: one broken item should not hide the rest of a site's news.
  Its validators are not stored, so it is parsed (and reported) again next run.
- Sitemaps (lxml, entities and network off): news sitemaps (``news:publication_date``,
  ``news:title``), plain ones (``lastmod``), gzipped ones, and sitemap indexes (children newest
  first, at most :data:`MAX_CHILD_SITEMAPS`, nested at most :data:`MAX_SITEMAP_DEPTH` deep).
- Listing pages: links matching the source's CSS selector.

Every discovery document is fetched with a conditional GET; a 304 yields no candidates (nothing
new there). Sitemap indexes are the exception: always fetched in full, their children conditionally. A document that fails becomes an ``ErrorRecord`` and discovery goes on.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import feedparser
from bs4 import BeautifulSoup
from lxml import etree

from pipelines.errors import KhabarError, ParseError
from pipelines.fetch import CrawlState, Fetcher, FetchPolicy, validators_of
from pipelines.fetch.inflate import TooLargeError, gunzip
from pipelines.model import ErrorRecord, RawPage
from pipelines.normalize.urls import canonicalize_url
from pipelines.sources import SourceConfig

log = logging.getLogger(__name__)

Method = Literal["feed", "sitemap", "listing"]
MAX_CHILD_SITEMAPS = 10
MAX_SITEMAP_DEPTH = 2
#: A gzipped sitemap is inflated to at most this (the sitemaps.org limit for one sitemap file).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class Candidate:
    """An article URL found by discovery, with what the feed/sitemap/listing said about it."""

    url: str
    method: Method
    via: str
    title: str | None = None
    published: datetime | None = None


@dataclass
class Discovered:
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    documents: int = 0  # discovery documents fetched (200)
    not_modified: int = 0  # discovery documents answered 304


def _canonical(link: str, base: str) -> str | None:
    url = urljoin(base, link.strip())
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        return None


def _struct_time(value: time.struct_time | None) -> datetime | None:
    return datetime(*value[:6], tzinfo=UTC) if value else None


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- parsers (pure: bytes in, candidates out) -------------------------------------------------
def parse_feed(
    body: bytes, feed_url: str, content_type: str | None = None
) -> tuple[list[Candidate], ParseError | None]:
    """Candidates of an RSS/Atom feed, and the ParseError if it was malformed (items kept if recovered)."""
    headers = {"content-location": feed_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    out = []
    for entry in parsed.entries:
        link = entry.get("link") or next(
            (x.get("href") for x in entry.get("links", []) if x.get("rel", "alternate") == "alternate"), None
        )
        url = _canonical(link, feed_url) if link else None
        if url is None:
            continue
        published = _struct_time(entry.get("published_parsed") or entry.get("updated_parsed"))
        out.append(Candidate(url, "feed", feed_url, (entry.get("title") or "").strip() or None, published))
    problem = None
    exc = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(exc, _HARMLESS_BOZO):
        kept = f"; kept {len(out)} recovered item(s)" if out else ""
        problem = ParseError(f"malformed feed {feed_url}: {exc}{kept}", reason="malformed_feed")
    elif not parsed.get("version") and not out:
        problem = ParseError(f"{feed_url} is not an RSS or Atom feed", reason="not_a_feed")
    return out, problem


def _xml_root(body: bytes, url: str) -> etree._Element:
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, MAX_SITEMAP_BYTES)
        except TooLargeError as exc:
            raise ParseError(f"{url}: gzipped sitemap {exc}", reason="too_large") from exc
        except zlib.error as exc:
            raise ParseError(f"{url}: broken gzip: {exc}", reason="malformed_sitemap") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{url}: malformed sitemap XML: {exc}", reason="malformed_sitemap") from exc


def parse_sitemap(body: bytes, url: str) -> tuple[list[Candidate], list[str]]:
    """(article candidates, child sitemap URLs newest first) of a sitemap or sitemap index."""
    root = _xml_root(body, url)
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        children = []
        for sm in root.iterfind("{*}sitemap"):
            loc = (sm.findtext("{*}loc") or "").strip()
            if loc:
                children.append(
                    (_iso(sm.findtext("{*}lastmod")) or datetime.min.replace(tzinfo=UTC), urljoin(url, loc))
                )
        children.sort(key=lambda item: item[0], reverse=True)
        return [], [loc for _, loc in children]
    if kind != "urlset":
        raise ParseError(f"{url}: root element <{kind}> is not a sitemap", reason="malformed_sitemap")
    out = []
    for node in root.iterfind("{*}url"):
        loc = _canonical(node.findtext("{*}loc") or "", url)
        if loc is None:
            continue
        news = node.find("{*}news")
        published = _iso(news.findtext("{*}publication_date")) if news is not None else None
        title = (news.findtext("{*}title") or "").strip() or None if news is not None else None
        out.append(Candidate(loc, "sitemap", url, title, published or _iso(node.findtext("{*}lastmod"))))
    return out, []


def parse_listing(html: str, page_url: str, selector: str) -> list[Candidate]:
    """Links of a listing page matching ``selector`` (the element itself or the first <a> inside)."""
    soup = BeautifulSoup(html, "lxml")
    out = []
    for element in soup.select(selector):
        anchor = element if element.name == "a" else element.find("a")
        href = anchor.get("href") if anchor is not None else None
        if not href or not isinstance(href, str):
            continue
        url = _canonical(href, page_url)
        if url:
            out.append(Candidate(url, "listing", page_url, anchor.get_text(" ", strip=True) or None))
    return out


# --- orchestration ----------------------------------------------------------------------------
def _merge(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per URL (first seen wins, hints filled from later ones), newest first."""
    merged: dict[str, Candidate] = {}
    for cand in candidates:
        have = merged.get(cand.url)
        if have is None:
            merged[cand.url] = cand
        elif (have.title is None and cand.title) or (have.published is None and cand.published):
            merged[cand.url] = replace(
                have, title=have.title or cand.title, published=have.published or cand.published
            )
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(merged.values(), key=lambda c: c.published or floor, reverse=True)


class _Run:
    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: CrawlState) -> None:
        self.source, self.fetcher, self.state = source, fetcher, state
        self.policy = FetchPolicy.for_source(source)
        self.found: list[Candidate] = []
        self.result = Discovered()

    def fail(self, exc: BaseException, url: str) -> None:
        record = ErrorRecord.from_exception(exc, source_id=self.source.id, stage="discover", url=url)
        log.warning("discovery failed: %s", record.reason, extra={"source": self.source.id, "url": url})
        self.result.errors.append(record)

    def get(self, url: str, kind: Literal["feed", "sitemap", "listing"]) -> RawPage | None:
        validators = self.state.validators(url)
        page = self.fetcher.fetch(url, kind=kind, policy=self.policy, validators=validators)
        if page.not_modified:
            self.result.not_modified += 1
            self.state.record_url(url, source_id=self.source.id, kind=kind, status=304, keep_validators=True)
            return None
        self.result.documents += 1
        return page

    def done(self, page: RawPage, kind: str) -> None:
        """Remember the document's validators only once it was read successfully."""
        self.state.record_url(
            page.url, source_id=self.source.id, kind=kind, status=page.status, validators=validators_of(page)
        )

    def feed(self, url: str) -> None:
        page = self.get(url, "feed")
        if page is None:
            return
        items, problem = parse_feed(page.body, page.final_url, page.content_type)
        self.found.extend(items)
        if problem is not None:
            self.fail(problem, url)
        else:
            self.done(page, "feed")

    def sitemap(self, url: str, depth: int = 0) -> None:
        page = self.get(url, "sitemap")
        if page is None:
            return
        items, children = parse_sitemap(page.body, page.final_url)
        self.found.extend(items)
        if children:
            # An index is always fetched in full: many sites never change it while its children
            # change every few minutes, so a 304 on the index must not hide new children content.
            self.state.record_url(page.url, source_id=self.source.id, kind="sitemap", status=page.status)
        else:
            self.done(page, "sitemap")
        if depth >= MAX_SITEMAP_DEPTH:
            return
        for child in children[:MAX_CHILD_SITEMAPS]:
            try:
                self.sitemap(child, depth + 1)
            except Exception as exc:  # one child never stops its siblings
                if not isinstance(exc, KhabarError):
                    log.exception(
                        "unexpected discovery error", extra={"source": self.source.id, "url": child}
                    )
                self.fail(exc, child)

    def listing(self, url: str, selector: str) -> None:
        page = self.get(url, "listing")
        if page is None:
            return
        self.found.extend(parse_listing(page.text, page.final_url, selector))
        self.done(page, "listing")


def discover(source: SourceConfig, fetcher: Fetcher, state: CrawlState) -> Discovered:
    """Candidates from every feed, sitemap and listing page of ``source``; failures become records."""
    run = _Run(source, fetcher, state)
    jobs = [(run.feed, (u,)) for u in source.discovery.feeds]
    jobs += [(run.sitemap, (u,)) for u in source.discovery.sitemaps]
    jobs += [(run.listing, (x.url, x.selector)) for x in source.discovery.listings]
    for job, args in jobs:
        try:
            job(*args)
        except KhabarError as exc:
            run.fail(exc, args[0])
        except Exception as exc:  # a parser bug must not stop the source: record it, go on
            log.exception("unexpected discovery error", extra={"source": source.id, "url": args[0]})
            run.fail(exc, args[0])
    run.result.candidates = _merge(run.found)
    return run.result
