"""Fixtures for the search page tests: the sample site's articles indexed into a private alias,
the page served by uvicorn on 127.0.0.1, and a headless Chromium (Debian's ``chromium`` and
``chromium-driver``; a missing browser FAILS these tests, it never skips them).

The index is built the way production builds it: the sample site served over real HTTP, scraped by
:func:`~pipelines.scrape.scrape_source` (discover, fetch, extract, normalize), then the indexer's
own steps as in ``tests/integration/test_search.py`` (``setup_index`` -> ``to_document`` ->
``assign_clusters`` -> bulk). A second outlet's wire copy of the seed article is added so the
"same story elsewhere" block and a second source facet have something to show.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from elasticsearch import Elasticsearch, helpers

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.indexer.enrich import assign_clusters, to_document
from pipelines.indexer.template import delete_alias_and_indices, setup_index
from pipelines.model import Article, article_id_for
from pipelines.sample_site import SampleSite, sample_sources
from pipelines.scrape import scrape_source
from pipelines.web import create_app

SEED_SLUG = "lavrov-shaibani-moscow"
WIRE_SOURCE = "wire"
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass(frozen=True)
class WebIndex:
    settings: Settings
    articles: dict[str, Article]  # slug (or "wire-copy") -> article
    seed: Article
    wire_copy: Article


def _wire_copy(seed: Article) -> Article:
    """Another outlet carrying the seed story with a new headline and a footer (a near-duplicate)."""
    url = "https://wire.example.org/ar/2026/11/24/lavrov-shaibani"
    return seed.model_copy(
        update={
            "article_id": article_id_for(url),
            "url": url,
            "canonical_url": url,
            "source_id": WIRE_SOURCE,
            "title": "وزير الخارجية السوري أسعد الشيباني في موسكو للقاء لافروف",
            "body_text": seed.body_text + "\nتابعونا للمزيد من الأخبار.",
        }
    )


@pytest.fixture(scope="session")
def web_index(es: Elasticsearch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebIndex]:
    home = tmp_path_factory.mktemp("web-home")
    settings = Settings(
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
    copy = _wire_copy(seed)
    articles["wire-copy"] = copy

    setup_index(es, settings)
    docs = [to_document(a) for a in articles.values()]
    assign_clusters(es, settings.index_alias, docs)
    actions = [{"_index": settings.index_alias, "_id": d["article_id"], "_source": d} for d in docs]
    ok, errors = helpers.bulk(es, actions, refresh=True, raise_on_error=False)
    assert not errors and ok == len(docs)
    yield WebIndex(settings=settings, articles=articles, seed=seed, wire_copy=copy)
    delete_alias_and_indices(es, settings.index_alias)


class _Server:
    """uvicorn in a background thread on a socket bound here (port 0: the OS picks a free one)."""

    def __init__(self, settings: Settings) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the search page server did not start", pytrace=False)
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def web_url(web_index: WebIndex) -> Iterator[str]:
    """The search page over the test index, e.g. ``http://127.0.0.1:43211``."""
    with _Server(web_index.settings) as url:
        yield url


@pytest.fixture(scope="session")
def down_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The search page pointed at an Elasticsearch address where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = Settings(home=tmp_path_factory.mktemp("web-down"), es_url=f"http://127.0.0.1:{closed}")
    with _Server(settings) as url:
        yield url


def chromium_driver():  # -> selenium.webdriver.Chrome
    """Headless Chromium through chromedriver; fails (never skips) when either is missing."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    driver = shutil.which("chromedriver") or (CHROMEDRIVER if Path(CHROMEDRIVER).exists() else None)
    if not binary or not driver:
        pytest.fail(
            "headless Chromium is missing: install Debian's `chromium` and `chromium-driver` "
            "(`make browser`, or `apt-get install chromium chromium-driver`)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # containers without user namespaces
        "--disable-dev-shm-usage",
        "--window-size=1280,1400",
        "--lang=ar",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(driver))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    driver = chromium_driver()
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
