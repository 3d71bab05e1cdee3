"""Fixtures for scraping tests: the sample site on 127.0.0.1, fast settings, a fresh crawl state.

Import them into a test module (``from sample_site_fixtures import site, settings, fetcher, state``).
Everything goes over real HTTP; the site records every request server-side.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crawl_fixtures import crawl_settings
from crawl_fixtures import fetcher as fetcher  # fixtures, re-exported for pytest
from crawl_fixtures import source_for as source_for  # re-exported: the scraping tests import it here
from crawl_fixtures import state as state

from pipelines.config import Settings
from pipelines.sample_site import SampleSite

RETRY_AFTER = 1  # seconds the sample site asks for on 429
READ_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite(slow_seconds=3.0, retry_after=RETRY_AFTER) as served:
        yield served


def fast_settings(tmp_path: Path, **overrides: object) -> Settings:
    fast: dict[str, object] = {
        "connect_timeout": READ_TIMEOUT,
        "read_timeout": READ_TIMEOUT,
        "max_retries": 1,
        "max_response_bytes": 300_000,
    }
    return crawl_settings(tmp_path, **(fast | overrides))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)
