"""Sources file: the shipped files load; every bad entry gets one clear line (file, entry, field, why)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import ConfigError
from pipelines.sources import (
    DEFAULT_SOURCES_FILE,
    SAMPLE_SOURCES_FILE,
    SourceConfig,
    SourcesError,
    load_sources,
    select_sources,
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_file_loads_real_arabic_outlets() -> None:
    sources = load_sources(DEFAULT_SOURCES_FILE)
    ids = {s.id for s in sources}
    assert {"aljazeera", "bbc-arabic", "skynewsarabia", "france24-ar", "alarabiya", "cnn-arabic"} <= ids
    assert {"rt-arabic", "aawsat", "independentarabia", "alquds"} <= ids
    for source in sources:
        assert source.language == "ar"
        assert not source.allow_private_network  # real sites never need the private network
        assert source.rate_limit >= 1.0


def test_sample_sources_point_at_the_local_sample_site() -> None:
    sources = {s.id: s for s in load_sources(SAMPLE_SOURCES_FILE)}
    assert set(sources) == {"sample", "sample-bad"}
    sample = sources["sample"]
    assert sample.allow_private_network
    assert sample.discovery.feeds and sample.discovery.sitemaps and sample.discovery.listings


def test_minimal_entry_gets_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "- id: demo\n  name: Demo\n  homepage: https://demo.example/\n"
        "  discovery: {feeds: [https://demo.example/rss]}\n",
    )
    (source,) = load_sources(path)
    assert source.enabled and source.rate_limit == 1.0 and source.language == "ar"
    assert source.schedule is None and source.selectors is None and not source.allow_private_network


def test_every_bad_entry_is_reported_once_with_index_id_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
sources:
  - id: good
    name: Good
    homepage: https://good.example/
    discovery: {feeds: [https://good.example/rss]}
  - id: Bad Id
    name: x
    homepage: ftp://bad.example/
    discovery: {feeds: [https://bad.example/rss]}
  - id: typo
    name: Typo
    homepage: https://typo.example/
    discovery: {feed: [https://typo.example/rss]}
  - id: limits
    name: Limits
    homepage: https://limits.example/
    rate_limit: -2
    schedule: every hour
    timezone: Mars/Olympus
    discovery: {sitemaps: [/relative.xml]}
  - id: good
    name: Duplicate
    homepage: https://good.example/
    discovery: {feeds: [https://good.example/rss]}
  - name: no id
    homepage: https://x.example/
    discovery: {listings: [{url: https://x.example/, selector: ""}]}
""",
    )
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    problems = info.value.problems
    assert len(problems) == 5  # one line per bad entry; the good one is not mentioned
    assert all(p.startswith(f"{path}: entry ") for p in problems)
    by_entry = {p.split(": ")[1]: p for p in problems}
    assert "id:" in by_entry["entry 1 (id=Bad Id)"] and "homepage:" in by_entry["entry 1 (id=Bad Id)"]
    assert "discovery.feed: unknown field" in by_entry["entry 2 (id=typo)"]
    limits = by_entry["entry 3 (id=limits)"]
    for field in ("rate_limit:", "schedule:", "timezone:", "discovery.sitemaps:"):
        assert field in limits
    assert "duplicate of entry 0" in by_entry["entry 4 (id=good)"]
    no_id = by_entry["entry 5"]
    assert "id: required field missing" in no_id and "name" not in no_id.split(":")[2]
    assert isinstance(info.value, ConfigError)


def test_unreadable_yaml_is_one_clear_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources: [\n  - id: x\n")
    with pytest.raises(SourcesError, match="not valid YAML"):
        load_sources(path)
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")


def test_discovery_needs_at_least_one_method(tmp_path: Path) -> None:
    path = _write(tmp_path, "- {id: empty, name: E, homepage: 'https://e.example/', discovery: {}}\n")
    with pytest.raises(SourcesError, match="needs at least one of feeds, sitemaps, listings"):
        load_sources(path)


def test_select_sources_enabled_or_named() -> None:
    sources = load_sources(DEFAULT_SOURCES_FILE)
    enabled = select_sources(sources)
    assert all(s.enabled for s in enabled) and len(enabled) < len(sources)
    disabled = next(s for s in sources if not s.enabled)
    assert select_sources(sources, [disabled.id]) == [disabled]  # naming a source runs it anyway
    with pytest.raises(ConfigError, match="unknown source id"):
        select_sources(sources, ["nope"])


def test_rebased_moves_every_url() -> None:
    source = load_sources(SAMPLE_SOURCES_FILE)[0]
    moved = source.rebased("http://127.0.0.1:8765", "http://127.0.0.1:1234")
    urls = [moved.homepage, *moved.discovery.feeds, *moved.discovery.sitemaps]
    urls += [x.url for x in moved.discovery.listings]
    assert all(u.startswith("http://127.0.0.1:1234/") for u in urls)
    assert isinstance(moved, SourceConfig) and moved.id == source.id
