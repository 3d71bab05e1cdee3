"""A hostile page never stops a source run, and never leaves an unpublished article marked as seen."""

from __future__ import annotations

import pytest
from hostile_server import HostileServer, raw
from pages import serve_article, serve_feed, source_on
from sqlalchemy.exc import OperationalError

from pipelines.config import Settings
from pipelines.fetch import CrawlState, Fetcher
from pipelines.ingest.scrape import scrape_source


@pytest.mark.parametrize("location", ["http://a]b/", "http://127.0.0.1＃@a/"])
def test_bad_redirect_is_one_error_record_and_the_run_goes_on(
    server: HostileServer, settings: Settings, fetcher: Fetcher, state: CrawlState, location: str
) -> None:
    server.routes["/bad"] = raw("301 Moved", [("Location", location)])
    serve_article(server, "/a1", 1)
    serve_article(server, "/a2", 2)
    source = source_on(server, serve_feed(server, ["/a1", "/bad", "/a2"]))
    result = scrape_source(source, settings, state=state, client=fetcher)
    assert sorted(a.url for a in result.articles) == [server.url("/a1"), server.url("/a2")]
    [record] = result.errors
    assert (record.stage, record.error_class, record.reason) == ("fetch", "FetchError", "bad_redirect")
    assert record.url == server.url("/bad")


class _StateThatDies(CrawlState):
    """The crawl-state database goes away while the run records its second article."""

    def __init__(self, url: str, dies_at: str) -> None:
        super().__init__(url)
        self.dies_at = dies_at

    def record_url(self, url: str, **kwargs: object) -> None:  # type: ignore[override]
        if url == self.dies_at and kwargs.get("status") == 200:
            raise OperationalError("UPDATE crawl_urls", {}, Exception("database is locked"))
        super().record_url(url, **kwargs)  # type: ignore[arg-type]


def test_an_aborted_run_leaves_no_unpublished_article_marked_as_seen(
    server: HostileServer, settings: Settings, fetcher: Fetcher, state: CrawlState
) -> None:
    serve_article(server, "/a1", 1)
    serve_article(server, "/a2", 2)
    source = source_on(server, serve_feed(server, ["/a1", "/a2"]))
    dying = _StateThatDies(settings.state_db_url, server.url("/a2"))
    with pytest.raises(OperationalError):
        scrape_source(source, settings, state=dying, client=fetcher)
    dying.close()
    # The next run finds /a1 new again: it was never handed to the publisher.
    again = scrape_source(source, settings, state=state, client=fetcher)
    assert sorted(a.url for a in again.articles) == [server.url("/a1"), server.url("/a2")]
