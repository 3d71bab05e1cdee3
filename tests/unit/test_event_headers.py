"""The standard headers every message carries: CloudEvents binary mode, W3C traceparent, and
khabar's own (kept for existing readers). Broker-free; the consumed-record checks are in
tests/integration/test_event_headers.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from article_factory import article_headers, make_article, make_page
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from pipelines.config import Settings
from pipelines.errors import SchemaError
from pipelines.kafka.clients import encode_json, headers_dict, message_headers
from pipelines.kafka.dlq import DeadLetterWriter
from pipelines.kafka.events import identity, trace_id_of, traceparent
from pipelines.kafka.messages import PageMessage
from pipelines.model import ARTICLE_SCHEMA, ARTICLE_SCHEMA_VERSION


def _article_headers(article, trace_id: str = "ab" * 16) -> dict[str, str]:
    return article_headers(article, trace_id)


def test_article_headers_carry_cloudevents_traceparent_and_the_old_ones() -> None:
    article = make_article(1)
    headers = _article_headers(article)
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == f"news.articles.v1:{ARTICLE_SCHEMA_VERSION}"
    assert headers["ce_source"] == "urn:khabar:ingest:test-source"
    assert headers["ce_id"] == f"{article.article_id}-{article.version}"
    assert headers["ce_time"] == "2026-11-02T09:01:00.000Z"  # the article version's time (fetched_at)
    assert headers["ce_subject"] == article.article_id
    assert headers["ce_dataschema"] == "urn:khabar:schema:news.articles.v1"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["traceparent"].startswith(f"00-{'ab' * 16}-") and headers["traceparent"].endswith("-01")
    # The headers readers had before: unchanged.
    assert headers["schema"] == "news.articles.v1"
    assert headers["schema_version"] == ARTICLE_SCHEMA_VERSION
    assert headers["trace_id"] == "ab" * 16
    assert headers["source_id"] == "test-source"


def test_ce_id_names_one_article_version() -> None:
    article = make_article(2)
    again = _article_headers(article, trace_id="cd" * 16)
    first = _article_headers(article)
    assert first["ce_id"] == again["ce_id"]  # a duplicate is recognisable...
    assert first["traceparent"] != again["traceparent"]  # ...though each produce is its own span
    updated = article.model_copy(update={"updated_at": article.fetched_at + timedelta(hours=1)})
    assert _article_headers(updated)["ce_id"] != first["ce_id"]  # a new version is a new event
    assert _article_headers(make_article(3))["ce_id"] != first["ce_id"]


def test_page_and_dead_letter_ids_come_from_the_message() -> None:
    page = PageMessage.from_raw_page(make_page(make_article(4))).to_message()
    ce_id, ce_time = identity("news.pages.v1", page)
    assert ce_id.startswith(page["page_id"] + "-")
    assert ce_time == "2026-11-02T09:04:00.000Z"
    message = {"dead_letter_id": "f" * 32, "last_failed_at": "2026-11-02T10:00:00+00:00"}
    assert identity("news.dlq.v1", message) == ("f" * 32, "2026-11-02T10:00:00.000Z")
    # Anything else: a hash of the value, so equal values share an id.
    assert identity("other", {"a": 1})[0] == identity("other", {"a": 1})[0] != identity("other", {"a": 2})[0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"traceparent": f"00-{'1' * 32}-{'2' * 16}-01"}, "1" * 32),
        ({"traceparent": f"00-{'1' * 32}-{'2' * 16}-01", "trace_id": "9" * 32}, "1" * 32),
        ({"trace_id": "9" * 32}, "9" * 32),  # a message from before traceparent
        ({"traceparent": "garbage", "trace_id": "9" * 32}, "9" * 32),
        ({"traceparent": f"00-{'0' * 32}-{'2' * 16}-01"}, None),  # all-zero trace id is invalid
        ({}, None),
    ],
)
def test_trace_id_is_read_from_traceparent_first(headers: dict[str, str], expected: str | None) -> None:
    assert trace_id_of(headers) == expected


def test_traceparent_is_a_new_span_of_the_same_trace() -> None:
    a, b = traceparent("3" * 32), traceparent("3" * 32)
    assert a and b
    assert a.split("-")[1] == b.split("-")[1] == "3" * 32
    assert a.split("-")[2] != b.split("-")[2]
    assert traceparent("abc123") is None and traceparent("0" * 32) is None  # not W3C trace ids


def test_the_cloudevents_sdk_reads_the_headers_as_an_event() -> None:
    article = make_article(5)
    value = article.to_message()
    raw = message_headers(
        ARTICLE_SCHEMA, ARTICLE_SCHEMA_VERSION, source_id="test-source", value=value, key=article.article_id
    )
    event = from_binary_event(
        KafkaMessage(headers=dict(raw), key=article.article_id.encode(), value=encode_json(value))
    )
    assert event.get_type() == f"news.articles.v1:{ARTICLE_SCHEMA_VERSION}"
    assert event.get_id() == f"{article.article_id}-{article.version}"
    assert event.get_time() == datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
    assert event.get_data() == value


def test_dead_letter_headers(tmp_path) -> None:
    writer = DeadLetterWriter(Settings(home=tmp_path))
    letter = writer.build(
        stage="validate", error=SchemaError("bad", reason="schema_invalid"), payload={"x": 1}
    )
    value = letter.to_message()
    headers = headers_dict(
        message_headers(
            "news.dlq.v1", "1.0.0", trace_id=None, value=value, producer=f"dlq:{letter.stage}", key="k"
        )
    )
    assert headers["ce_id"] == letter.dead_letter_id
    assert headers["ce_source"] == "urn:khabar:dlq:validate"
    assert headers["ce_type"] == "news.dlq.v1:1.0.0"
    assert trace_id_of(headers) == headers["trace_id"]  # a trace is started when none is given
