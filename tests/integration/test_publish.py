"""Publishing to the real local Kafka: what goes in comes back valid, complete, keyed and in order;
oversized and invalid articles land in the DLQ with their reason; a broker restart loses nothing."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from article_factory import make_article, make_page
from ports import free_kafka_port, free_port
from publish_fixtures import consume_all, delete_topics, topic_settings, unique_settings, values

from pipelines import stack as local_stack
from pipelines.config import Settings
from pipelines.ingest.publish import Publisher, publish_articles
from pipelines.kafka.clients import headers_dict
from pipelines.kafka.contracts import schema_errors
from pipelines.kafka.dlq import read_spooled
from pipelines.kafka.messages import DeadLetter, PageMessage
from pipelines.kafka.topics import ensure_topics
from pipelines.model import ARTICLE_SCHEMA_VERSION

__all__ = ["topic_settings"]  # the fixture, imported for pytest

pytestmark = pytest.mark.integration


def test_articles_come_back_valid_complete_and_ordered_per_key(topic_settings: Settings) -> None:
    first = [make_article(i) for i in range(40)]
    # Updates of ten of them: same URL, so the same article_id (key), newer content.
    updates = [make_article(i, title=f"تحديث: الخبر {i}") for i in range(0, 40, 4)]
    out1 = publish_articles(first, topic_settings)
    out2 = publish_articles(updates, topic_settings)
    assert [o.status for o in out1 + out2] == ["published"] * 50

    records = consume_all(topic_settings, topic_settings.topic_articles)
    assert len(records) == 50
    for record in records:
        value = json.loads(record.value)
        assert schema_errors("news.articles.v1", value) == []
        headers = headers_dict(record.headers)
        assert headers["schema"] == "news.articles.v1" and headers["schema_version"] == ARTICLE_SCHEMA_VERSION
        assert headers["content-type"].startswith("application/json")
        assert headers["source_id"] == "test-source" and len(headers["trace_id"]) == 32
        assert record.key.decode() == value["article_id"]
    assert {json.loads(r.value)["article_id"] for r in records} == {a.article_id for a in first}

    # Same key -> same partition; within it, the update comes after the first version.
    by_key: dict[str, list] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key[record.key.decode()].append(record)
    for update in updates:
        seen = by_key[update.article_id]
        assert len({r.partition for r in seen}) == 1
        assert [json.loads(r.value)["title"] for r in seen] == [
            first[int(update.url.rsplit("/", 1)[1])].title,
            update.title,
        ]
    # The outcomes say where each landed.
    landed = {(r.partition, r.offset) for r in records}
    assert {(o.partition, o.offset) for o in out1 + out2} == landed


def test_pages_are_published_compressed_and_keyed_by_url(topic_settings: Settings) -> None:
    articles = [make_article(i) for i in range(3)]
    pages = [make_page(a, size=20_000) for a in articles]
    outcomes = publish_articles(articles, topic_settings, pages=pages)
    assert [o.topic for o in outcomes] == [topic_settings.topic_articles] * 3 + [
        topic_settings.topic_pages
    ] * 3
    assert all(o.status == "published" for o in outcomes)
    # A page shares its article's trace id.
    assert [o.trace_id for o in outcomes[:3]] == [o.trace_id for o in outcomes[3:]]

    records = consume_all(topic_settings, topic_settings.topic_pages)
    assert len(records) == 3
    by_url = {p.url: p for p in pages}
    for record in records:
        value = json.loads(record.value)
        assert schema_errors("news.pages.v1", value) == []
        message = PageMessage.from_message(value)
        assert record.key.decode() == message.page_id
        assert message.raw_body() == by_url[message.url].body
        assert headers_dict(record.headers)["schema"] == "news.pages.v1"


def test_oversized_and_invalid_articles_land_in_the_dlq_with_their_reason(topic_settings: Settings) -> None:
    good = make_article(1)
    oversized = make_article(2, body="خبر عاجل " * 300_000)  # ~5 MB of text, limit is 2 MiB
    invalid = make_article(3).to_message() | {"article_id": "not-a-hash", "title": ""}
    outcomes = publish_articles([good, oversized, invalid], topic_settings)
    assert [(o.status, o.reason) for o in outcomes] == [
        ("published", None),
        ("dead_lettered", "message_too_large"),
        ("dead_lettered", "schema_invalid"),
    ]
    assert [
        json.loads(r.value)["article_id"] for r in consume_all(topic_settings, topic_settings.topic_articles)
    ] == [good.article_id]

    letters = [
        DeadLetter.from_message(v) for v in values(consume_all(topic_settings, topic_settings.topic_dlq))
    ]
    for value in values(consume_all(topic_settings, topic_settings.topic_dlq)):
        assert schema_errors("news.dlq.v1", value) == []
    too_large, bad = letters
    assert (too_large.stage, too_large.reason, too_large.article_id) == (
        "publish",
        "message_too_large",
        oversized.article_id,
    )
    assert too_large.target_topic == topic_settings.topic_articles
    assert too_large.payload_format == "ref" and too_large.payload_ref is not None
    assert json.loads(read_spooled(too_large.payload_ref.location)) == oversized.to_message()

    assert (bad.reason, bad.error_class, bad.payload_format) == ("schema_invalid", "SchemaError", "json")
    assert "article_id" in bad.message and "title" in bad.message
    assert bad.payload == invalid


def test_a_broker_side_refusal_is_dead_lettered_not_lost(kafka_bootstrap: str, tmp_path: Path) -> None:
    # The topic allows 100 KB; the producer (and the client-side check) allow 2 MiB.
    strict = unique_settings(kafka_bootstrap, tmp_path, kafka_max_message_bytes=100_000)
    ensure_topics(strict)
    try:
        settings = strict.with_overrides(kafka_max_message_bytes=2 * 1024 * 1024)
        noise = base64.b64encode(os.urandom(400_000)).decode()  # compresses badly: > 100 KB on the wire
        # kafka-python 3.0.12's idempotent producer turns fatal after such a refusal; the articles
        # sent after it must still be published (the publisher re-sends them on a fresh producer).
        articles = [make_article(1), make_article(2, body=noise), make_article(3), make_article(4)]
        outcomes = publish_articles(articles, settings)
        assert [o.status for o in outcomes] == ["published", "dead_lettered", "published", "published"]
        assert outcomes[1].reason == "message_too_large"
        stored = [json.loads(r.value)["article_id"] for r in consume_all(settings, settings.topic_articles)]
        assert sorted(stored) == sorted(a.article_id for a in (articles[0], articles[2], articles[3]))
        (letter,) = values(consume_all(settings, settings.topic_dlq))
        assert letter["article_id"] == articles[1].article_id and letter["payload_format"] == "ref"
    finally:
        delete_topics(strict)


def test_a_record_the_broker_stored_is_not_sent_again_after_a_refusal(topic_settings: Settings) -> None:
    from kafka.errors import MessageSizeTooLargeError
    from kafka.future import Future

    article = make_article(21)
    publisher = Publisher(topic_settings)
    publisher.send_article(article)
    publisher.producer.flush()
    # kafka-python's idempotent producer, fatal after a refusal, reports every batch of the produce
    # request as refused, those the broker wrote included: this one was written.
    reported = Future()
    reported.failure(MessageSizeTooLargeError("refused with the rest of its request"))
    publisher._pending[0].future = reported
    (outcome,) = publisher.results()
    publisher.close()
    assert outcome.status == "published" and outcome.offset is not None
    stored = [
        json.loads(r.value)["article_id"] for r in consume_all(topic_settings, topic_settings.topic_articles)
    ]
    assert stored == [article.article_id]


def test_same_article_twice_uses_the_same_key_and_partition(topic_settings: Settings) -> None:
    article = make_article(7)
    once = publish_articles([article], topic_settings)[0]
    twice = publish_articles([article], topic_settings)[0]
    assert once.key == twice.key == article.article_id
    assert once.partition == twice.partition and twice.offset == once.offset + 1


def test_tail_prints_key_position_headers_and_title(topic_settings: Settings) -> None:
    article = make_article(11)
    publish_articles([article], topic_settings)
    env = os.environ | {
        "KHABAR_KAFKA_BOOTSTRAP": topic_settings.kafka_bootstrap,
        "KHABAR_TOPIC_ARTICLES": topic_settings.topic_articles,
        "COLUMNS": "200",
    }
    cli = [sys.executable, "-c", "from pipelines.cli import main; main()"]
    run = subprocess.run(
        [*cli, "tail", "articles", "--from-beginning", "--limit", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert f"key={article.article_id}" in run.stdout
    assert (
        f"news.articles.v1@{ARTICLE_SCHEMA_VERSION}" in run.stdout and "source_id=test-source" in run.stdout
    )
    assert article.title in run.stdout
    # The CloudEvents headers and traceparent the publisher set on the record, on one line of their own.
    (record,) = consume_all(topic_settings, topic_settings.topic_articles)
    headers = headers_dict(record.headers)
    event_line = next(line for line in run.stdout.splitlines() if line.strip().startswith("ce_id=")).split()
    for name in ("ce_id", "ce_type", "ce_source", "ce_time", "traceparent"):
        assert f"{name}={headers[name]}" in event_line, (name, event_line)
    assert headers["traceparent"].split("-")[1] == headers["trace_id"]
    assert f"trace_id={headers['trace_id']}" in run.stdout


def test_the_example_consumer_prints_articles_and_restarts_from_a_time(topic_settings: Settings) -> None:
    articles = [make_article(i) for i in range(5)]
    publish_articles(articles, topic_settings)
    example = Path(__file__).resolve().parents[2] / "examples" / "consumer.py"
    base = [sys.executable, str(example), "--bootstrap", topic_settings.kafka_bootstrap]
    base += ["--topic", topic_settings.topic_articles, "--group", f"{topic_settings.topic_articles}.example"]
    first = subprocess.run([*base, "--limit", "5"], capture_output=True, text=True, timeout=120, check=True)
    assert all(a.title in first.stdout for a in articles)
    # The group committed: nothing new now, unless it restarts from a point in time.
    again = subprocess.run(
        [*base, "--since", "2000-01-01T00:00:00+00:00", "--limit", "5"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert sum(a.title in again.stdout for a in articles) == 5


# -- a broker restart in the middle of publishing --------------------------------------------------


@pytest.fixture
def private_kafka(tmp_path: Path, kafka_bootstrap: str) -> Iterator[Settings]:
    """A Kafka of this test's own (same jars, own ports and data), so stopping it disturbs nobody."""
    base = unique_settings(kafka_bootstrap, tmp_path / "home")
    settings = base.with_overrides(kafka_port=free_kafka_port(), kafka_controller_port=free_port())
    local_stack.up(["kafka"], settings=settings)
    settings = settings.with_overrides(kafka_bootstrap=f"127.0.0.1:{settings.kafka_port}")
    try:
        yield settings
    finally:
        local_stack.down(["kafka"], settings=settings)


@pytest.mark.slow
def test_stopping_and_starting_kafka_while_publishing_loses_nothing(private_kafka: Settings) -> None:
    settings = private_kafka
    ensure_topics(settings)
    articles = [make_article(i, source_id="restart") for i in range(300)]
    publisher = Publisher(settings)
    try:
        for article in articles[:100]:
            publisher.send_article(article)
        publisher.producer.flush()
        local_stack.down(["kafka"], settings=settings)  # SIGTERM: a clean broker shutdown
        try:
            for article in articles[100:200]:  # buffered while the broker is away
                publisher.send_article(article)
        finally:
            local_stack.up(["kafka"], settings=settings)  # restore the broker even if sending raised
        for article in articles[200:]:
            publisher.send_article(article)
        outcomes = publisher.results()
    finally:
        publisher.close()

    # None vanish: every article has an outcome, and every "published" one is in the topic.
    assert len(outcomes) == 300
    failed = [o for o in outcomes if o.status != "published"]
    assert failed == [], f"sends did not survive a restart well inside delivery_timeout: {failed[:3]}"
    stored = [json.loads(r.value)["article_id"] for r in consume_all(settings, settings.topic_articles)]
    assert sorted(stored) == sorted(a.article_id for a in articles)  # all there, none twice
