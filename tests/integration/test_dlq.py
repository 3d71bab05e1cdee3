"""Dead letters: any stage writes them with DeadLetterWriter; ``dlq list`` shows them filtered;
``dlq replay`` re-publishes the original payload to its topic only when it is now within limits,
and records what it did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from article_factory import make_article
from publish_fixtures import consume_all, topic_settings

from pipelines.config import Settings
from pipelines.errors import IndexingError
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import headers_dict
from pipelines.kafka.dlq import DeadLetterWriter
from pipelines.kafka.dlq_replay import ledger_path, list_dead_letters, replay
from pipelines.kafka.messages import TopicPosition, payload_bytes

__all__ = ["topic_settings"]

pytestmark = pytest.mark.integration


def test_any_stage_writes_dead_letters_that_list_finds_by_stage_and_time(topic_settings: Settings) -> None:
    origin = TopicPosition(topic=topic_settings.topic_articles, partition=3, offset=17)
    with DeadLetterWriter(topic_settings) as writer:
        position = writer.dead_letter(
            stage="index",
            error=IndexingError(
                "mapper_parsing_exception: failed to parse [published_at]", reason="es_rejected"
            ),
            payload=b'{"not": "an article"}',
            origin=origin,
            key="k1",
            source_id="src-a",
            attempts=3,
            first_failed_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        writer.dead_letter(stage="fetch", error=TimeoutError("read timed out"), url="https://x.example/1")
    assert position.topic == topic_settings.topic_dlq

    everything = list(list_dead_letters(topic_settings))
    assert [i.letter.stage for i in everything] == ["index", "fetch"]
    (indexed,) = list(list_dead_letters(topic_settings, stage="index"))
    letter = indexed.letter
    assert (letter.reason, letter.error_class, letter.attempts) == ("es_rejected", "IndexingError", 3)
    assert letter.origin == origin and letter.key == "k1" and letter.source_id == "src-a"
    assert letter.payload_format == "base64" and payload_bytes(letter) == b'{"not": "an article"}'
    assert letter.first_failed_at < letter.last_failed_at
    assert list(list_dead_letters(topic_settings, since=datetime.now(UTC) + timedelta(minutes=1))) == []
    assert len(list(list_dead_letters(topic_settings, limit=1))) == 1

    (record, _) = consume_all(topic_settings, topic_settings.topic_dlq)
    headers = headers_dict(record.headers)
    assert headers["schema"] == "news.dlq.v1" and headers["dlq_stage"] == "index"

    env = os.environ | {
        "KHABAR_KAFKA_BOOTSTRAP": topic_settings.kafka_bootstrap,
        "KHABAR_TOPIC_DLQ": topic_settings.topic_dlq,
        "COLUMNS": "200",
    }
    cli = [sys.executable, "-c", "from pipelines.cli import main; main()", "dlq", "list", "--stage", "fetch"]
    out = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "fetch" in out and "timeout_error" in out and "1 dead letter(s)" in out


def test_replay_republishes_what_now_fits_and_records_it(topic_settings: Settings) -> None:
    # Published under a tighter limit: the 30 KB article is dead-lettered (payload spooled by reference).
    tight = topic_settings.with_overrides(kafka_max_message_bytes=20_000)
    big = make_article(1, body="خبر " * 6_000)
    invalid = make_article(2).to_message() | {"title": ""}
    outcomes = publish_articles([big, invalid], tight)
    assert [o.status for o in outcomes] == ["dead_lettered", "dead_lettered"]
    assert consume_all(topic_settings, topic_settings.topic_articles) == []

    dry = replay(topic_settings, dry_run=True)
    assert [r.action for r in dry] == ["would_replay", "skipped"]
    assert not ledger_path(topic_settings).exists()

    results = replay(topic_settings)  # the normal 2 MiB limit: the big one fits now
    assert [r.action for r in results] == ["replayed", "skipped"]
    assert "still invalid" in results[1].detail
    (record,) = consume_all(topic_settings, topic_settings.topic_articles)
    assert record.key.decode() == big.article_id
    assert json.loads(record.value) == big.to_message()
    headers = headers_dict(record.headers)
    assert headers["schema"] == "news.articles.v1" and headers["replayed_from"] == results[0].dead_letter_id

    ledger = [json.loads(line) for line in ledger_path(topic_settings).read_text().splitlines()]
    assert [e["action"] for e in ledger] == ["replayed", "skipped"]
    assert [r.action for r in replay(topic_settings)] == ["skipped", "skipped"]  # not twice
    assert "already replayed" in replay(topic_settings)[0].detail
    assert len(consume_all(topic_settings, topic_settings.topic_articles)) == 1
