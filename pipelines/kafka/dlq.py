"""Dead letters: every stage sends what it could not handle to ``news.dlq.v1`` through
:class:`DeadLetterWriter`, with the original payload (inline, or by reference when too large),
the stage, error class, reason and where it came from. ``khabar dlq list|replay`` reads them back
(:mod:`pipelines.kafka.dlq_replay`).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import zstandard
from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata
from pydantic import BaseModel

from pipelines.config import Settings
from pipelines.errors import KhabarError
from pipelines.kafka.clients import encode_json, make_producer, message_headers, record_size
from pipelines.kafka.messages import (
    DLQ_SCHEMA,
    DLQ_SCHEMA_VERSION,
    DeadLetter,
    PayloadRef,
    TopicPosition,
    inline_payload,
)
from pipelines.model import ErrorRecord, Stage, utcnow

log = logging.getLogger(__name__)

# Room left in a DLQ message for the envelope (stage, reason, message, ids) around the payload.
_ENVELOPE_MARGIN = 16 * 1024


def spool_dir(settings: Settings) -> Path:
    """Where payloads too large for a message are kept (``file://`` references point here)."""
    return settings.home / "dlq" / "payloads"


def payload_as_bytes(payload: Any) -> bytes:
    """The payload as it would be (or was) published, for hashing, sizing and spooling."""
    if payload is None:
        return b""
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json", by_alias=True)
    return encode_json(payload)


def read_spooled(location: str) -> bytes | None:
    """The payload a ``file://`` reference points to, or None when it is not on this machine."""
    if not location.startswith("file://"):
        return None
    path = Path(location.removeprefix("file://"))
    if not path.is_file():
        return None
    return zstandard.ZstdDecompressor().decompress(path.read_bytes())


class DeadLetterWriter:
    """Sends dead letters to ``settings.topic_dlq``; used by every stage (scrape, publish, indexer).

    ``send`` is asynchronous (returns the producer future; call ``flush`` before committing
    offsets or ending a run); ``write`` sends one and waits for the broker's acknowledgement.
    """

    def __init__(self, settings: Settings, *, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        self.topic = settings.topic_dlq
        self._owns_producer = producer is None
        self._producer = producer

    @property
    def producer(self) -> KafkaProducer:
        # Created on first send: building dead letters needs no broker.
        if self._producer is None:
            self._producer = make_producer(self.settings, "dlq")
        return self._producer

    # -- building -------------------------------------------------------------------------------
    def build(
        self,
        *,
        stage: Stage,
        error: BaseException | ErrorRecord,
        payload: Any = None,
        target_topic: str | None = None,
        key: str | None = None,
        source_id: str | None = None,
        article_id: str | None = None,
        url: str | None = None,
        origin: TopicPosition | None = None,
        attempts: int = 1,
        first_failed_at: datetime | None = None,
        trace_id: str | None = None,
        by_reference: bool = False,
    ) -> DeadLetter:
        """A dead letter for ``payload`` that failed at ``stage``; too-large payloads (or any, with
        ``by_reference``) go by reference."""
        if isinstance(error, ErrorRecord):
            error_class, reason, message = error.error_class, error.reason, error.message
            source_id = source_id or error.source_id
            url = url or error.url
        else:
            error_class = getattr(error, "error_class", None) or type(error).__name__
            reason = getattr(error, "reason", None) if isinstance(error, KhabarError) else None
            reason = reason or snake_case(type(error).__name__)
            message = str(error) or type(error).__name__
        now = utcnow()
        fmt, value = inline_payload(payload)
        ref = None
        raw = payload_as_bytes(payload)
        too_large = len(raw) > self.settings.kafka_max_message_bytes - _ENVELOPE_MARGIN
        if payload is not None and (too_large or by_reference):
            ref = self._reference(raw, origin)
            fmt, value = "ref", None
        return DeadLetter(
            stage=stage,
            error_class=error_class,
            reason=str(reason),
            message=message[:2000],
            attempts=attempts,
            first_failed_at=first_failed_at or now,
            last_failed_at=now,
            source_id=source_id,
            article_id=article_id,
            url=url,
            key=key,
            target_topic=target_topic,
            origin=origin,
            payload_format=fmt,
            payload=value,
            payload_ref=ref,
            trace_id=trace_id,
        )

    def _reference(self, raw: bytes, origin: TopicPosition | None) -> PayloadRef:
        digest = hashlib.sha256(raw).hexdigest()
        if origin is not None:
            # It is still in its topic (until retention removes it): point there, copy nothing.
            location = f"kafka://{origin.topic}/{origin.partition}/{origin.offset}"
        else:
            directory = spool_dir(self.settings)
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{digest}.json.zst"
            if not path.exists():
                path.write_bytes(zstandard.ZstdCompressor(level=10).compress(raw))
            location = path.resolve().as_uri()
        return PayloadRef(sha256=digest, size=len(raw), location=location)

    # -- sending --------------------------------------------------------------------------------
    def send(self, letter: DeadLetter) -> FutureRecordMetadata:
        message = letter.to_message()
        value = encode_json(message)
        key_text = letter.article_id or letter.key or letter.dead_letter_id
        key = key_text.encode("utf-8")
        headers = message_headers(
            DLQ_SCHEMA,
            DLQ_SCHEMA_VERSION,
            source_id=letter.source_id,
            trace_id=letter.trace_id,
            extra={"dlq_stage": letter.stage, "dlq_reason": letter.reason},
            value=message,
            producer=f"dlq:{letter.stage}",
            key=key_text,
        )
        if record_size(key, value, headers) > self.settings.kafka_max_message_bytes:
            # Only the free-text message can still be large here: keep the head of it.
            letter = letter.model_copy(update={"message": letter.message[:500]})
            value = encode_json(letter.to_message())
        log.warning(
            "dead letter",
            extra={
                "stage": letter.stage,
                "reason": letter.reason,
                "error_class": letter.error_class,
                "source_id": letter.source_id,
                "article_id": letter.article_id,
                "target_topic": letter.target_topic,
                "trace_id": letter.trace_id,
            },
        )
        return self.producer.send(self.topic, key=key, value=value, headers=headers)

    def write(self, letter: DeadLetter, timeout: float | None = None) -> TopicPosition:
        """Send one dead letter and wait until the broker has it; raises the send's error."""
        meta = self.send(letter).get(timeout=timeout or self.settings_delivery_timeout)
        return TopicPosition(topic=meta.topic, partition=meta.partition, offset=meta.offset)

    def dead_letter(self, **fields: Any) -> TopicPosition:
        """``build`` + ``write``: the one-liner a stage uses for a single failure."""
        return self.write(self.build(**fields))

    @property
    def settings_delivery_timeout(self) -> float:
        return self.producer.config.get("delivery_timeout_ms", 120_000) / 1000 + 5

    def flush(self, timeout: float | None = None) -> None:
        self.producer.flush(timeout=timeout)

    def close(self) -> None:
        if self._producer is None:
            return
        if self._owns_producer:
            self._producer.close()
        else:
            self._producer.flush()

    def __enter__(self) -> DeadLetterWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def snake_case(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
