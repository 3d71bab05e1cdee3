"""Fixtures for the publish/topics/dlq tests: khabar settings on fresh, uniquely named topics.

Import the fixtures into a test module (``from publish_fixtures import topic_settings``).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from pipelines.config import Settings, get_settings
from pipelines.kafka.clients import make_admin, read_topic
from pipelines.kafka.topics import ensure_topics


def unique_settings(kafka_bootstrap: str, home: Path, **overrides) -> Settings:
    """Settings whose four topics no other test (or run) uses."""
    run = uuid.uuid4().hex[:8]
    return get_settings().with_overrides(
        kafka_bootstrap=kafka_bootstrap,
        home=home,
        topic_articles=f"test.{run}.articles",
        topic_pages=f"test.{run}.pages",
        topic_dlq=f"test.{run}.dlq",
        topic_enriched=f"test.{run}.enriched",
        **overrides,
    )


def delete_topics(settings: Settings) -> None:
    names = [settings.topic_articles, settings.topic_pages, settings.topic_dlq, settings.topic_enriched]
    with contextlib.suppress(Exception):
        admin = make_admin(settings)
        try:
            existing = set(admin.list_topics())
            admin.delete_topics([n for n in names if n in existing])
        finally:
            admin.close()


@pytest.fixture
def topic_settings(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at four freshly created topics (deleted afterwards)."""
    settings = unique_settings(kafka_bootstrap, tmp_path)
    reports = ensure_topics(settings)
    assert [r.action for r in reports] == ["created"] * 4, reports
    yield settings
    delete_topics(settings)


def consume_all(settings: Settings, topic: str) -> list[ConsumerRecord]:
    """Every record of ``topic`` (bounded by its end offsets now)."""
    return list(read_topic(settings, topic))


def values(records: list[ConsumerRecord]) -> list[dict]:
    return [json.loads(r.value) for r in records]
