"""Pages that once lost their article to a crash: each still gives its article (issue 14.7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hostile_server import HostileServer, html, raw
from pages import article_html, serve_article, serve_feed, source_on

from pipelines.config import Settings
from pipelines.fetch import CrawlState, Fetcher
from pipelines.fetch.charset import decode_html_counted
from pipelines.ingest.scrape import scrape_source
from pipelines.normalize.arabic_dates import parse_arabic_date

DEEP_LD = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
DEEP_GRAPH = (
    '<script type="application/ld+json">'
    + '{"@graph": [' * 600
    + '{"@type": "NewsArticle"}'
    + "]}" * 600
    + "</script>"
)
HUGE_AGO = '<p class="date">منذ 999999 يوم</p>'
DIGITS_AGO = '<p class="date">منذ ' + "9" * 5000 + " ساعة</p>"


@pytest.mark.parametrize(
    ("head", "body"),
    [(DEEP_LD, ""), (DEEP_GRAPH, ""), ("", HUGE_AGO), ("", DIGITS_AGO)],
    ids=["json-ld-100k-deep", "json-ld-graph-600-deep", "999999-days-ago", "5000-digit-count"],
)
def test_hostile_markup_does_not_lose_the_article(
    server: HostileServer, settings: Settings, fetcher: Fetcher, state: CrawlState, head: str, body: str
) -> None:
    server.routes["/hostile"] = html(article_html(7, head=head, body=body))
    serve_article(server, "/good", 8)
    result = scrape_source(
        source_on(server, serve_feed(server, ["/hostile", "/good"])), settings, state=state, client=fetcher
    )
    assert result.errors == []
    assert sorted(a.url for a in result.articles) == [server.url("/good"), server.url("/hostile")]


def test_one_stray_byte_is_replaced_and_recorded_not_the_page_refused(
    server: HostileServer, settings: Settings, fetcher: Fetcher, state: CrawlState
) -> None:
    page = article_html(9, body="<p>" + "نص عربي طويل " * 1500 + "</p>").encode()
    assert len(page) > 20_000
    cut = page.index(b" ", 5000)  # between two characters: exactly one bad byte
    stray = page[:cut] + b"\xff" + page[cut:]
    server.routes["/stray"] = raw("200 OK", [("Content-Type", "text/html; charset=utf-8")], stray)
    result = scrape_source(
        source_on(server, serve_feed(server, ["/stray"])), settings, state=state, client=fetcher
    )
    assert result.errors == []
    [article] = result.articles
    assert "حملة لتشجير الطرق رقم 9" in article.title
    assert result.counts["decode_replaced"] == 1
    [kept] = result.pages
    assert kept.decode_errors == 1 and kept.charset == "utf-8"


def test_legacy_arabic_is_not_mistaken_for_nearly_utf8() -> None:
    page = article_html(10).replace('charset="utf-8"', 'charset="windows-1256"').encode("cp1256")
    text, charset, replaced = decode_html_counted(page, "text/html")
    assert (charset, replaced) == ("cp1256", 0) and "حملة لتشجير" in text


@pytest.mark.parametrize("text", ["منذ 999999 يوم", "منذ 99999 شهر", "قبل " + "9" * 5000 + " ساعة"])
def test_absurd_relative_dates_are_no_date(text: str) -> None:
    assert parse_arabic_date(text, tz=UTC, now=datetime(2026, 12, 1, tzinfo=UTC)) is None
