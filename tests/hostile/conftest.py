"""Fixtures for the hostile-input tests: a hostile server on 127.0.0.1, fast settings, crawl state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crawl_fixtures import crawl_settings
from crawl_fixtures import fetcher as fetcher  # fixtures, re-exported for pytest
from crawl_fixtures import state as state
from hostile_server import HostileServer, hostile_server

from pipelines.config import Settings


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as served:
        yield served


def fast_settings(tmp_path: Path, **overrides: object) -> Settings:
    fast: dict[str, object] = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_retries": 0,
        "min_delay_seconds": 0.0,
        "max_response_bytes": 1_000_000,
    }
    return crawl_settings(tmp_path, **(fast | overrides))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return fast_settings(tmp_path)
