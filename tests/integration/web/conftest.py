"""Fixtures for the search page tests: the sample site's articles indexed into a private alias,
the page served by uvicorn on 127.0.0.1, and a headless Chromium (Debian's ``chromium`` and
``chromium-driver``; a missing browser FAILS these tests, it never skips them).

The index is built the way production builds it: the sample site served over real HTTP, scraped by
:func:`~pipelines.ingest.scrape.scrape_source` (discover, fetch, extract, normalize), then the indexer's
own steps (the ``index_articles`` fixture of tests/conftest.py: ``setup_index`` -> ``to_document``
-> ``assign_clusters`` -> bulk). A second outlet's wire copy of the seed article is added so the
"same story elsewhere" block and a second source facet have something to show.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from web_helpers import SEED_SLUG, Server, WebIndex, chromium_driver, wire_copy

from pipelines.config import Settings
from pipelines.elastic.template import delete_alias_and_indices
from pipelines.ingest.scrape import scrape_source
from pipelines.sample_site import SampleSite, sample_sources


@pytest.fixture(scope="session")
def web_index(
    es: Elasticsearch,
    es_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    index_articles: Callable[..., list[dict]],
) -> Iterator[WebIndex]:
    home = tmp_path_factory.mktemp("web-home")
    # the session's Elasticsearch (KHABAR_ES_URL / KHABAR_ES_PORT), not the default port
    settings = Settings(
        es_url=es_url,
        home=home,
        state_url=f"sqlite:///{home / 'crawl-state.sqlite3'}",
        connect_timeout=2.0,
        read_timeout=2.0,
        max_retries=1,
        index_alias=f"khabar-test-web-{uuid.uuid4().hex[:8]}",
    )
    with SampleSite() as site:
        (source,) = [s for s in sample_sources(site.base_url) if s.id == "sample"]
        scraped = scrape_source(source, settings)
    assert scraped.articles, f"the sample site gave no articles: {scraped.counts}"
    articles = {Path(a.canonical_url).stem: a for a in scraped.articles}
    seed = articles[SEED_SLUG]
    copy = wire_copy(seed)
    articles["wire-copy"] = copy

    index_articles(settings, articles.values())
    yield WebIndex(settings=settings, articles=articles, seed=seed, wire_copy=copy)
    delete_alias_and_indices(es, settings.index_alias)


@pytest.fixture(scope="session")
def web_url(web_index: WebIndex) -> Iterator[str]:
    """The search page over the test index, e.g. ``http://127.0.0.1:43211``."""
    with Server(web_index.settings) as url:
        yield url


@pytest.fixture(scope="session")
def down_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The search page pointed at an Elasticsearch address where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = Settings(home=tmp_path_factory.mktemp("web-down"), es_url=f"http://127.0.0.1:{closed}")
    with Server(settings) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    driver = chromium_driver()
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
