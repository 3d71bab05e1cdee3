"""``khabar topics create``: creates the topics as configured; running it again is harmless; a topic
whose settings differ is reported (setting, expected, actual) and left unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from publish_fixtures import delete_topics, unique_settings

from pipelines.kafka.clients import make_admin
from pipelines.kafka.topics import describe, ensure_topics, topic_specs

pytestmark = pytest.mark.integration


def test_create_makes_every_topic_as_specified_and_twice_is_harmless(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = unique_settings(kafka_bootstrap, tmp_path, articles_partitions=4)
    try:
        assert [r.action for r in ensure_topics(settings)] == ["created"] * 4
        again = ensure_topics(settings)
        assert [(r.action, r.drifts) for r in again] == [("exists", [])] * 4

        specs = {s.name: s for s in topic_specs(settings)}
        admin = make_admin(settings)
        try:
            states = {s.name: s for s in describe(admin, list(specs))}
        finally:
            admin.close()
        articles, pages, dlq = (
            states[n] for n in (settings.topic_articles, settings.topic_pages, settings.topic_dlq)
        )
        assert (articles.partitions, articles.replication_factor) == (4, 1)
        assert articles.configs["retention.ms"] == "-1" and articles.configs["cleanup.policy"] == "delete"
        assert pages.configs["cleanup.policy"] == "compact"
        assert int(dlq.configs["retention.ms"]) == 365 * 24 * 3600 * 1000
        for state in states.values():
            assert state.configs["compression.type"] == "zstd"
            assert state.configs["max.message.bytes"] == str(settings.kafka_max_message_bytes)
    finally:
        delete_topics(settings)


def test_a_changed_setting_is_reported_not_applied(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = unique_settings(kafka_bootstrap, tmp_path)
    try:
        ensure_topics(settings)
        changed = settings.with_overrides(articles_partitions=3, kafka_max_message_bytes=1_000_000)
        reports = {r.name: r for r in ensure_topics(changed)}
        articles = reports[settings.topic_articles]
        assert articles.action == "drift"
        found = {(d.setting, d.expected, d.actual) for d in articles.drifts}
        assert found == {
            ("partitions", "3", "6"),
            ("max.message.bytes", "1000000", str(settings.kafka_max_message_bytes)),
        }
        # Nothing was altered.
        admin = make_admin(settings)
        try:
            (state,) = describe(admin, [settings.topic_articles])
        finally:
            admin.close()
        assert state.partitions == 6
        assert state.configs["max.message.bytes"] == str(settings.kafka_max_message_bytes)
    finally:
        delete_topics(settings)


def test_cli_create_reports_drift_with_a_nonzero_exit(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = unique_settings(kafka_bootstrap, tmp_path)
    env = os.environ | {
        "KHABAR_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KHABAR_TOPIC_ARTICLES": settings.topic_articles,
        "KHABAR_TOPIC_PAGES": settings.topic_pages,
        "KHABAR_TOPIC_DLQ": settings.topic_dlq,
        "KHABAR_TOPIC_ENRICHED": settings.topic_enriched,
        "COLUMNS": "200",
    }
    cli = [sys.executable, "-c", "from pipelines.cli import main; main()", "topics", "create"]
    try:
        first = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stdout + first.stderr
        assert first.stdout.count("created") == 4
        second = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0 and second.stdout.count("exists") == 4
        drift = subprocess.run(
            cli, env=env | {"KHABAR_ARTICLES_PARTITIONS": "2"}, capture_output=True, text=True, timeout=120
        )
        assert drift.returncode == 1
        assert "partitions: expected 2, actual 6" in drift.stdout
    finally:
        delete_topics(settings)
