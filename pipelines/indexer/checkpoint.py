"""The indexer's place in Kafka: which offsets may be committed, committing them, and going back.

- offsets are committed (explicitly, per partition) only for a batch the sink has settled: every
  record acknowledged by Elasticsearch or by the DLQ topic; a failed commit is retried with the next;
- while Elasticsearch (or the DLQ) is unavailable, :meth:`Checkpoint.hold` pauses every partition
  and waits, still polling so the consumer keeps its place in the group;
- a rebalance or a stop in the middle of a batch: :meth:`Checkpoint.abandon` drops what is held and
  seeks back to its first offsets, so it is consumed again (here, or by the partition's new owner
  from the committed offset).
"""

from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from pipelines.indexer.batch import Batch, first_offsets, marker
from pipelines.indexer.bulk import Backoff
from pipelines.indexer.consume import Prepared, RebalanceFlag
from pipelines.indexer.metrics import IndexerMetrics
from pipelines.indexer.options import Progress, RunSummary

log = logging.getLogger(__name__)


class Abandon(Exception):  # noqa: N818 - control flow, not an error
    """The current batches cannot be finished (rebalance or shutdown): drop them uncommitted."""


class Checkpoint:
    """Offsets of one consumer: commit after the sink settles a batch, seek back when abandoning."""

    def __init__(
        self,
        rebalance: RebalanceFlag,
        stopping: threading.Event,
        metrics: IndexerMetrics,
        summary: RunSummary,
        progress: Progress,
    ) -> None:
        self.rebalance = rebalance
        self.stopping = stopping
        self.metrics = metrics
        self.summary = summary
        self.progress = progress
        self._consumer: KafkaConsumer | None = None
        self.uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}  # written, commit failed

    @property
    def consumer(self) -> KafkaConsumer:
        assert self._consumer is not None, "no consumer bound"
        return self._consumer

    def bind(self, consumer: KafkaConsumer) -> None:
        """Track ``consumer`` (a new one after a rejoin): failed commits of the old one are forgotten."""
        self._consumer = consumer
        self.uncommitted = {}

    def keep_assigned(self) -> None:
        """After a rebalance: only this member's partitions may still be committed here."""
        assigned = self.consumer.assignment()
        self.uncommitted = {tp: o for tp, o in self.uncommitted.items() if tp in assigned}

    def commit(self, batch: Batch) -> None:
        """Commit ``batch`` (settled: written or dead-lettered) and any earlier failed commit."""
        offsets = self.uncommitted | batch.offsets()
        if not offsets:
            return
        try:
            self.consumer.commit(offsets=offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The batch is written: if the partition moved, its new owner re-reads it (409s, harmless).
            log.warning("offset commit failed; will retry", extra={"error": repr(exc)})
            self.uncommitted = offsets
        else:
            self.uncommitted = {}
            self.metrics.batches.inc()
            self.summary.batches += 1
            self.metrics.batch_seconds.observe(batch.age)
            self.progress.docs += batch.docs

    # -- back-off, abandon -----------------------------------------------------------------------
    def hold(self, backoff: Backoff, cause: str, count: int) -> None:
        """Pause all partitions and wait, polling (heartbeats, rebalances) without taking records.

        Raises :class:`Abandon` if a rebalance or a stop comes meanwhile.
        """
        consumer = self.consumer
        delay = backoff.next_delay()
        self.metrics.retried.labels(cause=cause).inc()
        self.summary.retries += 1
        self.metrics.paused.set(1)
        log.warning(
            "elasticsearch or kafka unavailable; backing off",
            extra={
                "cause": cause,
                "documents": count,
                "delay_s": round(delay, 2),
                "attempt": backoff.attempt,
            },
        )
        deadline = time.monotonic() + delay
        while True:
            consumer.pause(*consumer.assignment())
            # Wait inside poll: heartbeats and a rebalance (join, sync) progress meanwhile.
            wait_ms = max(0, min(500, int((deadline - time.monotonic()) * 1000)))
            records = consumer.poll(timeout_ms=wait_ms)
            stray = [marker(r) for recs in records.values() for r in recs]
            if stray:  # partitions assigned since the pause: read them again later
                self.seek_back(stray)
            if self.rebalance.take() is not None:
                raise Abandon("rebalance")
            if self.stopping.is_set():
                raise Abandon("stopping")
            if time.monotonic() >= deadline:
                return

    def resume(self) -> None:
        if self._consumer is not None and self._consumer.paused():
            self._consumer.resume(*self._consumer.paused())
            self.metrics.paused.set(0)

    def abandon(self, why: str, items: list[Prepared]) -> None:
        """Seek back to the first of ``items`` (dropped, uncommitted) so they are consumed again."""
        self.uncommitted = {}
        self.seek_back(items)
        self.resume()
        if items:
            self.metrics.abandoned.inc()
            self.summary.abandoned += 1
            log.info(
                "uncommitted batch dropped; it will be consumed again",
                extra={"why": why, "records": len(items)},
            )

    def seek_back(self, items: list[Prepared]) -> None:
        assigned = self.consumer.assignment()
        for tp, offset in first_offsets(items).items():
            if tp in assigned:  # revoked partitions restart from the committed offset at their new owner
                self.consumer.seek(tp, offset)
