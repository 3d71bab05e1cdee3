"""The Kafka side of the indexer: decode and validate a record, notice rebalances, measure lag.

A record becomes either a :class:`Prepared` document (ready for ``_bulk``) or a
:class:`~pipelines.kafka.messages.DeadLetter` saying why not (not JSON, schema-invalid, enrichment failed,
too large). Nothing raised here stops the stream.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from pydantic import ValidationError

from pipelines.errors import IndexingError, KhabarError, SchemaError
from pipelines.indexer.bulk import BulkDoc
from pipelines.kafka.clients import headers_dict
from pipelines.kafka.contracts import schema_errors
from pipelines.kafka.dlq import DeadLetterWriter
from pipelines.kafka.events import trace_id_of
from pipelines.kafka.messages import DeadLetter, TopicPosition
from pipelines.model import ARTICLE_SCHEMA, Article, Stage

log = logging.getLogger(__name__)

ToDocument = Callable[[Article], dict[str, Any]]
#: A failed record's payload nested deeper than this is dead-lettered as its raw text.
MAX_PAYLOAD_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a record cannot be indexed: becomes a dead letter (built by the DLQ writer)."""

    stage: Stage
    error: KhabarError
    payload: Any
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Prepared:
    """One consumed record, decoded: a document to index, or why it cannot be indexed."""

    tp: TopicPartition
    offset: int
    doc: BulkDoc | None = None
    failure: Failure | None = None
    value: Any = None  # the decoded message, kept to dead-letter it if Elasticsearch rejects it
    key: str | None = None
    trace_id: str | None = None
    timestamp: float | None = None  # the record's Kafka timestamp, seconds since the epoch (freshness)

    def rejected(self, reason: str, message: str) -> Prepared:
        """This record again, now failed because Elasticsearch refused its document."""
        error = IndexingError(message, reason=reason)
        return replace(self, doc=None, failure=Failure("index", error, self.value, _ids(self.value)))

    def dead_letter(self, writer: DeadLetterWriter) -> DeadLetter:
        assert self.failure is not None
        f = self.failure
        return writer.build(
            stage=f.stage,
            error=f.error,
            payload=f.payload,
            target_topic=self.tp.topic,
            key=self.key,
            origin=TopicPosition(topic=self.tp.topic, partition=self.tp.partition, offset=self.offset),
            trace_id=self.trace_id,
            **f.ids,
        )


def prepare(record: ConsumerRecord, to_document: ToDocument, *, max_doc_bytes: int) -> Prepared:
    """Decode, validate (JSON Schema, then the model), enrich and serialize one record.

    Never raises: whatever a record holds (100k-deep arrays, 5,000-digit numbers, odd headers)
    ends as a failure with its reason and the raw payload, so the stream goes on.
    """
    base = Prepared(TopicPartition(record.topic, record.partition), record.offset)
    try:
        base = replace(
            base,
            key=record.key.decode("utf-8", errors="backslashreplace") if record.key else None,
            trace_id=trace_id_of(headers_dict(record.headers)),
            timestamp=record.timestamp / 1000 if record.timestamp and record.timestamp > 0 else None,
        )
        return _prepare(base, record.value, to_document, max_doc_bytes=max_doc_bytes)
    except Exception as exc:
        log.warning("unreadable record", extra={"offset": record.offset, "error": type(exc).__name__})
        error = SchemaError(f"unreadable record: {type(exc).__name__}: {str(exc)[:500]}", reason="unreadable")
        payload = _raw_payload(record.value) if isinstance(record.value, bytes) else None
        return replace(base, failure=Failure("validate", error, payload))


def _prepare(base: Prepared, raw: Any, to_document: ToDocument, *, max_doc_bytes: int) -> Prepared:

    def reject(stage: Stage, error: KhabarError, payload: Any) -> Prepared:
        if _deeper_than(payload, MAX_PAYLOAD_DEPTH):  # the dead letter could not serialize it
            payload = _raw_payload(raw)
        return replace(base, failure=Failure(stage, error, payload, _ids(payload)))

    if raw is None:
        return reject("validate", SchemaError("record has no value (tombstone)", reason="empty_value"), None)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, too many digits
        message = f"not JSON: {type(exc).__name__}: {str(exc)[:500]}"
        return reject("validate", SchemaError(message, reason="not_json"), _raw_payload(raw))
    errors = schema_errors(ARTICLE_SCHEMA, value)
    if errors:
        return reject("validate", SchemaError("; ".join(errors[:10]), reason="schema_invalid"), value)
    try:
        article = Article.from_message(value)
    except ValidationError as exc:
        return reject("validate", SchemaError(str(exc)[:2000], reason="schema_invalid"), value)
    try:
        source = to_document(article)
    except Exception as exc:  # enrichment of one article must not stop the stream
        log.warning("enrichment failed", extra={"article_id": article.article_id, "error": repr(exc)})
        return reject("enrich", IndexingError(f"enrichment failed: {exc!r}", reason="enrich_failed"), value)
    doc = BulkDoc.build(article.article_id, article.version, source)
    if doc.size > max_doc_bytes:
        message = f"document is {doc.size} bytes, more than the {max_doc_bytes} allowed"
        return reject("index", IndexingError(message, reason="document_too_large"), value)
    return replace(base, doc=doc, value=value)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON ``value`` nests more than ``limit`` levels (walked without recursion)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            c for v in level if isinstance(v, dict | list) for c in (v.values() if isinstance(v, dict) else v)
        ]
        if not level:
            return False
    return True


def _ids(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for name in ("article_id", "source_id", "url"):
        if isinstance(value.get(name), str):
            out[name] = value[name]
    return out


def _raw_payload(raw: bytes) -> Any:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


class RebalanceFlag(ConsumerRebalanceListener):
    """Remembers that partitions were revoked, so the loop drops what it has not committed.

    The callbacks run inside ``consumer.poll``; the loop reads :meth:`take` after every poll.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revoked: set[TopicPartition] = set()
        self._happened = False
        self.assigned: set[TopicPartition] = set()

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        with self._lock:
            self._revoked |= set(revoked)
            self._happened = True
        log.info("partitions revoked", extra={"partitions": _names(revoked)})

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        with self._lock:
            self.assigned = set(assigned)
        log.info("partitions assigned", extra={"partitions": _names(assigned)})

    def take(self) -> set[TopicPartition] | None:
        """The partitions revoked since the last call, or None if no rebalance happened."""
        with self._lock:
            if not self._happened:
                return None
            revoked, self._revoked, self._happened = self._revoked, set(), False
            return revoked


def _names(partitions: Iterable[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}/{tp.partition}" for tp in partitions)


def topic_partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]


def partition_lag(
    consumer: KafkaConsumer,
    partitions: list[TopicPartition],
    *,
    local: dict[TopicPartition, int] | None = None,
) -> dict[TopicPartition, int]:
    """Messages not yet committed by the group, per partition (end offset - committed offset).

    ``local`` holds positions this process knows are done (nothing in memory), which count too:
    it lets a partition whose tail is a transaction marker read as caught up.
    """
    if not partitions:
        return {}
    ends = consumer.end_offsets(partitions)
    begins = consumer.beginning_offsets(partitions)
    lag = {}
    for tp in partitions:
        done = consumer.committed(tp)
        done = max(done if done is not None else begins.get(tp, 0), (local or {}).get(tp, -1))
        lag[tp] = max(0, ends.get(tp, 0) - done)
    return lag
