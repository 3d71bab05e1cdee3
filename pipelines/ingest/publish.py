"""Publish stage: Articles to ``news.articles.v1`` (key = article_id), raw pages to ``news.pages.v1``
(key = page_id), and what cannot be published to ``news.dlq.v1`` with its reason.

Every send's outcome is read from its future after a flush: ``published`` (the broker acknowledged
it with acks=all), ``dead_lettered`` (invalid or oversized: the dead letter was acknowledged),
``skipped`` (a 304 page with no body) or ``failed`` (the broker could not be reached within the
producer's delivery timeout, or refused it): nothing is dropped silently.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kafka import KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError
from kafka.producer.future import FutureRecordMetadata
from pydantic import ValidationError

from pipelines.config import Settings
from pipelines.errors import PublishError, SchemaError
from pipelines.kafka.clients import (
    encode_json,
    make_producer,
    message_headers,
    new_trace_id,
    read_topic,
    record_size,
)
from pipelines.kafka.contracts import schema_errors
from pipelines.kafka.dlq import DeadLetterWriter, snake_case
from pipelines.kafka.messages import PAGES_SCHEMA, PAGES_SCHEMA_VERSION, PageMessage
from pipelines.model import ARTICLE_SCHEMA, ARTICLE_SCHEMA_VERSION, Article, RawPage

__all__ = ["DeadLetterWriter", "PublishOutcome", "Publisher", "publish_articles"]

log = logging.getLogger(__name__)

Status = Literal["published", "dead_lettered", "skipped", "failed"]
_TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError)


@dataclass(frozen=True)
class PublishOutcome:
    """What happened to one article or page."""

    topic: str  # the topic it was meant for
    key: str
    status: Status
    partition: int | None = None  # where it landed (the DLQ's partition when dead-lettered)
    offset: int | None = None
    reason: str | None = None
    error_class: str | None = None
    article_id: str | None = None
    source_id: str | None = None
    trace_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("published", "dead_lettered", "skipped")


@dataclass
class _Pending:
    """A send whose outcome is not known yet, with what is needed to dead-letter it later."""

    topic: str
    key: str
    future: FutureRecordMetadata | None
    payload: Any
    source_id: str | None
    article_id: str | None
    url: str | None
    trace_id: str
    value: bytes | None = None  # what was sent (kept to re-send after a producer failure)
    headers: list[tuple[str, bytes]] | None = None
    dead_letter: bool = False  # the future is the DLQ send
    error: Exception | None = None  # why it was dead-lettered
    by_reference: bool = False
    reason: str | None = None
    error_class: str | None = None
    done: PublishOutcome | None = None


class Publisher:
    """Sends articles and pages asynchronously; :meth:`results` flushes and returns the outcomes."""

    def __init__(self, settings: Settings, *, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        self._owns_producer = producer is None
        self.producer = producer or make_producer(settings, "publisher")
        self.dlq = DeadLetterWriter(settings, producer=self.producer)
        self._pending: list[_Pending] = []

    # -- articles -------------------------------------------------------------------------------
    def send_article(self, article: Article | Mapping[str, Any], *, trace_id: str | None = None) -> None:
        trace_id = trace_id or new_trace_id()
        topic = self.settings.topic_articles
        raw = article.to_message() if isinstance(article, Article) else dict(article)
        article_id = raw.get("article_id") if isinstance(raw.get("article_id"), str) else None
        source_id = raw.get("source_id") if isinstance(raw.get("source_id"), str) else None
        url = raw.get("canonical_url") or raw.get("url")
        pending = _Pending(topic, article_id or "", None, raw, source_id, article_id, url, trace_id)
        self._pending.append(pending)
        try:
            value = Article.model_validate(raw).to_message() if not isinstance(article, Article) else raw
        except ValidationError as exc:
            self._dead_letter(pending, SchemaError(_short(exc), reason="schema_invalid"))
            return
        self._check_and_send(pending, ARTICLE_SCHEMA, ARTICLE_SCHEMA_VERSION, value, key=article_id)

    # -- pages ----------------------------------------------------------------------------------
    def send_page(self, page: RawPage, *, trace_id: str | None = None) -> None:
        trace_id = trace_id or new_trace_id()
        topic = self.settings.topic_pages
        if page.not_modified or not (page.body or page.text):
            # A 304 has no body: under compaction it would replace the last good copy of the page.
            self._pending.append(
                _Pending(topic, "", None, None, page.source_id, None, page.url, trace_id, reason="no_body")
            )
            return
        message = PageMessage.from_raw_page(page)
        value = message.to_message()
        pending = _Pending(topic, message.page_id, None, value, page.source_id, None, page.url, trace_id)
        self._pending.append(pending)
        self._check_and_send(pending, PAGES_SCHEMA, PAGES_SCHEMA_VERSION, value, key=message.page_id)

    # -- plumbing -------------------------------------------------------------------------------
    def _check_and_send(
        self, pending: _Pending, schema: str, version: str, value: dict[str, Any], *, key: str | None
    ) -> None:
        """Dead-letter ``value`` if it breaks its topic's contract, else send it with the event headers."""
        errors = schema_errors(schema, value)
        if errors:
            self._dead_letter(pending, SchemaError("; ".join(errors)[:2000], reason="schema_invalid"))
            return
        headers = message_headers(
            schema, version, source_id=pending.source_id, trace_id=pending.trace_id, value=value, key=key
        )
        self._send(pending, encode_json(value), headers)

    def _send(self, pending: _Pending, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        key = pending.key.encode("utf-8")
        size = record_size(key, value, headers)
        if size > self.settings.kafka_max_message_bytes:
            error = PublishError(
                f"message is {size} bytes, over the {self.settings.kafka_max_message_bytes}-byte limit",
                reason="message_too_large",
            )
            self._dead_letter(pending, error)
            return
        pending.value, pending.headers, pending.payload = value, headers, None
        try:
            pending.future = self.producer.send(pending.topic, key=key, value=value, headers=headers)
        except _TOO_LARGE as exc:
            self._dead_letter(pending, PublishError(str(exc), reason="message_too_large"))
        except KafkaError as exc:  # e.g. no metadata within max_block_ms: the broker is unreachable
            pending.done = self._outcome(
                pending, "failed", reason=_reason(exc), error_class=type(exc).__name__
            )

    def _dead_letter(self, pending: _Pending, error: Exception, *, by_reference: bool = False) -> None:
        pending.error, pending.by_reference = error, by_reference
        letter = self.dlq.build(
            by_reference=by_reference,
            stage="publish",
            error=error,
            payload=pending.payload if pending.payload is not None else json.loads(pending.value or b"null"),
            target_topic=pending.topic,
            key=pending.key or None,
            source_id=pending.source_id,
            article_id=pending.article_id,
            url=pending.url,
            trace_id=pending.trace_id,
        )
        pending.dead_letter = True
        pending.reason = letter.reason
        pending.error_class = letter.error_class
        try:
            pending.future = self.dlq.send(letter)
        except KafkaError as exc:
            pending.done = self._outcome(
                pending, "failed", reason=_reason(exc), error_class=type(exc).__name__
            )

    def _outcome(self, p: _Pending, status: Status, **fields: Any) -> PublishOutcome:
        base: dict[str, Any] = {
            "topic": p.topic,
            "key": p.key,
            "status": status,
            "article_id": p.article_id,
            "source_id": p.source_id,
            "trace_id": p.trace_id,
        }
        return PublishOutcome(**(base | fields))

    def results(self) -> list[PublishOutcome]:
        """Flush, wait for every send, dead-letter what the broker refused as too large; outcomes in
        the order things were sent."""
        self.producer.flush()
        timeout = self.producer.config["delivery_timeout_ms"] / 1000 + 5
        refused = [p for p in self._pending if not p.dead_letter and _refused(p.future, timeout)]
        if refused:
            self._retry_alone(refused, timeout)
        # A DLQ topic with a lower limit than ours refuses an inline payload: send it by reference.
        dlq_refused = [p for p in self._pending if p.dead_letter and _refused(p.future, timeout)]
        if dlq_refused:
            self._replace_producer()
            for p in dlq_refused:
                self._dead_letter(
                    p, p.error or PublishError("refused", reason="message_too_large"), by_reference=True
                )
            self.producer.flush()
        outcomes = [self._resolve(p, timeout) for p in self._pending]
        self._pending = []
        counts = Counter(o.status for o in outcomes)
        log.info("published", extra={"counts": dict(counts), "topic": self.settings.topic_articles})
        return outcomes

    def _retry_alone(self, refused: list[_Pending], timeout: float) -> None:
        """The broker refused records as too large (its topic limit is below ours: see ``khabar
        topics describe``). kafka-python 3.0.12's idempotent producer then turns fatal and fails every
        later batch with the same error, so each refused record is re-sent alone on a fresh producer:
        one refused alone really is too large and goes to the DLQ by reference; the rest are published.
        """
        log.warning(
            "broker refused records as too large; re-sending one by one", extra={"count": len(refused)}
        )
        self._replace_producer()
        refused = self._not_stored(refused)
        for p in refused:
            p.future = self.producer.send(p.topic, key=p.key.encode(), value=p.value, headers=p.headers)
            self.producer.flush()
            if _refused(p.future, timeout):
                self._replace_producer()
                error = PublishError(
                    f"the broker refused {len(p.value or b'')} bytes for {p.topic} as too large",
                    reason="message_too_large",
                )
                self._dead_letter(p, error, by_reference=True)
                self.producer.flush()
                if _refused(p.future, timeout):
                    self._replace_producer()

    def _not_stored(self, refused: list[_Pending]) -> list[_Pending]:
        """``refused`` without the records the broker did store. A produce request carries batches
        for several partitions: the broker can write one and refuse another, and the fatal
        producer then reports every batch of the request as refused. Re-sending those would write
        them twice, so the tail of the topic is read first (key, value and trace headers equal)."""
        wanted = {(p.topic, p.key.encode(), p.value, tuple(p.headers or ())): p for p in refused}
        window = max(1000, 2 * len(self._pending))  # other publishers may write meanwhile
        for topic in {p.topic for p in refused}:
            for record in read_topic(self.settings, topic, last=window, role="publisher-check"):
                found = wanted.pop((topic, record.key, record.value, tuple(record.headers or ())), None)
                if found is not None:
                    found.done = self._outcome(
                        found, "published", partition=record.partition, offset=record.offset
                    )
        log.info("refused records already stored", extra={"count": len(refused) - len(wanted)})
        return [p for p in refused if p.done is None]

    def _replace_producer(self) -> None:
        old = self.producer
        with contextlib.suppress(Exception):
            if self._owns_producer:
                old.close(timeout=5)
        if not self._owns_producer:
            log.warning("the caller's producer is unusable after a broker refusal; using a new one")
        self.producer = make_producer(self.settings, "publisher")
        self._owns_producer = True
        self.dlq = DeadLetterWriter(self.settings, producer=self.producer)

    def _resolve(self, p: _Pending, timeout: float) -> PublishOutcome:
        if p.done is not None:
            return p.done
        if p.future is None:
            return self._outcome(p, "skipped", reason=p.reason)
        _wait(p.future, timeout)
        if p.future.succeeded():
            meta = p.future.value
            status: Status = "dead_lettered" if p.dead_letter else "published"
            return self._outcome(
                p,
                status,
                partition=meta.partition,
                offset=meta.offset,
                reason=p.reason,
                error_class=p.error_class,
            )
        exc = p.future.exception
        log.error(
            "publish failed",
            extra={"topic": p.topic, "key": p.key, "error": repr(exc), "trace_id": p.trace_id},
        )
        return self._outcome(p, "failed", reason=_reason(exc), error_class=type(exc).__name__)

    def close(self) -> None:
        if self._owns_producer:
            self.producer.close()  # flushes first
        else:
            self.producer.flush()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def publish_articles(
    articles: Iterable[Article | Mapping[str, Any]],
    settings: Settings,
    *,
    pages: Iterable[RawPage] | None = None,
    producer: KafkaProducer | None = None,
    traces: Mapping[str, str] | None = None,
) -> list[PublishOutcome]:
    """Publish articles (and their raw pages) and return one outcome per item, articles first.

    Invalid articles (failing news.articles.v1) and messages over ``kafka_max_message_bytes`` go
    to the DLQ with their reason. ``traces`` (article_id -> trace id, from the scrape) carries each
    article's trace on; without one an article starts a new trace. A page shares the trace id of
    the article with the same URL.
    """
    known = traces or {}
    by_url: dict[str, str] = {}
    with Publisher(settings, producer=producer) as publisher:
        for article in articles:
            article_id = article.article_id if isinstance(article, Article) else article.get("article_id")
            trace_id = known.get(article_id) if isinstance(article_id, str) else None
            trace_id = trace_id or new_trace_id()
            if isinstance(article, Article):
                by_url[article.url] = by_url[article.canonical_url] = trace_id
            publisher.send_article(article, trace_id=trace_id)
        for page in pages or ():
            publisher.send_page(page, trace_id=by_url.get(page.url) or by_url.get(page.final_url))
        return publisher.results()


def _refused(future: FutureRecordMetadata | None, timeout: float) -> bool:
    """Did the broker (or client) refuse this send as too large?"""
    if future is None:
        return False
    _wait(future, timeout)
    return future.failed() and isinstance(future.exception, _TOO_LARGE)


def _wait(future: FutureRecordMetadata, timeout: float) -> None:
    # The outcome is read from the future itself (succeeded/exception) afterwards.
    with contextlib.suppress(Exception):
        future.get(timeout=timeout)


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown"
    if isinstance(exc, KafkaError):
        return snake_case(type(exc).__name__.removesuffix("Error")) or "kafka_error"
    return getattr(exc, "reason", None) or type(exc).__name__


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())[:2000]
