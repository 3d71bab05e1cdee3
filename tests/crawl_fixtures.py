"""Settings, a fetcher and a crawl state for the scraping and hostile-input tests.

``crawl_settings`` is the base of each suite's own ``fast_settings``; import ``fetcher`` and
``state`` into a conftest or fixtures module next to a ``settings`` fixture (pytest puts tests/ on
sys.path for tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.config import Settings
from pipelines.fetch import CrawlState, Fetcher
from pipelines.sample_site import SampleSite
from pipelines.sources import Discovery, ListingPage, SourceConfig


def crawl_settings(tmp_path: Path, **values: object) -> Settings:
    """Settings whose home and crawl state are under ``tmp_path``; ``values`` set the rest (and may
    replace those two)."""
    base: dict[str, object] = {"home": tmp_path, "state_url": f"sqlite:///{tmp_path / 'crawl-state.sqlite3'}"}
    return Settings(**(base | values))  # type: ignore[arg-type]


@pytest.fixture
def fetcher(settings: Settings) -> Iterator[Fetcher]:
    with Fetcher(settings, backoff_base=0.01) as client:
        yield client


@pytest.fixture
def state(settings: Settings) -> Iterator[CrawlState]:
    crawl_state = CrawlState(settings.state_db_url)
    yield crawl_state
    crawl_state.close()


def source_for(
    site: SampleSite,
    *,
    feeds: tuple[str, ...] = (),
    sitemaps: tuple[str, ...] = (),
    listing: str | None = None,
    rate_limit: float = 0.05,
    allow_private: bool = True,
    source_id: str = "sample-test",
) -> SourceConfig:
    """A source on the sample site with only the given discovery documents (paths)."""
    return SourceConfig(
        id=source_id,
        name="أخبار العينة",
        homepage=site.url("/news/"),
        rate_limit=rate_limit,
        allow_private_network=allow_private,
        discovery=Discovery(
            feeds=[site.url(p) for p in feeds],
            sitemaps=[site.url(p) for p in sitemaps],
            listings=[ListingPage(url=site.url(listing), selector="ul.story-list a.story-link")]
            if listing
            else [],
        ),
    )
