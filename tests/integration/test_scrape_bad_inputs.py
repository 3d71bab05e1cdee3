"""Every bad input the sample site serves becomes one structured error record, and the run goes on.

Each case is scraped through ``/feeds/cases/<name>.xml``: the bad URL plus one good article, which
must still come out as an article (the run did not stop at the bad page).
"""

from __future__ import annotations

import pytest
from sample_site_fixtures import RETRY_AFTER, fast_settings, fetcher, settings, site, source_for, state

from pipelines.config import Settings
from pipelines.fetch import CrawlState, Fetcher, FetchPolicy
from pipelines.ingest.scrape import ScrapeResult, scrape_source
from pipelines.model import ErrorRecord
from pipelines.sample_site import BAD_CASES, CASE_GOOD_ARTICLE, SampleSite

__all__ = ["fetcher", "settings", "site", "state"]  # fixtures imported for pytest


def _scrape_case(
    site: SampleSite, settings: Settings, fetcher: Fetcher, state: CrawlState, name: str
) -> ScrapeResult:
    result = scrape_source(
        source_for(site, feeds=(f"/feeds/cases/{name}.xml",)), settings, state=state, client=fetcher
    )
    good = site.url(site.article(CASE_GOOD_ARTICLE).path)
    assert good in [a.url for a in result.articles], f"the run stopped at {name}: {result.errors}"
    return result


def _only_error(result: ScrapeResult) -> ErrorRecord:
    assert len(result.errors) == 1, result.errors
    record = result.errors[0]
    assert record.source_id == "sample-test" and record.message
    assert result.counts["failed"] == 1 and result.counts["failed_by_reason"] == {record.reason: 1}
    return record


def _expect(
    result: ScrapeResult, site: SampleSite, name: str, stage: str, error_class: str, reason: str
) -> None:
    record = _only_error(result)
    assert (record.stage, record.error_class, record.reason) == (stage, error_class, reason)
    assert record.url == site.url(BAD_CASES[name])


def test_http_404(site, settings, fetcher, state) -> None:
    _expect(
        _scrape_case(site, settings, fetcher, state, "http_404"),
        site,
        "http_404",
        "fetch",
        "FetchError",
        "http_404",
    )


def test_http_404_is_never_retried(site, settings, fetcher, state) -> None:
    before = len(site.requests_for(BAD_CASES["http_404"]))
    _scrape_case(site, settings, fetcher, state, "http_404")
    assert len(site.requests_for(BAD_CASES["http_404"])) - before == 1


@pytest.mark.parametrize("name", ["http_404", "http_410"])
def test_permanent_failure_is_not_refetched_next_run(site, settings, fetcher, state, name) -> None:
    """A 404/410 is dead-lettered once, not again on every scheduled run."""
    _scrape_case(site, settings, fetcher, state, name)
    site.touch_feeds()  # the feed changes, so discovery lists the bad URL again
    before = len(site.requests_for(BAD_CASES[name]))
    again = scrape_source(
        source_for(site, feeds=(f"/feeds/cases/{name}.xml",)), settings, state=state, client=fetcher
    )
    assert len(site.requests_for(BAD_CASES[name])) == before
    assert again.errors == [] and again.counts["skipped"] >= 1


def test_http_410(site, settings, fetcher, state) -> None:
    _expect(
        _scrape_case(site, settings, fetcher, state, "http_410"),
        site,
        "http_410",
        "fetch",
        "FetchError",
        "http_410",
    )


def test_http_500_retried_then_recorded(site, settings, fetcher, state) -> None:
    before = len(site.requests_for(BAD_CASES["http_500"]))
    result = _scrape_case(site, settings, fetcher, state, "http_500")
    _expect(result, site, "http_500", "fetch", "FetchError", "http_500")
    assert len(site.requests_for(BAD_CASES["http_500"])) - before == settings.max_retries + 1


def test_timeout_slow_page(site, settings, fetcher, state) -> None:
    _expect(
        _scrape_case(site, settings, fetcher, state, "timeout"),
        site,
        "timeout",
        "fetch",
        "FetchError",
        "timeout",
    )


def test_redirect_loop(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "redirect_loop")
    _expect(result, site, "redirect_loop", "fetch", "FetchError", "redirect_loop")


def test_oversized_page(site, settings, fetcher, state) -> None:
    _expect(
        _scrape_case(site, settings, fetcher, state, "too_large"),
        site,
        "too_large",
        "fetch",
        "FetchError",
        "too_large",
    )


def test_pdf_is_not_html(site, settings, fetcher, state) -> None:
    _expect(
        _scrape_case(site, settings, fetcher, state, "not_html_pdf"),
        site,
        "not_html_pdf",
        "fetch",
        "FetchError",
        "not_html",
    )


