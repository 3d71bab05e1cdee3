"""Reading dead letters back (``khabar dlq list``) and replaying them (``khabar dlq replay``).

A replay re-publishes the original payload, unchanged, with its original key, to the topic it
belonged in — only when it is now within limits (size, and its topic contract when it names one):
a message that still fails goes nowhere and is reported. Every decision is appended to
``<home>/dlq/replays.jsonl`` and logged; a letter already replayed is skipped unless ``again``.
Replays are harmless downstream: article_id keys and external versions make them overwrites.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pipelines.config import Settings
from pipelines.kafka.clients import (
    JSON_CONTENT_TYPE,
    make_producer,
    message_headers,
    read_at,
    read_topic,
    record_size,
)
from pipelines.kafka.contracts import is_known, schema_errors
from pipelines.kafka.dlq import read_spooled
from pipelines.kafka.messages import DeadLetter, TopicPosition, payload_bytes
from pipelines.model import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Listed:
    """A dead letter and where it sits in the DLQ topic."""

    letter: DeadLetter
    position: TopicPosition


def ledger_path(settings: Settings) -> Path:
    return settings.home / "dlq" / "replays.jsonl"


def list_dead_letters(
    settings: Settings,
    *,
    stage: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    reason: str | None = None,
) -> Iterator[Listed]:
    """Dead letters oldest first (by DLQ offset), filtered; unreadable records are logged and skipped."""
    count = 0
    for record in read_topic(settings, settings.topic_dlq, since=since, role="dlq-reader"):
        position = TopicPosition(topic=record.topic, partition=record.partition, offset=record.offset)
        try:
            letter = DeadLetter.from_message(json.loads(record.value))
        except ValueError as exc:
            log.warning("unreadable dead letter", extra={"offset": record.offset, "error": str(exc)[:300]})
            continue
        if stage and letter.stage != stage:
            continue
        if reason and letter.reason != reason:
            continue
        yield Listed(letter, position)
        count += 1
        if limit is not None and count >= limit:
            return


@dataclass(frozen=True)
class ReplayResult:
    dead_letter_id: str
    dlq_offset: int
    stage: str
    reason: str
    target_topic: str | None
    action: Literal["replayed", "would_replay", "skipped"]
    detail: str = ""
    partition: int | None = None
    offset: int | None = None


def _already_replayed(settings: Settings) -> set[str]:
    path = ledger_path(settings)
    if not path.is_file():
        return set()
    done = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("action") == "replayed":
            done.add(entry["dead_letter_id"])
    return done


def _payload(settings: Settings, letter: DeadLetter) -> tuple[bytes | None, str]:
    """The original payload bytes, or None with why not."""
    inline = payload_bytes(letter)
    if inline is not None:
        return inline, ""
    ref = letter.payload_ref
    if ref is None:
        return None, "no payload kept"
    if ref.location.startswith("file://"):
        raw = read_spooled(ref.location)
        return (raw, "") if raw is not None else (None, f"payload file not on this machine: {ref.location}")
    if ref.location.startswith("kafka://"):
        topic, partition, offset = ref.location.removeprefix("kafka://").rsplit("/", 2)
        record = read_at(settings, topic, int(partition), int(offset))
        if record is None:
            return None, f"payload no longer in {ref.location} (retention)"
        return record.value, ""
    return None, f"unknown payload location {ref.location}"


def _check(settings: Settings, raw: bytes, key: bytes | None) -> tuple[str, Any]:
    """('' , schema name or None) when the payload may be replayed, else (why not, None)."""
    if record_size(key, raw, []) > settings.kafka_max_message_bytes - 1024:
        return f"still too large: {len(raw)} bytes > {settings.kafka_max_message_bytes}", None
    try:
        value = json.loads(raw)
    except ValueError:
        return "", None  # not JSON: no contract to check, sent as it came
    name = value.get("schema") if isinstance(value, dict) else None
    if isinstance(name, str) and is_known(name):
        errors = schema_errors(name, value)
        if errors:
            return f"still invalid against {name}: {'; '.join(errors)[:500]}", None
        return "", (name, str(value.get("schema_version", "")))
    return "", None


def replay(
    settings: Settings,
    *,
    stage: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    reason: str | None = None,
    dry_run: bool = False,
    again: bool = False,
) -> list[ReplayResult]:
    """Re-publish matching dead letters' payloads to their topics; returns what was done to each."""
    done = set() if again else _already_replayed(settings)
    results: list[ReplayResult] = []
    producer = None if dry_run else make_producer(settings, "dlq-replay")
    try:
        for item in list_dead_letters(settings, stage=stage, since=since, limit=limit, reason=reason):
            results.append(_replay_one(settings, item, producer, done))
        if producer is not None:
            producer.flush()
    finally:
        if producer is not None:
            producer.close()
    if not dry_run:
        _record(settings, results)
    return results


def _replay_one(settings: Settings, item: Listed, producer: Any, done: set[str]) -> ReplayResult:
    letter = item.letter
    target = letter.target_topic or (letter.origin.topic if letter.origin else None)

    def result(action: Any, detail: str = "", **kw: Any) -> ReplayResult:
        return ReplayResult(
            letter.dead_letter_id,
            item.position.offset,
            letter.stage,
            letter.reason,
            target,
            action,
            detail,
            **kw,
        )

    if letter.dead_letter_id in done:
        return result("skipped", "already replayed (see replays.jsonl; --again to repeat)")
    if target is None:
        return result("skipped", "no topic to replay into (the stage re-runs it, e.g. the next scrape)")
    raw, why = _payload(settings, letter)
    if raw is None:
        return result("skipped", why)
    key_text = letter.key or letter.article_id
    key = key_text.encode("utf-8") if key_text else None
    why, contract = _check(settings, raw, key)
    if why:
        return result("skipped", why)
    if producer is None:
        return result("would_replay")
    if contract:
        # The same ce_id as the original would have had: a consumer sees a duplicate, not news.
        headers = message_headers(
            contract[0],
            contract[1],
            source_id=letter.source_id,
            trace_id=letter.trace_id,
            value=json.loads(raw),
            key=key_text,
        )
    else:
        headers = [("content-type", JSON_CONTENT_TYPE.encode())]
    headers.append(("replayed_from", letter.dead_letter_id.encode()))
    try:
        meta = producer.send(target, key=key, value=raw, headers=headers).get(timeout=130)
    except Exception as exc:
        return result("skipped", f"send failed: {type(exc).__name__}: {exc}")
    log.info(
        "dead letter replayed",
        extra={"dead_letter_id": letter.dead_letter_id, "topic": target, "offset": meta.offset},
    )
    return result("replayed", partition=meta.partition, offset=meta.offset)


def _record(settings: Settings, results: list[ReplayResult]) -> None:
    path = ledger_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    at = utcnow().isoformat()
    with path.open("a", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps({"at": at, **asdict(r)}, ensure_ascii=False) + "\n")
