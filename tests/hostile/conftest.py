"""Fixtures for the hostile-input tests: a hostile server on 127.0.0.1, fast settings, crawl state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_server import HostileServer, hostile_server

from pipelines.config import Settings
from pipelines.fetch import CrawlState, Fetcher


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as served:
        yield served


def fast_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": tmp_path,
        "state_url": f"sqlite:///{tmp_path / 'crawl-state.sqlite3'}",
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_retries": 0,
        "min_delay_seconds": 0.0,
        "max_response_bytes": 1_000_000,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)


@pytest.fixture
def fetcher(settings: Settings) -> Iterator[Fetcher]:
    with Fetcher(settings, backoff_base=0.01) as client:
        yield client


@pytest.fixture
def state(settings: Settings) -> Iterator[CrawlState]:
    crawl_state = CrawlState(settings.state_db_url)
    yield crawl_state
    crawl_state.close()
