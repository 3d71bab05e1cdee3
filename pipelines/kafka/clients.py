"""The one place kafka-python clients are configured from :class:`~pipelines.config.Settings`.

Every producer, consumer and admin client in khabar (publisher, dead-letter writer, indexer,
``khabar tail``/``dlq``/``topics``) is built here, so the bootstrap servers, security protocol,
SASL credentials and client ids are read in one way, and the producer's delivery guarantees
(acks=all, idempotence, compression, batching) are the same everywhere.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.consumer.fetcher import ConsumerRecord
from kafka.record.default_records import DefaultRecordBatchBuilder

from pipelines.config import Settings
from pipelines.kafka import events
from pipelines.profile import split_hosts

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Header names every khabar message carries (values are UTF-8 bytes).
H_SCHEMA = "schema"
H_SCHEMA_VERSION = "schema_version"
H_CONTENT_TYPE = "content-type"
H_SOURCE_ID = "source_id"
H_TRACE_ID = "trace_id"

#: khabar's producer settings (kafka-python 3.x names). Idempotence is on: kafka-python 3.x
#: implements the idempotent producer (KIP-98/KIP-679; on by default since 3.0, set explicitly
#: here so a conflicting override raises instead of silently turning it off).
PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "max_in_flight_requests_per_connection": 5,  # idempotence keeps order per partition up to 5
    "compression_type": "zstd",  # python-zstandard: no system library needed
    "linger_ms": 20,  # a scrape publishes in bursts: wait 20 ms to fill batches
    "batch_size": 256 * 1024,
    "delivery_timeout_ms": 120_000,  # retries (infinite) stop after 2 minutes: then the send fails
    "request_timeout_ms": 30_000,
    "retry_backoff_ms": 200,
    "reconnect_backoff_ms": 100,
    "reconnect_backoff_max_ms": 5_000,  # find a restarted broker within seconds
    "max_block_ms": 60_000,
}

CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable_auto_commit": False,  # consumers commit after they have done the work
    "auto_offset_reset": "earliest",
    "isolation_level": "read_committed",
    "allow_auto_create_topics": False,  # a typo in a topic name must not create a topic
    "reconnect_backoff_max_ms": 5_000,
}


def client_id(role: str) -> str:
    """``khabar-<role>-<host>-<pid>``: tells the broker logs (and quotas) which process this is."""
    return f"khabar-{role}-{socket.gethostname()}-{os.getpid()}"


def common_config(settings: Settings, role: str) -> dict[str, Any]:
    """Connection settings shared by every client: bootstrap, security, SASL (PLAIN or SCRAM: the
    same username/password options in kafka-python), TLS files, client id."""
    config: dict[str, Any] = {
        "bootstrap_servers": split_hosts(settings.kafka_bootstrap),
        "client_id": client_id(role),
        "security_protocol": settings.kafka_security_protocol or "PLAINTEXT",
        # A broker that is down is reported within seconds, not after kafka-python's 30 s.
        "bootstrap_timeout_ms": int(settings.kafka_bootstrap_timeout * 1000),
    }
    if settings.kafka_sasl_mechanism:
        config["sasl_mechanism"] = settings.kafka_sasl_mechanism
        config["sasl_plain_username"] = settings.kafka_username
        config["sasl_plain_password"] = settings.secret("kafka_password")
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        if getattr(settings, f"kafka_{name}"):
            config[name] = getattr(settings, f"kafka_{name}")
    return config


def producer_config(settings: Settings, role: str = "producer", **overrides: Any) -> dict[str, Any]:
    config = common_config(settings, role) | PRODUCER_DEFAULTS
    # The client refuses records larger than this before sending; topics accept the same size.
    config["max_request_size"] = settings.kafka_max_message_bytes
    return config | overrides


def consumer_config(
    settings: Settings, role: str = "consumer", *, group_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    config = common_config(settings, role) | CONSUMER_DEFAULTS
    config["group_id"] = group_id
    # A partition fetch must hold at least one message of the largest allowed size.
    config["max_partition_fetch_bytes"] = max(1024 * 1024, settings.kafka_max_message_bytes + 64 * 1024)
    return config | overrides


def make_producer(settings: Settings, role: str = "producer", **overrides: Any) -> KafkaProducer:
    """A producer with khabar's delivery settings; values and keys are bytes (see :func:`encode_json`)."""
    return KafkaProducer(**producer_config(settings, role, **overrides))


def make_consumer(
    settings: Settings,
    *topics: str,
    role: str = "consumer",
    group_id: str | None = None,
    **overrides: Any,
) -> KafkaConsumer:
    """A consumer (subscribed to ``topics`` if given); values and keys are raw bytes."""
    return KafkaConsumer(*topics, **consumer_config(settings, role, group_id=group_id, **overrides))


