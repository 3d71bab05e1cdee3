"""What the indexer does when something goes wrong, kept apart from the happy path in
:mod:`pipelines.indexer.service`:

- Elasticsearch (or the DLQ) unavailable: pause every partition and back off, exponential with
  jitter and capped, still polling so the consumer keeps its place in the group;
- a rebalance or a stop in the middle of a batch: drop every uncommitted record held in memory
  and seek back to its first offset, so it is consumed again (here, or by the partition's new
  owner from the committed offset);
- a consumer stuck outside its group: rebuild it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import wait

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import MemberState, OffsetAndMetadata

from pipelines.config import Settings
from pipelines.indexer.batch import Batch, InFlight, first_offsets, marker
from pipelines.indexer.bulk import Backoff, BulkResult
from pipelines.indexer.consume import Prepared, RebalanceFlag
from pipelines.indexer.metrics import IndexerMetrics
from pipelines.indexer.options import RunOptions, RunSummary
from pipelines.kafka.clients import make_consumer

log = logging.getLogger(__name__)


class Abandon(Exception):  # noqa: N818 - control flow, not an error
    """The current batches cannot be finished (rebalance or shutdown): drop them uncommitted."""


class Recovery:
    """Back-off, abandon and rejoin for :class:`~pipelines.indexer.service.IndexerService`."""

    settings: Settings
    options: RunOptions
    metrics: IndexerMetrics
    summary: RunSummary
    rebalance: RebalanceFlag
    _stop: threading.Event
    _batch: Batch
    _inflight: InFlight | None
    _uncommitted: dict[TopicPartition, OffsetAndMetadata]
    _consumer: KafkaConsumer | None
    _unstable_since: float | None

    def _tally(self, result: BulkResult) -> None:
        indexed, conflicts = result.count("indexed"), result.count("conflict")
        self.metrics.indexed.inc(indexed)
        self.metrics.version_conflicts.inc(conflicts)
        self.summary.indexed += indexed
        self.summary.conflicts += conflicts

    def _subscribe(self) -> KafkaConsumer:
        consumer = make_consumer(
            self.settings,
            role="indexer",
            group_id=self.options.group,
            # Short poll rounds (records are batched for _bulk across polls): a rebalance waits for
            # every member's next poll, and enrichment makes 500 records take many seconds.
            max_poll_records=max(1, min(100, self.settings.bulk_max_docs)),
            # A crashed indexer's partitions move to the others after 10 s, not the 45 s default.
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
        )
        consumer.subscribe([self.options.topic], listener=self.rebalance)
        self._unstable_since = None
        return consumer

    def _stable(self) -> bool:
        assert self._consumer is not None
        return self._consumer.group_metadata().state == MemberState.STABLE

    def _check_membership(self) -> KafkaConsumer:
        """Rebuild the consumer if it has been outside a stable group for too long.

        kafka-python 3.0.12 can lose a rebalance it was waiting for: if its JoinGroup/SyncGroup
        round completes while no ``poll`` awaits it (the previous poll timed out and the loop is
        doing other work), the next poll starts over and the member may never get partitions.
        The loop avoids that by only polling, with long timeouts, while the group is not stable;
        this is the safety net. Nothing is held then, so a fresh consumer is safe; a member that
        is merely idle (more members than partitions) is stable and left alone.
        """
        consumer = self._consumer
        assert consumer is not None
        if self._stable():
            self._unstable_since = None
            return consumer
        now = time.monotonic()
        if self._unstable_since is None:
            self._unstable_since = now
        if now - self._unstable_since < self.options.rejoin_timeout or self._holding():
            return consumer
        log.warning(
            "consumer outside the group too long; reconnecting",
            extra={"group": self.options.group, "seconds": round(now - self._unstable_since)},
        )
        consumer.close(autocommit=False)
        self._uncommitted = {}
        self._consumer = self._subscribe()
        return self._consumer

    # -- back-off, rebalance, abandon -------------------------------------------------------------
    def _back_off(self, backoff: Backoff, cause: str, count: int) -> None:
        """Pause all partitions and wait, polling (heartbeats, rebalances) without taking records."""
        assert self._consumer is not None
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
            self._consumer.pause(*self._consumer.assignment())
            # Wait inside poll: heartbeats and a rebalance (join, sync) progress meanwhile.
            wait_ms = max(0, min(500, int((deadline - time.monotonic()) * 1000)))
            records = self._consumer.poll(timeout_ms=wait_ms)
            stray = [marker(r) for recs in records.values() for r in recs]
            if stray:  # partitions assigned since the pause: read them again later
                self._seek_back(stray)
            if self.rebalance.take() is not None:
                raise Abandon("rebalance")
            if self._stop.is_set():
                raise Abandon("stopping")
            if time.monotonic() >= deadline:
                return

    def _resume(self) -> None:
        if self._consumer is not None and self._consumer.paused():
            self._consumer.resume(*self._consumer.paused())
            self.metrics.paused.set(0)

    def _abandon(self, why: str, extra: list[Prepared] | None = None) -> None:
        """Drop every uncommitted record in memory and seek back so they are consumed again."""
        items = list(self._batch.items) + list(extra or [])
        if self._inflight is not None:
            future = self._inflight.future
            wait([future])  # let the request end: what it wrote is written, but it is not committed
            if future.exception() is None:
                self._tally(future.result())
            items += self._inflight.batch.items
        self._batch, self._inflight = Batch(), None
        self._uncommitted = {}
        self._seek_back(items)
        self._resume()
        if items:
            self.metrics.abandoned.inc()
            self.summary.abandoned += 1
            log.info(
                "uncommitted batch dropped; it will be consumed again",
                extra={"why": why, "records": len(items)},
            )

    def _holding(self) -> bool:
        """Whether uncommitted records are held in memory (a batch filling or in flight)."""
        return bool(self._batch.items or self._inflight)

    def _seek_back(self, items: list[Prepared]) -> None:
        assert self._consumer is not None
        assigned = self._consumer.assignment()
        for tp, offset in first_offsets(items).items():
            if tp in assigned:  # revoked partitions restart from the committed offset at their new owner
                self._consumer.seek(tp, offset)
