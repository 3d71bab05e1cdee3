"""Rebuild: extract every stored page again, without fetching, and republish what changed.

``news.pages.v1`` keeps each fetched page (raw bytes, zstd). :func:`rebuild` reads it with its own
consumer group (``khabar-rebuild``: committed offsets make a stopped rebuild resume where it was),
runs the current extractor with the source's current selectors and timezone, and publishes to
``news.articles.v1`` only the articles whose ``content_hash`` differs from the last one published
(read from that topic first). A republished article carries ``extracted_at`` = now, so its external
version is newer than the old one and Elasticsearch replaces it.

A page that cannot be decoded, is empty, or no longer yields an article becomes a dead letter with
its reason (the payload by reference to its place in the topic); the rebuild goes on. Offsets are
committed only after the batch's articles and dead letters are acknowledged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from pydantic import ValidationError

from pipelines.config import Settings
from pipelines.errors import KhabarError, PublishError
from pipelines.extract import extract_article
from pipelines.ingest.publish import Publisher
from pipelines.kafka.clients import decode_json, make_consumer, read_topic
from pipelines.kafka.messages import PageMessage, TopicPosition
from pipelines.model import utcnow
from pipelines.sources import SourceConfig

log = logging.getLogger(__name__)

REBUILD_GROUP = "khabar-rebuild"
BATCH = 200


@dataclass
class RebuildStats:
    pages: int = 0  # read from the topic
    republished: int = 0  # content changed: published again
    unchanged: int = 0  # same content hash as the last published article
    filtered: int = 0  # outside --source / --since / --until
    dead_lettered: int = 0
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "republished": self.republished,
            "unchanged": self.unchanged,
            "filtered": self.filtered,
            "dead_lettered": self.dead_lettered,
            "seconds": round(self.seconds, 3),
            "pages_per_second": round(self.pages_per_second, 1),
            "reasons": dict(self.reasons),
        }


Progress = Callable[[int, int, float], None]  # (pages done, pages to read, pages/s)


def published_hashes(settings: Settings) -> dict[str, str]:
    """article_id -> content_hash of the last article published for it on ``news.articles.v1``."""
    hashes: dict[str, str] = {}
    for record in read_topic(settings, settings.topic_articles, role="rebuild-hashes"):
        try:
            value = decode_json(record.value)
            hashes[str(value["article_id"])] = str(value["content_hash"])
        except (ValueError, KeyError, TypeError):
            continue  # not an article: the indexer dead-letters those, nothing to compare here
    return hashes


class _Rebuilder:
    def __init__(
        self,
        settings: Settings,
        publisher: Publisher,
        sources: Iterable[SourceConfig],
        *,
        source_ids: set[str] | None,
        since: datetime | None,
        until: datetime | None,
        hashes: dict[str, str],
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.sources = {s.id: s for s in sources}
        self.source_ids = source_ids
        self.since, self.until = since, until
        self.hashes = hashes
        self.stats = RebuildStats()
        self.started = utcnow()

    def _dead_letter(self, error: BaseException, origin: TopicPosition, **fields: object) -> None:
        letter = self.publisher.dlq.build(
            stage="extract",
            error=error,
            payload=None,  # the page stays in news.pages.v1: the letter points at it (origin)
            target_topic=self.settings.topic_articles,
            origin=origin,
            **fields,  # type: ignore[arg-type]
        )
        self.publisher.dlq.write(letter)
        self.stats.dead_lettered += 1
        self.stats.reasons[letter.reason] = self.stats.reasons.get(letter.reason, 0) + 1

    def handle(self, record: object) -> None:
        origin = TopicPosition(topic=record.topic, partition=record.partition, offset=record.offset)  # type: ignore[attr-defined]
        self.stats.pages += 1
        try:
            message = PageMessage.model_validate(decode_json(record.value))  # type: ignore[attr-defined]
            page = message.to_raw_page()
        except (ValueError, ValidationError, TypeError) as exc:  # zstd, base64, JSON and schema errors
            error = KhabarError(f"the stored page cannot be decoded: {exc}"[:500], reason="undecodable_page")
            self._dead_letter(error, origin, key=(record.key or b"").decode("utf-8", "replace") or None)  # type: ignore[attr-defined]
            return
        if (
            (self.source_ids and page.source_id not in self.source_ids)
            or (self.since and page.fetched_at < self.since)
            or (self.until and page.fetched_at >= self.until)
        ):
            self.stats.filtered += 1
            return
        source = self.sources.get(page.source_id)
        try:
            article = extract_article(
                page,
                source_id=page.source_id,
                selectors=source.selector_map if source else None,
                timezone=source.timezone if source else None,
            )
        except Exception as exc:  # extraction bugs included: one page never stops the rebuild
            if not isinstance(exc, KhabarError):
                log.exception("unexpected extraction error", extra={"url": page.url})
            self._dead_letter(exc, origin, source_id=page.source_id, url=page.url, key=message.page_id)
            return
        if self.hashes.get(article.article_id) == article.content_hash:
            self.stats.unchanged += 1
            return
        article = article.model_copy(update={"extracted_at": self.started})
        self.publisher.send_article(article)
        self.hashes[article.article_id] = article.content_hash
        self.stats.republished += 1


def rebuild(
    settings: Settings,
    sources: Iterable[SourceConfig],
    *,
    source_ids: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    group_id: str = REBUILD_GROUP,
    progress: Progress | None = None,
    poll_ms: int = 1000,
) -> RebuildStats:
    """Re-extract the pages of ``news.pages.v1`` up to its end as of now; see the module docstring."""
    started = time.perf_counter()
    hashes = published_hashes(settings)
    consumer = make_consumer(settings, role="rebuild", group_id=group_id)
    try:
        topic = settings.topic_pages
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        with Publisher(settings) as publisher:
            worker = _Rebuilder(
                settings,
                publisher,
                sources,
                source_ids=set(source_ids) if source_ids else None,
                since=since,
                until=until,
                hashes=hashes,
            )
            if not partitions:
                return worker.stats
            consumer.assign(partitions)
            end = consumer.end_offsets(partitions)
            for tp in partitions:  # resume where this group stopped, else from the beginning
                committed = consumer.committed(tp)
                if committed is None or committed < 0:  # never committed by this group
                    consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, committed)
            first = {tp: consumer.position(tp) for tp in partitions}
            total = sum(max(0, end[tp] - first[tp]) for tp in partitions)
            remaining = {tp for tp in partitions if consumer.position(tp) < end[tp]}
            done = 0
            while remaining:
                batch = consumer.poll(timeout_ms=poll_ms, max_records=BATCH)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset < end[tp]:
                            worker.handle(record)
                            done += 1
                _commit(consumer, publisher, partitions, end)
                remaining = {tp for tp in remaining if consumer.position(tp) < end[tp]}
                elapsed = time.perf_counter() - started
                if progress is not None:
                    progress(done, total, done / elapsed if elapsed else 0.0)
            stats = worker.stats
    finally:
        consumer.close()
    stats.seconds = time.perf_counter() - started
    log.info("rebuild done", extra=stats.as_dict())
    return stats


def _commit(
    consumer: KafkaConsumer, publisher: Publisher, partitions: list[TopicPartition], end: dict
) -> None:
    """Commit the positions read so far once everything sent for them is acknowledged."""
    failed = [o for o in publisher.results() if not o.ok]
    if failed:
        # nothing committed: a rerun resumes before these pages and sends them again
        raise PublishError(f"{len(failed)} articles could not be published: {failed[0].reason}")
    publisher.dlq.flush()
    positions = {tp: min(consumer.position(tp), end[tp]) for tp in partitions}
    consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in positions.items()})