def test_json_is_not_html(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "not_html_json")
    _expect(result, site, "not_html_json", "fetch", "FetchError", "not_html")


def test_empty_page(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "empty_page")
    _expect(result, site, "empty_page", "extract", "ExtractionError", "empty_page")


def test_boilerplate_only_page(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "boilerplate_only")
    _expect(result, site, "boilerplate_only", "extract", "ExtractionError", "boilerplate_only")


def test_wrong_declared_charset_still_reads_correct_arabic(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "wrong_charset")
    assert result.errors == []
    page = next(p for p in result.pages if p.url == site.url(BAD_CASES["wrong_charset"]))
    assert page.charset == "cp1256"  # declared UTF-8 in the header, really windows-1256
    article = next(a for a in result.articles if a.url == page.final_url)
    assert article.title == "المغرب يدشن محطة جديدة للطاقة الشمسية قرب ورزازات"


def test_undecodable_binary_page(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "bad_charset")
    _expect(result, site, "bad_charset", "fetch", "ParseError", "bad_charset")


def test_robots_disallowed_article(site, settings, fetcher, state) -> None:
    before = len(site.requests_for(BAD_CASES["robots_disallow"]))
    result = _scrape_case(site, settings, fetcher, state, "robots_disallow")
    _expect(result, site, "robots_disallow", "fetch", "FetchError", "robots_disallow")
    assert len(site.requests_for(BAD_CASES["robots_disallow"])) == before  # never requested


def test_429_with_retry_after_then_success(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "rate_limited")
    assert result.errors == []
    assert any("البورصة المصرية" in a.title for a in result.articles)
    first, second = site.requests_for(BAD_CASES["rate_limited"])[-2:]
    assert second.at - first.at >= RETRY_AFTER * 0.95


def test_429_without_retries_left_is_rate_limited(site, tmp_path) -> None:
    settings = fast_settings(tmp_path, max_retries=0)
    with Fetcher(settings, backoff_base=0.01) as client:
        result = scrape_source(
            source_for(site, feeds=("/feeds/cases/rate_limited.xml",)), settings, client=client
        )
        _expect(result, site, "rate_limited", "fetch", "FetchError", "rate_limited")
        # The site refuses every first try: one more request keeps its 429/200 rhythm for other tests.
        client.fetch(site.url(BAD_CASES["rate_limited"]), policy=FetchPolicy(0.05, True))


def test_connection_refused(site, settings, fetcher, state) -> None:
    result = _scrape_case(site, settings, fetcher, state, "connection_refused")
    record = _only_error(result)
    assert (record.stage, record.reason) == ("fetch", "connection_refused")
    assert record.url == site.refused_url


def test_malformed_feed_keeps_recovered_items(site, settings, fetcher, state) -> None:
    result = scrape_source(
        source_for(site, feeds=("/feeds/malformed.xml",)), settings, state=state, client=fetcher
    )
    record = _only_error(result)
    assert (record.stage, record.error_class, record.reason) == ("discover", "ParseError", "malformed_feed")
    assert record.url == site.url("/feeds/malformed.xml")
    assert len(result.articles) == 2  # the two items before the break were still scraped


def test_feed_with_relative_and_duplicate_links(site, settings, fetcher, state) -> None:
    result = scrape_source(
        source_for(site, feeds=("/feeds/relative.xml",)), settings, state=state, client=fetcher
    )
    assert result.errors == []
    expected = {site.url(a.path) for a in site.articles()[3:6]}
    assert result.counts["found"] == 3  # six items, three articles
    assert {a.url for a in result.articles} == expected


def test_all_bad_cases_in_one_run(site, settings, fetcher, state) -> None:
    result = scrape_source(
        source_for(site, feeds=("/feeds/bad-cases.xml",)), settings, state=state, client=fetcher
    )
    reasons = result.counts["failed_by_reason"]
    for reason in ("http_404", "http_410", "http_500", "timeout", "redirect_loop", "too_large", "not_html"):
        assert reasons.get(reason), reasons
    for reason in ("empty_page", "boilerplate_only", "bad_charset", "robots_disallow", "connection_refused"):
        assert reasons.get(reason), reasons
    assert {a.url for a in result.articles} >= {
        site.url(BAD_CASES[n]) for n in ("wrong_charset", "rate_limited")
    }


@pytest.mark.parametrize("name", sorted(n for n in BAD_CASES if "feed" not in n))
def test_every_case_has_a_case_feed(site, fetcher, name: str) -> None:
    page = fetcher.fetch(site.url(f"/feeds/cases/{name}.xml"), kind="feed", policy=FetchPolicy(0.0, True))
    assert site.url(BAD_CASES[name]).encode() in page.body
