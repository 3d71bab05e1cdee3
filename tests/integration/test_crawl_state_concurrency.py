"""Crawl state on the local PostgreSQL under concurrent scrapers (what two Celery workers do).

Four scrapers of overlapping sources (each finds the same sample-site articles through a different
mix of feeds, sitemaps and listing) run at once, each with its own connection pool. The database
must decide every race: every article page is fetched once in the freshness window, every article
is reported new by exactly one scraper, and each URL's state is complete afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sample_site_fixtures import fast_settings, source_for
from sqlalchemy import select

from pipelines import stack as local_stack
from pipelines.fetch import CrawlState
from pipelines.fetch.state import crawl_articles, crawl_claims, crawl_pending, crawl_urls
from pipelines.ingest.scrape import ScrapeResult, scrape_source
from pipelines.model import article_id_for
from pipelines.sample_site import SampleSite
from pipelines.stack.postgres import PostgresService

pytestmark = [pytest.mark.integration]

SCRAPERS = 4


@pytest.fixture(scope="module")
def postgres(_stack_manager) -> PostgresService:
    """The stack's PostgreSQL (started for the session if it is not running)."""
    _stack_manager.ensure("postgres")
    return next(s for s in local_stack.services(["postgres"], _stack_manager.settings))


@pytest.fixture
def state_url(postgres: PostgresService) -> Iterator[str]:
    """A database of its own for this test, dropped afterwards."""
    name = f"crawl_test_{uuid.uuid4().hex[:10]}"
    admin = f"host={postgres.host} port={postgres.port} user=khabar dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres.url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite(slow_seconds=3.0) as served:
        yield served


def _sources(site: SampleSite) -> list:
    # Overlapping on purpose: every source reaches (most of) the same article pages.
    return [
        source_for(site, feeds=("/feeds/rss.xml",), source_id="overlap-rss"),
        source_for(site, feeds=("/feeds/atom.xml",), source_id="overlap-atom"),
        source_for(site, sitemaps=("/sitemap_index.xml",), source_id="overlap-sitemap"),
        source_for(
            site,
            feeds=("/feeds/rss.xml",),
            sitemaps=("/sitemap_index.xml",),
            listing="/news/",
            source_id="overlap-all",
        ),
    ]


def _run_concurrently(sources: list, settings) -> list[ScrapeResult]:
    """One thread per source, released together; each has its own CrawlState (own connections)."""
    barrier = threading.Barrier(len(sources))
    results: dict[str, ScrapeResult] = {}
    errors: list[BaseException] = []

    def scrape(source) -> None:
        state = CrawlState(settings.state_db_url)
        try:
            barrier.wait(timeout=30)
            results[source.id] = scrape_source(source, settings, state=state)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            state.close()

    threads = [threading.Thread(target=scrape, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len(results) == len(sources)
    return [results[s.id] for s in sources]


def _article_gets(site: SampleSite, since: int) -> Counter[str]:
    paths = {a.path for a in site.articles(include_hidden=True)}
    return Counter(r.path for r in site.requests[since:] if r.method == "GET" and r.path in paths)


def test_four_concurrent_scrapers_share_one_postgres_crawl_state(
    site: SampleSite, state_url: str, tmp_path: Path
) -> None:
    settings = fast_settings(tmp_path, state_url=state_url, fetch_fresh_seconds=3600.0, read_timeout=5.0)
    sources = _sources(site)
    visible = {site.url(a.path) for a in site.articles()}
    mark = len(site.requests)

    results = _run_concurrently(sources, settings)

    # Nothing fetched twice: every article page was requested at most once by all four together,
    # and every visible article page was fetched (by whichever scraper claimed it first).
    gets = _article_gets(site, mark)
    assert {p: n for p, n in gets.items() if n > 1} == {}
    assert {site.url(p) for p in gets} >= visible
    # Every article reported new by exactly one scraper; together they found all of them.
    new_ids = [a.article_id for r in results for a in r.articles]
    assert len(new_ids) == len(set(new_ids))
    expected_ids = {article_id_for(u) for u in visible}
    assert expected_ids <= set(new_ids)
    # The others saw those URLs as claimed, not as failures.
    assert sum(r.counts["claimed_elsewhere"] for r in results) > 0
    assert all(r.counts["failed"] == 0 for r in results), [r.counts for r in results]

    # Every URL's state: one row each, fetched with 200 and validators kept; claims released.
    state = CrawlState(state_url)
    try:
        with state.engine.connect() as conn:
            urls = {r.url: r for r in conn.execute(select(crawl_urls)).all()}
            articles = {r.article_id: r for r in conn.execute(select(crawl_articles)).all()}
            claims = conn.execute(select(crawl_claims)).all()
            pending = conn.execute(select(crawl_pending)).all()
        for url in visible:
            row = urls[url]
            assert row.last_status == 200, (url, row.last_status)
            assert row.etag or row.last_modified, url
            assert row.kind == "page"
        assert set(articles) >= expected_ids
        assert all(a.versions == 1 for a in articles.values())
        assert len(claims) == len(gets)
        assert all(c.claimed_until is None and c.fetched_at is not None for c in claims)
        assert pending == []  # scrape_source alone holds nothing pending
    finally:
        state.close()

    # Within the freshness window a second round fetches no article page and reports nothing new.
    mark = len(site.requests)
    again = _run_concurrently(sources, settings)
    assert _article_gets(site, mark) == Counter()
    assert [a for r in again for a in r.articles] == []


def test_a_retry_takes_back_its_own_claims_and_recovers_unconfirmed_articles(
    site: SampleSite, state_url: str, tmp_path: Path
) -> None:
    """A scrape that died after recording articles but before Kafka acknowledged them (kill -9):
    the next attempt of the same source fetches and reports them again; nothing is lost."""
    settings = fast_settings(tmp_path, state_url=state_url, fetch_fresh_seconds=3600.0, read_timeout=5.0)
    source = source_for(site, feeds=("/feeds/rss.xml",), source_id="dies-midway")
    state = CrawlState(state_url)
    try:
        first = scrape_source(source, settings, state=state, hold_until_published=True)
        assert first.articles
        # The worker dies here: no confirm(). Its claims are also still "fresh".
        recovered = state.recover_pending(source.id)
        assert sorted(recovered) == sorted(a.article_id for a in first.articles)
        second = scrape_source(source, settings, state=state, hold_until_published=True)
        assert {a.article_id for a in second.articles} == set(recovered)
        state.confirm(a.article_id for a in second.articles)
        assert state.recover_pending(source.id) == []
        # Another source must not take claims the (living) first one holds within freshness.
        assert not state.claim(
            first.fetched_from[first.articles[0].article_id], "someone-else", fresh_for=timedelta(hours=1)
        )
    finally:
        state.close()
