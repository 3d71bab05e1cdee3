"""Scraping the sample site over real HTTP: discovery, politeness, conditional GET, state, charset, SSRF."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import yaml
from sample_site_fixtures import RETRY_AFTER, fast_settings, fetcher, settings, site, source_for, state
from typer.testing import CliRunner

from pipelines.config import Settings
from pipelines.errors import FetchError
from pipelines.extract import extract_article
from pipelines.fetch import CrawlState, Fetcher, FetchPolicy
from pipelines.ingest.discover import discover
from pipelines.ingest.scrape import scrape_source
from pipelines.sample_site import SampleSite

__all__ = ["fetcher", "settings", "site", "state"]  # fixtures imported for pytest

LOCAL = FetchPolicy(rate_limit=0.05, allow_private=True, source_id="t")


def _visible(site: SampleSite) -> set[str]:
    return {site.url(a.path) for a in site.articles()}


# --- discovery ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("rss", {"feeds": ("/feeds/rss.xml",)}),
        ("atom", {"feeds": ("/feeds/atom.xml",)}),
        ("sitemap_index", {"sitemaps": ("/sitemap_index.xml",)}),
        ("listing", {"listing": "/news/"}),
    ],
)
def test_discovery_finds_every_article(site, fetcher, state, kind: str, where: dict) -> None:
    found = discover(source_for(site, **where), fetcher, state)
    assert found.errors == []
    assert {c.url for c in found.candidates} == _visible(site)
    if kind != "listing":
        assert all(c.published is not None for c in found.candidates)  # date hints kept


def test_sitemap_index_children_are_followed_and_rechecked(site, fetcher, state) -> None:
    source = source_for(site, sitemaps=("/sitemap_index.xml",))
    mark = len(site.requests)
    discover(source, fetcher, state)
    paths = [r.path for r in site.requests[mark:]]
    assert {"/sitemap_index.xml", "/sitemaps/news.xml", "/sitemaps/pages.xml"} <= set(paths)

    mark = len(site.requests)
    again = discover(source, fetcher, state)
    sent = {r.path: r.if_none_match for r in site.requests[mark:]}
    assert sent["/sitemap_index.xml"] is None  # the index is always read in full...
    assert sent["/sitemaps/news.xml"] and sent["/sitemaps/pages.xml"]  # ...its children conditionally
    assert again.not_modified == 2 and again.candidates == []


# --- politeness ----------------------------------------------------------------------------------
def test_robots_txt_fetched_once_and_disallowed_path_never_requested(site, fetcher) -> None:
    mark = len(site.requests)
    fetcher.fetch(site.url("/news/gulf-rail-network.html"), policy=LOCAL)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(site.url("/private/private-draft.html"), policy=LOCAL)
    assert info.value.reason == "robots_disallow"
    fetcher.fetch(site.url("/news/jordan-tourism-record.html"), policy=LOCAL)
    paths = [r.path for r in site.requests[mark:]]
    assert paths.count("/robots.txt") == 1
    assert "/private/private-draft.html" not in paths


def test_every_request_carries_the_khabar_user_agent(site, settings, fetcher, state) -> None:
    mark = len(site.requests)
    scrape_source(source_for(site, feeds=("/feeds/rss.xml",)), settings, state=state, client=fetcher, limit=2)
    assert {r.user_agent for r in site.requests[mark:]} == {settings.user_agent}


def test_requests_to_one_host_are_spaced_by_the_source_rate_limit(site, settings, fetcher, state) -> None:
    rate = 0.25
    mark = len(site.requests)
    result = scrape_source(
        source_for(site, listing="/news/", rate_limit=rate), settings, state=state, client=fetcher, limit=3
    )
    log = site.requests[mark:]
    # robots.txt, the listing page, then exactly the 3 article pages, one after the other
    assert [r.path for r in log[:2]] == ["/robots.txt", "/news/"]
    assert len(log) == 5 and result.counts["fetched"] == 3
    gaps = [b.at - a.at for a, b in itertools.pairwise(log)]
    assert min(gaps) >= rate * 0.95  # server-side arrival times: never closer than the limit


def test_retry_after_is_honoured_then_the_page_succeeds(site, fetcher) -> None:
    path = "/bad/throttled.html"
    before = len(site.requests_for(path))
    page = fetcher.fetch(site.url(path), policy=LOCAL)
    assert page.status == 200 and "البورصة المصرية" in page.text
    tries = site.requests_for(path)[before:]
    assert len(tries) == 2  # the 429, then the retry
    assert tries[1].at - tries[0].at >= RETRY_AFTER * 0.95  # measured by the server


# --- conditional GET and crawl state -------------------------------------------------------------
def test_second_scrape_is_not_modified(site, settings, fetcher, state) -> None:
    source = source_for(site, feeds=("/feeds/rss.xml",))
    first = scrape_source(source, settings, state=state, client=fetcher, limit=3)
    assert first.counts["new"] == 3 and len(first.articles) == 3 and len(first.pages) == 3

    again = scrape_source(source, settings, state=state, client=fetcher, limit=3)
    assert again.counts["discovery_not_modified"] == 1 and again.counts["found"] == 0
    assert again.articles == []

    site.touch_feeds()  # the feed changes, the pages do not
    mark = len(site.requests)
    third = scrape_source(source, settings, state=state, client=fetcher, limit=3)
    assert third.counts["not_modified"] == 3 and third.counts["fetched"] == 0
    assert third.articles == [] and third.errors == []
    page_requests = [r for r in site.requests[mark:] if r.path.startswith("/news/")]
    assert len(page_requests) == 3 and all(r.if_none_match for r in page_requests)


def test_changed_article_is_new_again(site, settings, fetcher, state) -> None:
    source = source_for(site, feeds=("/feeds/atom.xml",))
    first = scrape_source(source, settings, state=state, client=fetcher, limit=3)
    slug = first.articles[0].url.rsplit("/", 1)[1].removesuffix(".html")
    site.update_article(slug, "وأضاف المتحدث في تصريح لاحق أن المباحثات ستستأنف الأسبوع المقبل في دمشق.")
    second = scrape_source(source, settings, state=state, client=fetcher, limit=3)
    assert [a.article_id for a in second.articles] == [first.articles[0].article_id]
    assert "ستستأنف الأسبوع المقبل" in second.articles[0].body_text
    assert second.counts["not_modified"] == 2 and second.counts["new"] == 1
    assert state.article_versions(first.articles[0].article_id) == 2


def test_forgotten_articles_are_fetched_and_new_again(site, settings, fetcher, state) -> None:
    source = source_for(site, feeds=("/feeds/rss.xml",))
    first = scrape_source(source, settings, state=state, client=fetcher, limit=2)
    assert set(first.fetched_from) == {a.article_id for a in first.articles}
    lost = first.articles[:1]  # say Kafka never acknowledged this one
    state.forget([a.article_id for a in lost], [first.fetched_from[a.article_id] for a in lost])
    site.touch_feeds()
    again = scrape_source(source, settings, state=state, client=fetcher, limit=2)
    assert [a.article_id for a in again.articles] == [lost[0].article_id]
    assert again.counts["fetched"] == 1 and again.counts["not_modified"] == 1


def test_state_survives_a_restart(site, tmp_path: Path) -> None:
    settings = fast_settings(tmp_path)
    source = source_for(site, feeds=("/feeds/rss.xml",))
    with Fetcher(settings, backoff_base=0.01) as client:
        first = scrape_source(source, settings, client=client, limit=2)  # its own state, closed after
    assert first.counts["new"] == 2
    site.touch_feeds()
    restarted = CrawlState(settings.state_db_url)  # a new process: new client, same SQLite file
    with Fetcher(settings, backoff_base=0.01) as client:
        again = scrape_source(source, settings, state=restarted, client=client, limit=2)
    restarted.close()
    assert again.articles == [] and again.counts["not_modified"] == 2


# --- charset -------------------------------------------------------------------------------------
def test_windows_1256_page_decodes_to_correct_arabic(site, fetcher) -> None:
    page = fetcher.fetch(site.url("/news/climate-morocco-solar.html"), policy=LOCAL)
    assert page.charset == "cp1256"
    assert "المغرب يدشن محطة جديدة للطاقة الشمسية قرب ورزازات" in page.text
    article = extract_article(page, source_id="t")
    assert article.title == "المغرب يدشن محطة جديدة للطاقة الشمسية قرب ورزازات"
    assert "الوكالة المغربية للطاقة المستدامة" in article.body_text


def test_amp_variant_is_the_same_article_as_its_canonical_page(site, settings, fetcher, state) -> None:
    result = scrape_source(source_for(site, feeds=("/feeds/amp.xml",)), settings, state=state, client=fetcher)
    amp_articles = [a for a in site.articles() if a.amp]
    assert len(result.articles) == len(amp_articles) >= 2
    assert all("/amp/" in a.url for a in result.articles)
    assert {a.canonical_url for a in result.articles} == {site.url(a.path) for a in amp_articles}
    seed = next(a for a in result.articles if a.canonical_url.endswith("/lavrov-shaibani-moscow.html"))
    page = fetcher.fetch(seed.canonical_url, policy=LOCAL)
    canonical = extract_article(page, source_id=seed.source_id)
    assert canonical.article_id == seed.article_id
    assert state.record_article(canonical) is False  # already seen through its AMP variant


# --- SSRF guard ----------------------------------------------------------------------------------
def test_loopback_refused_unless_the_source_allows_it(site, settings, fetcher, state) -> None:
    mark = len(site.requests)
    source = source_for(site, feeds=("/feeds/rss.xml",), allow_private=False)
    result = scrape_source(source, settings, state=state, client=fetcher)
    assert [(e.stage, e.reason) for e in result.errors] == [("discover", "ssrf_blocked")]
    assert fetcher.requests_sent == 0 and len(site.requests) == mark  # refused before connecting


@pytest.mark.parametrize(
    "url", ["http://10.20.30.40/news/a.html", "http://169.254.169.254/latest/meta-data/"]
)
def test_private_and_link_local_addresses_refused_without_traffic(fetcher, url: str) -> None:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url, policy=FetchPolicy(rate_limit=0.0))
    assert info.value.reason == "ssrf_blocked"
    assert fetcher.requests_sent == 0


def test_redirect_hops_are_followed_and_checked(site, fetcher) -> None:
    page = fetcher.fetch(site.url("/go/gulf-rail-network"), policy=LOCAL)
    assert page.final_url == site.url("/news/gulf-rail-network.html")
    assert page.url == site.url("/go/gulf-rail-network")


# --- khabar scrape -------------------------------------------------------------------------------
def _cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str):
    from pipelines.cli.scrape import app

    monkeypatch.setattr("pipelines.config._settings", settings)
    return CliRunner().invoke(app, list(args))


def test_cli_writes_json_lines_and_a_summary(site, settings, tmp_path: Path, monkeypatch) -> None:
    source = source_for(site, feeds=("/feeds/rss.xml",), source_id="cli-sample")
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(yaml.safe_dump({"sources": [source.model_dump(mode="json")]}, allow_unicode=True))
    out, errors = tmp_path / "articles.jsonl", tmp_path / "errors.jsonl"
    result = _cli(
        monkeypatch,
        settings,
        "--sources",
        str(sources_file),
        "--limit",
        "2",
        "--out",
        str(out),
        "--errors",
        str(errors),
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and all(
        m["schema"] == "news.articles.v1" and m["source_id"] == "cli-sample" for m in lines
    )
    assert errors.read_text() == ""
    assert "cli-sample" in result.output and "found" in result.output


def test_cli_prints_every_invalid_source_entry(settings, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {id: ok, name: OK, homepage: 'https://ok.example/', discovery: {feeds: ['https://ok.example/rss']}}\n"
        "- {id: broken, name: B, homepage: 'nope', discovery: {feeds: []}}\n"
        "- {id: typo, name: T, homepage: 'https://t.example/', discovery: {feeds: ['https://t.example/rss']}, rate: 1}\n"
    )
    result = _cli(monkeypatch, settings, "--sources", str(bad))
    assert result.exit_code == 2
    assert "2 source entries are invalid" in result.output
    assert "entry 1 (id=broken): homepage:" in result.output
    assert "entry 2 (id=typo): rate: unknown field" in result.output
