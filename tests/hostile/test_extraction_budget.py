"""The extraction budget (issue 14.6): a page over its size, links, time or memory is one error
record with its reason, the page is kept, and the run goes on to the next article."""

from __future__ import annotations

import pytest
from hostile_server import HostileServer, html
from pages import article_html, serve_article, serve_feed, source_on

from pipelines.config import Settings
from pipelines.fetch import CrawlState, Fetcher
from pipelines.ingest.scrape import scrape_source


def _links(n: int) -> str:
    return "<div>" + "".join(f'<a href="/x/{i}">رابط {i}</a> ' for i in range(n)) + "</div>"


@pytest.mark.parametrize(
    ("body", "budget", "reason"),
    [
        (_links(20_000), {}, "too_many_links"),
        ("<p>" + "كلمة " * 400_000 + "</p>", {"extract_max_bytes": 1_000_000}, "page_too_large"),
        # This page takes ~0.6 s to extract on a 2-core machine since the one-walk page scan; a
        # 0.1 s limit keeps a ~5x margin (0.5 s stopped tripping once the scan got faster).
        (_links(8_000), {"extract_timeout_seconds": 0.1}, "extract_timeout"),
        ("<p>" + "كلمة " * 150_000 + "</p>", {"extract_memory_mb": 16}, "extract_memory"),
    ],
    ids=["links", "bytes", "time", "memory"],
)
def test_page_over_budget_is_one_error_and_the_run_goes_on(
    server: HostileServer,
    settings: Settings,
    fetcher: Fetcher,
    state: CrawlState,
    body: str,
    budget: dict,
    reason: str,
) -> None:
    settings = settings.with_overrides(max_response_bytes=10_000_000, **budget)
    server.routes["/heavy"] = html(article_html(1, body=body))
    serve_article(server, "/good", 2)
    source = source_on(server, serve_feed(server, ["/heavy", "/good"]))
    with Fetcher(settings) as client:
        result = scrape_source(source, settings, state=state, client=client)
    assert [a.url for a in result.articles] == [server.url("/good")]
    [record] = result.errors
    assert (record.stage, record.error_class, record.reason) == ("extract", "ExtractionError", reason)
    assert server.url("/heavy") in [p.url for p in result.pages]  # kept for a rebuild
