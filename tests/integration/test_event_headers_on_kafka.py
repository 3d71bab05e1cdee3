"""Consumed records read back as CloudEvents with the `cloudevents` SDK; a duplicate is
recognisable by its ce_id; dead letters carry the headers and the trace of what failed."""

from __future__ import annotations

import pytest
from article_factory import make_article, make_page
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from kafka.consumer.fetcher import ConsumerRecord
from publish_fixtures import consume_all, topic_settings  # noqa: F401

from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import headers_dict
from pipelines.kafka.events import new_trace_id, trace_id_of
from pipelines.model import ARTICLE_SCHEMA_VERSION

pytestmark = pytest.mark.integration


def as_event(record: ConsumerRecord):
    """What a consumer does with kafka-python and the CloudEvents SDK (docs/consuming.md)."""
    message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    return from_binary_event(message)


def test_a_consumed_article_reads_back_as_a_cloudevent(topic_settings) -> None:  # noqa: F811
    settings = topic_settings
    article = make_article(1)
    trace = new_trace_id()
    outcomes = publish_articles(
        [article], settings, pages=[make_page(article)], traces={article.article_id: trace}
    )
    assert [o.status for o in outcomes] == ["published", "published"]

    (record,) = consume_all(settings, settings.topic_articles)
    event = as_event(record)
    assert event.get_specversion() == "1.0"
    assert event.get_type() == f"news.articles.v1:{ARTICLE_SCHEMA_VERSION}"
    assert event.get_source() == "urn:khabar:ingest:test-source"
    assert event.get_id() == f"{article.article_id}-{article.version}"
    assert event.get_time() == article.fetched_at
    assert event.get_subject() == article.article_id
    assert event.get_datacontenttype() == "application/json; charset=utf-8"
    assert event.get_data() == article.to_message()
    assert event.get_extension("partitionkey") == article.article_id  # the SDK maps the key
    headers = headers_dict(record.headers)
    assert trace_id_of(headers) == headers["trace_id"] == trace  # the trace the caller gave

    (page_record,) = consume_all(settings, settings.topic_pages)
    page_event = as_event(page_record)
    assert page_event.get_type() == "news.pages.v1:1.0.0"
    assert page_event.get_data()["page_id"] == page_record.key.decode()
    assert trace_id_of(headers_dict(page_record.headers)) == trace  # the page shares its article's trace


def test_the_same_article_version_published_twice_is_a_recognisable_duplicate(
    topic_settings,  # noqa: F811
) -> None:
    settings = topic_settings
    article = make_article(2)
    newer = article.model_copy(update={"fetched_at": article.fetched_at.replace(hour=12)})
    for batch in ([article], [article], [newer]):  # a retry, then a real re-scrape
        assert all(o.status == "published" for o in publish_articles(batch, settings))
    events = [as_event(r) for r in consume_all(settings, settings.topic_articles)]
    ids = [e.get_id() for e in events]
    assert ids[0] == ids[1] != ids[2]
    assert len({(e.get_source(), e.get_id()) for e in events}) == 2


def test_a_dead_letter_carries_the_headers_and_the_trace_of_what_failed(topic_settings) -> None:  # noqa: F811
    settings = topic_settings
    broken = make_article(3).to_message() | {"article_id": "not-a-hash"}
    trace = new_trace_id()
    (outcome,) = publish_articles([broken], settings, traces={"not-a-hash": trace})
    assert outcome.status == "dead_lettered"
    (record,) = consume_all(settings, settings.topic_dlq)
    event = as_event(record)
    letter = event.get_data()
    assert event.get_type() == "news.dlq.v1:1.0.0"
    assert event.get_source() == "urn:khabar:dlq:publish"
    assert event.get_id() == letter["dead_letter_id"]
    headers = headers_dict(record.headers)
    assert headers["dlq_reason"] == "schema_invalid"
    assert trace_id_of(headers) == letter["trace_id"] == trace