def make_admin(settings: Settings, role: str = "admin", **overrides: Any) -> KafkaAdminClient:
    return KafkaAdminClient(**(common_config(settings, role) | {"request_timeout_ms": 30_000} | overrides))


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON (Arabic as UTF-8, not \\u escapes: a third of the size)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_json(raw: bytes | None) -> Any:
    return None if raw is None else json.loads(raw.decode("utf-8"))


def new_trace_id() -> str:
    """A W3C-trace-context-sized id (32 hex) that follows one item through the stages."""
    return events.new_trace_id()


def message_headers(
    schema: str,
    schema_version: str,
    *,
    source_id: str | None = None,
    trace_id: str | None = None,
    extra: Mapping[str, str] | None = None,
    value: Mapping[str, Any] | None = None,
    producer: str = "ingest",
    key: str | None = None,
) -> list[tuple[str, bytes]]:
    """The headers every khabar message carries.

    khabar's own (``schema``, ``schema_version``, ``content-type``, ``source_id``, ``trace_id``,
    kept for existing readers), the CloudEvents binary-mode ``ce_*`` headers and a W3C
    ``traceparent`` (:mod:`pipelines.kafka.events`). ``value`` (the message) gives ``ce_id`` and
    ``ce_time``; ``producer`` and ``source_id`` give ``ce_source``; ``key`` is ``ce_subject``.
    """
    trace_id = trace_id or new_trace_id()
    event_id, event_time = events.identity(schema, value) if value is not None else (uuid.uuid4().hex, None)
    headers = {
        H_SCHEMA: schema,
        H_SCHEMA_VERSION: schema_version,
        H_CONTENT_TYPE: JSON_CONTENT_TYPE,
        H_TRACE_ID: trace_id,
    }
    if source_id:
        headers[H_SOURCE_ID] = source_id
    headers |= events.cloudevent_headers(
        schema,
        schema_version,
        event_id=event_id,
        source=events.event_source(producer, source_id if producer == "ingest" else None),
        time=event_time,
        subject=key,
    )
    parent = events.traceparent(trace_id)
    if parent:  # a caller's own trace id that is not W3C-shaped stays in trace_id only
        headers[events.H_TRACEPARENT] = parent
    headers.update(extra or {})
    return [(k, v.encode("utf-8")) for k, v in headers.items()]


def headers_dict(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    """Record headers as a dict of strings (last value wins; undecodable bytes shown escaped)."""
    return {k: (v or b"").decode("utf-8", errors="backslashreplace") for k, v in headers or []}


def record_size(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> int:
    """A record's size as the producer checks it against ``max_request_size`` (one-record batch)."""
    return DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)


def seek_to_time(consumer: KafkaConsumer, partitions: list[TopicPartition], since: datetime) -> None:
    """Position assigned ``partitions`` at the first message at or after ``since`` (end if none)."""
    stamps = consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
    for tp in partitions:
        found = stamps.get(tp)
        if found is None:
            consumer.seek_to_end(tp)
        else:
            consumer.seek(tp, found.offset)


def read_topic(
    settings: Settings,
    topic: str,
    *,
    since: datetime | None = None,
    last: int | None = None,
    role: str = "reader",
    poll_ms: int = 1000,
) -> Iterator[ConsumerRecord]:
    """Every record of ``topic`` from the beginning (or from ``since``, or only the ``last`` N of
    each partition) up to the end offsets as they were when reading began, then stop. No consumer
    group: nothing is committed."""
    consumer = make_consumer(settings, role=role)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return
        consumer.assign(partitions)
        end = consumer.end_offsets(partitions)
        if since is not None:
            seek_to_time(consumer, partitions, since)
        elif last is not None:
            begin = consumer.beginning_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, max(begin[tp], end[tp] - last))
        else:
            consumer.seek_to_beginning(*partitions)
        remaining = {tp for tp in partitions if consumer.position(tp) < end[tp]}
        while remaining:
            for tp, records in consumer.poll(timeout_ms=poll_ms).items():
                for record in records:
                    if record.offset < end[tp]:
                        yield record
            # Compaction and transaction markers leave gaps: the position, not the last record, says done.
            remaining = {tp for tp in remaining if consumer.position(tp) < end[tp]}
    finally:
        consumer.close()


def read_at(settings: Settings, topic: str, partition: int, offset: int) -> ConsumerRecord | None:
    """The record at one offset (None if retention or compaction removed it)."""
    consumer = make_consumer(settings, role="reader")
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        if consumer.end_offsets([tp])[tp] <= offset:
            return None
        consumer.seek(tp, offset)
        for _ in range(10):
            for record in consumer.poll(timeout_ms=1000).get(tp, []):
                if record.offset == offset:
                    return record
                if record.offset > offset:
                    return None
        return None
    finally:
        consumer.close()
