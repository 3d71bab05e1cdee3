"""Discovery parsers on bytes the sample site renders (no network): feeds, sitemaps, listings."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.errors import ParseError
from pipelines.ingest.discover import parse_feed, parse_listing, parse_sitemap
from pipelines.sample_site import load_articles, render

BASE = "http://news.example"
BUILD = datetime(2026, 11, 29, tzinfo=UTC)
ARTICLES = [a for a in load_articles() if not a.hidden]


def _expected() -> set[str]:
    return {f"{BASE}{a.path}" for a in ARTICLES}


def test_rss_items_with_title_and_date_hints() -> None:
    items = [(a.title, f"{BASE}{a.path}", a.published, a.summary) for a in ARTICLES]
    found, problem = parse_feed(render.rss(items, BASE, BUILD), f"{BASE}/feeds/rss.xml")
    assert problem is None
    assert {c.url for c in found} == _expected()
    seed = next(c for c in found if c.url.endswith("lavrov-shaibani-moscow.html"))
    assert seed.title and "لافروف" in seed.title
    assert seed.published == datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    assert seed.method == "feed"


def test_atom_entries() -> None:
    found, problem = parse_feed(render.atom(ARTICLES, BASE, BUILD), f"{BASE}/feeds/atom.xml")
    assert problem is None
    assert {c.url for c in found} == _expected()
    assert all(c.published is not None for c in found)


def test_relative_links_resolve_against_the_feed_url_and_tracking_is_dropped() -> None:
    items = [
        ("a", "/news/a.html", None, ""),
        ("a", "../news/a.html", None, ""),
        ("b", "b.html?utm_source=rss", None, ""),
        ("c", "http://news.example/news/c.html#comments", None, ""),
    ]
    found, _ = parse_feed(render.rss(items, BASE, BUILD), f"{BASE}/feeds/relative.xml")
    urls = [c.url for c in found]
    assert urls[0] == urls[1] == f"{BASE}/news/a.html"
    assert urls[2] == f"{BASE}/feeds/b.html"
    assert urls[3] == f"{BASE}/news/c.html"


def test_malformed_feed_reports_and_keeps_recovered_items() -> None:
    items = [(a.title, f"{BASE}{a.path}", a.published, "") for a in ARTICLES[:2]]
    text = render.rss(items, BASE, BUILD).decode()
    broken = text.replace("</channel></rss>", "<item><title>خبر & مكسور <b></title><link>").encode()
    found, problem = parse_feed(broken, f"{BASE}/feeds/malformed.xml")
    assert isinstance(problem, ParseError) and problem.reason == "malformed_feed"
    assert {f"{BASE}{a.path}" for a in ARTICLES[:2]} <= {c.url for c in found}


def test_html_is_not_a_feed() -> None:
    found, problem = parse_feed(b"<html><body><p>hello</p></body></html>", f"{BASE}/feed")
    assert found == []
    assert problem is not None


def test_news_sitemap_with_publication_dates_and_titles() -> None:
    found, children = parse_sitemap(render.news_sitemap(ARTICLES, BASE), f"{BASE}/sitemaps/news.xml")
    assert children == []
    assert {c.url for c in found} == _expected()
    assert all(c.published is not None and c.title for c in found)


def test_plain_gzipped_sitemap_uses_lastmod() -> None:
    body = gzip.compress(render.pages_sitemap(ARTICLES[:3], BASE))
    found, _ = parse_sitemap(body, f"{BASE}/sitemap.xml.gz")
    assert len(found) == 3
    assert found[0].published == datetime.combine(ARTICLES[0].modified.date(), datetime.min.time(), UTC)


def test_sitemap_index_lists_children_newest_first() -> None:
    body = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>/old.xml</loc><lastmod>2020-01-01</lastmod></sitemap>"
        b"<sitemap><loc>/new.xml</loc><lastmod>2026-11-28T10:00:00Z</lastmod></sitemap>"
        b"</sitemapindex>"
    )
    found, children = parse_sitemap(body, f"{BASE}/sitemap_index.xml")
    assert found == []
    assert children == [f"{BASE}/new.xml", f"{BASE}/old.xml"]


@pytest.mark.parametrize("body", [b"<urlset><url><loc>x</loc>", b"<rss/>", b"not xml at all"])
def test_bad_sitemaps_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_sitemap(body, f"{BASE}/sitemap.xml")
    assert info.value.reason == "malformed_sitemap"


def test_sitemap_entities_never_read_local_files() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x.example/&e;</loc></url></urlset>'
    )
    try:
        found, _ = parse_sitemap(body, f"{BASE}/sitemap.xml")
    except ParseError:
        return
    local = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "\x00"
    assert all(local not in c.url for c in found)


def test_listing_selector_picks_article_links_only() -> None:
    html = render.render_listing(ARTICLES).decode()
    found = parse_listing(html, f"{BASE}/news/", "ul.story-list a.story-link")
    assert {c.url for c in found} == _expected()  # navigation, footer and pager links are not articles
    assert all(c.title for c in found)


def test_gzipped_sitemap_bomb_is_refused_at_the_sitemap_size_limit() -> None:
    """128 MB of zeros, gzipped to ~128 KB: ParseError too_large, never fully inflated."""
    import tracemalloc
    import zlib

    from pipelines.errors import ParseError
    from pipelines.ingest.discover import MAX_SITEMAP_BYTES, parse_sitemap

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(128)) + packer.flush()
    tracemalloc.start()
    try:
        with pytest.raises(ParseError) as info:
            parse_sitemap(bomb, "https://x.example/sitemap.xml.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.reason == "too_large"
    assert peak < 2 * MAX_SITEMAP_BYTES
