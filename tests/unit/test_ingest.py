"""pipelines.ingest.plan: which sources a run takes (per-source schedules) and the run summary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from pipelines.ingest.plan import enabled_source_ids, is_due, summarize

T = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def _source(source_id: str, **extra) -> dict:
    return {
        "id": source_id,
        "name": source_id,
        "homepage": f"https://{source_id}.example/",
        "discovery": {"feeds": [f"https://{source_id}.example/rss.xml"]},
        **extra,
    }


@pytest.fixture
def sources_file(tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    entries = [
        _source("every-run"),
        _source("hourly", schedule="@hourly"),
        _source("half-hour", schedule="*/30 * * * *"),
        _source("off", enabled=False),
    ]
    path.write_text(yaml.safe_dump({"sources": entries}))
    return path


@pytest.mark.parametrize(
    ("schedule", "start", "end", "due"),
    [
        (None, T, T, True),
        ("@hourly", T.replace(hour=5, minute=45), T, True),  # 06:00 is in (05:45, 06:00]
        ("@hourly", T, T.replace(minute=15), False),  # nothing in (06:00, 06:15]
        ("*/30 * * * *", T.replace(minute=15), T.replace(minute=30), True),
        ("@quarterly", T, T.replace(minute=15), False),
        ("@once", T, T, True),
    ],
)
def test_is_due(schedule: str | None, start: datetime, end: datetime, due: bool) -> None:
    assert is_due(schedule, start, end) is due


def test_scheduled_runs_take_only_the_sources_due_in_their_slot(sources_file: Path) -> None:
    every_15 = "*/15 * * * *"
    at = {m: T.replace(minute=m) for m in (0, 15, 30)}
    assert enabled_source_ids(sources_file, run_after=at[0], dag_schedule=every_15) == [
        "every-run",
        "hourly",
        "half-hour",
    ]
    assert enabled_source_ids(sources_file, run_after=at[15], dag_schedule=every_15) == ["every-run"]
    assert enabled_source_ids(sources_file, run_after=at[30], dag_schedule=every_15) == [
        "every-run",
        "half-hour",
    ]


def test_manual_runs_take_every_enabled_source_or_exactly_the_named_ones(sources_file: Path) -> None:
    assert enabled_source_ids(sources_file) == ["every-run", "hourly", "half-hour"]
    # Named sources run even when disabled or not due: an explicit request wins.
    assert enabled_source_ids(sources_file, only=["off"], run_after=T.replace(minute=15)) == ["off"]


def test_summary_lists_failed_sources_and_totals_error_classes() -> None:
    results = [
        {"source_id": "a", "published": 3, "errors": 1, "error_classes": {"FetchError": 1}},
        {"source_id": "b", "published": 2, "errors": 2, "error_classes": {"FetchError": 1, "ParseError": 1}},
    ]
    summary = summarize(["a", "b", "c"], results)
    assert summary["succeeded"] == ["a", "b"]
    assert summary["failed"] == ["c"]
    assert summary["totals"]["published"] == 5
    assert summary["error_classes"] == {"FetchError": 2, "ParseError": 1}
