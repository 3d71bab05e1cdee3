"""The indexer service: Kafka ``news.articles.v1`` -> validate -> enrich -> ``_bulk`` -> commit.

The rules that make it lose nothing and duplicate nothing:

- offsets are committed (explicitly, per partition) only after every record of a batch is either
  acknowledged by Elasticsearch or acknowledged by the DLQ topic;
- documents carry ``_id = article_id`` and an external version, so whatever is consumed twice
  (after a crash, a rebalance, a replay) is written once, and an older version never wins;
- on 429, 5xx or a lost connection the consumer pauses its partitions and backs off (exponential,
  jittered, capped) while still polling, so the group keeps it; nothing is committed meanwhile;
- a batch that cannot finish (rebalance, shutdown) is dropped uncommitted and the consumer seeks
  back to its first offsets: it is read again, here or by the partition's new owner.

One ``_bulk`` request is in flight on a sender thread while the main thread consumes and enriches
the next batch; batches still commit in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.indexer.batch import Batch, InFlight, marker, merge
from pipelines.indexer.bulk import (
    Backoff,
    BulkDoc,
    BulkResult,
    TransientBulkError,
    cluster,
    cluster_and_send,
    send_clustered,
)
from pipelines.indexer.consume import Prepared, RebalanceFlag, ToDocument, partition_lag, prepare
from pipelines.indexer.metrics import IndexerMetrics
from pipelines.indexer.options import Progress, RunOptions, RunSummary
from pipelines.indexer.recovery import Abandon, Recovery
from pipelines.kafka.clients import make_producer
from pipelines.kafka.dlq import DeadLetterWriter

log = logging.getLogger(__name__)


class IndexerService(Recovery):
    def __init__(
        self,
        settings: Settings,
        options: RunOptions,
        *,
        es: Elasticsearch | None = None,
        to_document: ToDocument | None = None,
        metrics: IndexerMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        # No client-side retries: back-off and retry are decided here, where offsets are known.
        self.es = es or es_client(settings, max_retries=0, retry_on_timeout=False)
        self.to_document = to_document or _default_to_document()
        self.metrics = metrics or IndexerMetrics()
        self.summary = RunSummary()
        self.rebalance = RebalanceFlag()
        self._stop = threading.Event()
        self._batch = Batch()
        self._inflight: InFlight | None = None
        self._uncommitted: dict[TopicPartition, OffsetAndMetadata] = {}  # written, commit failed
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-bulk")
        # Near-duplicate lookups of the next batch run while the current one is being indexed.
        self._clusterer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-cluster")
        self._dlq = DeadLetterWriter(settings)
        self._enriched: KafkaProducer | None = None
        self._consumer: KafkaConsumer | None = None
        self._unstable_since: float | None = None  # when the consumer last left a stable group
        self._last_record = self._started = time.monotonic()
        self._progress = Progress()

    # -- lifecycle ------------------------------------------------------------------------------
    def stop(self, *_: object) -> None:
        """Ask the loop to end (signal handler): the current batch is finished or abandoned."""
        self._stop.set()

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    def run(self) -> RunSummary:
        """Consume until stopped, idle or caught up. One run per service object."""
        started = self._started = time.monotonic()
        self._consumer = self._subscribe()
        log.info(
            "indexer started",
            extra={"group": self.options.group, "topic": self.options.topic, "index": self.options.index},
        )
        try:
            self.summary.exit_reason = self._loop()
        finally:
            self._shutdown(self._consumer)
            self.summary.seconds = round(time.monotonic() - started, 3)
        log.info("indexer stopped", extra=vars(self.summary))
        return self.summary

    def _loop(self) -> str:
        while not self._stop.is_set():
            consumer = self._check_membership()
            # While the group rebalances, only poll (see _check_membership): no lag queries.
            stable = self._stable()
            records = consumer.poll(timeout_ms=self._poll_timeout_ms() if stable else 3000)
            fresh = [r for recs in records.values() for r in recs]
            if fresh and self.summary.startup_seconds is None:
                self.summary.startup_seconds = round(time.monotonic() - self._started, 3)
            if self.rebalance.take() is not None:
                if self._holding():
                    # Fresh records come after the dropped ones: drop them too, all are read again.
                    self._abandon("rebalance", [marker(r) for r in fresh])
                    continue
                assigned = consumer.assignment()
                self._uncommitted = {tp: o for tp, o in self._uncommitted.items() if tp in assigned}
            done = 0  # records of this poll now held by a batch (the rest are dropped on Abandon)
            try:
                for record in fresh:
                    self._add(prepare(record, self.to_document, max_doc_bytes=self.options.max_doc_bytes))
                    done += 1
                    self.metrics.consumed.inc()
                    self.summary.consumed += 1
                # A poll that waited and got nothing means the stream is idle: waiting longer would
                # not fill the batch, only delay it.
                if self._batch.items and (not fresh or self._batch.age >= self.settings.bulk_max_seconds):
                    self._ship()
                if self._inflight and (self._inflight.future.done() or not fresh):
                    self._finish()
            except Abandon as exc:
                self._abandon(str(exc), [marker(r) for r in fresh[done:]])
                continue
            if fresh:
                self._last_record = time.monotonic()
            elif not self._batch.items and self._inflight is None and stable:
                reason = self._idle(consumer)
                if reason:
                    return reason
            if stable:
                self._report(consumer)
        return "stopped"

    def _shutdown(self, consumer: KafkaConsumer) -> None:
        try:
            if self._inflight is not None:
                self._finish()  # its result decides: commit if complete, else drop
        except Abandon:
            pass
        except Exception:
            log.exception("could not finish the last batch; it stays uncommitted")
        finally:
            dropped = len(self._batch) + (len(self._inflight.batch) if self._inflight else 0)
            if dropped:
                log.info("batch abandoned at shutdown, not committed", extra={"records": dropped})
            self._sender.shutdown(wait=True)
            self._clusterer.shutdown(wait=True)
            consumer.close(autocommit=False)
            self._dlq.close()
            if self._enriched is not None:
                self._enriched.close()

    # -- batching -------------------------------------------------------------------------------
    def _add(self, item: Prepared) -> None:
        # Ship before adding when the item would overflow the batch; on Abandon the item is not in
        # any batch yet and the caller seeks back to it.
        size = item.doc.size if item.doc else 0
        if self._batch.docs and self._batch.bytes + size > self.settings.bulk_max_bytes:
            self._ship()
        self._batch.add(item)
        if (
            self._batch.docs >= self.settings.bulk_max_docs
            or self._batch.bytes >= self.settings.bulk_max_bytes
        ):
            self._ship()

    def _ship(self) -> None:
        """Send the current batch: its near-duplicate lookups start at once, its ``_bulk`` after the
        batch in flight is finished and committed (batches commit in order)."""
        batch, self._batch = self._batch, Batch()
        docs = batch.documents()
        clustered = self._clusterer.submit(cluster, self.es, self.options.index, docs) if docs else None
        if self._inflight is not None:
            try:
                self._finish()
            except Abandon:
                self._batch = merge(self._batch, batch)  # after the batch that was in flight
                raise
        self._inflight = InFlight(batch, self._submit(clustered))

    def _submit(self, clustered: Future[list[BulkDoc]] | None) -> Future[BulkResult]:
        if clustered is None:
            done: Future[BulkResult] = Future()
            done.set_result(BulkResult())
            return done
        return self._sender.submit(
            send_clustered, self.es, self.options.index, clustered, require_alias=self.options.require_alias
        )

    def _finish(self) -> None:
        """Wait for the batch in flight; retry what failed transiently; dead-letter what Elasticsearch
        refused; commit. Raises Abandon if a rebalance or a stop interrupts the retries."""
        flight, self._inflight = self._inflight, None
        assert flight is not None
        try:
            failures = self._write(flight)
            self._dead_letter(failures)
            self._commit(flight.batch)
        except Abandon:
            self._batch = merge(flight.batch, self._batch)  # both go back to Kafka
            raise

    def _write(self, flight: InFlight) -> list[Prepared]:
        batch = flight.batch
        failures = [item for item in batch.items if item.failure is not None]
        pending = [item for item in batch.items if item.doc is not None]
        backoff = Backoff(self.options.backoff_base, self.options.backoff_cap)
        future: Future[BulkResult] | None = flight.future
        while pending:
            try:
                result = (
                    future.result()
                    if future
                    else cluster_and_send(
                        self.es,
                        self.options.index,
                        [p.doc for p in pending if p.doc],
                        require_alias=self.options.require_alias,
                    )
                )
            except TransientBulkError as exc:
                self._back_off(backoff, exc.reason, len(pending))
                future = None
                continue
            future = None
            retry: list[Prepared] = []
            self._tally(result)
            self.metrics.observe_freshness(
                p.timestamp for p, o in zip(pending, result.items, strict=True) if o.outcome == "indexed"
            )
            for item, outcome in zip(pending, result.items, strict=True):
                if outcome.outcome in ("indexed", "conflict"):
                    continue
                if outcome.outcome == "rejected":
                    failures.append(
                        item.rejected(outcome.reason, f"http {outcome.status}: {outcome.message}")
                    )
                else:
                    retry.append(item)
            if self.options.publish_enriched:
                self._publish_enriched(
                    [p for p, o in zip(pending, result.items, strict=True) if o.outcome == "indexed"]
                )
            pending = retry
            if pending:
                reasons = {o.reason for o in result.items if o.outcome == "transient"}
                self._back_off(backoff, ",".join(sorted(reasons)) or "transient", len(pending))
        self._resume()
        return failures

    def _dead_letter(self, failures: list[Prepared]) -> None:
        """Send dead letters and wait for the broker's acknowledgement of each; retry the rest."""
        backoff = Backoff(self.options.backoff_base, self.options.backoff_cap)
        while failures:
            sent, unsent = [], []
            for item in failures:
                try:
                    sent.append((item, self._dlq.send(item.dead_letter(self._dlq))))
                except KafkaError:  # no metadata for the DLQ topic within max_block_ms: broker away
                    unsent.append(item)
            self._dlq.flush()
            failures = unsent
            for item, future in sent:
                if future.succeeded():
                    reason = item.failure.error.reason if item.failure else "unknown"
                    self.metrics.dead_lettered.labels(reason=reason).inc()
                    self.summary.dead_lettered += 1
                    self.summary.dead_letter_reasons[reason] = (
                        self.summary.dead_letter_reasons.get(reason, 0) + 1
                    )
                else:
                    failures.append(item)
            if failures:
                self._back_off(backoff, "dlq_unavailable", len(failures))
        self._resume()

    def _commit(self, batch: Batch) -> None:
        offsets = self._uncommitted | batch.offsets()
        if not offsets:
            return
        assert self._consumer is not None
        try:
            self._consumer.commit(offsets=offsets)
        except (CommitFailedError, KafkaError) as exc:
            # The batch is written: if the partition moved, its new owner re-reads it (409s, harmless).
            log.warning("offset commit failed; will retry", extra={"error": repr(exc)})
            self._uncommitted = offsets
        else:
            self._uncommitted = {}
            self.metrics.batches.inc()
            self.summary.batches += 1
            self.metrics.batch_seconds.observe(batch.age)
            self._progress.docs += batch.docs

    # -- idle, progress -------------------------------------------------------------------------
    def _poll_timeout_ms(self) -> int:
        if self._batch.items:
            left = self.settings.bulk_max_seconds - self._batch.age
            return max(0, min(500, int(left * 1000)))
        return 0 if self._inflight is not None and self._inflight.future.done() else 500

    def _idle(self, consumer: KafkaConsumer) -> str | None:
        if self._uncommitted:
            self._commit(Batch())
        idle = time.monotonic() - self._last_record
        if self.options.max_idle_seconds is not None and idle >= self.options.max_idle_seconds:
            return "idle"
        if self.options.until_caught_up and self._progress.due_check():
            lag = self._lag(consumer)
            if lag is not None and sum(lag.values()) == 0:
                return "caught_up"
        return None

    def _lag(self, consumer: KafkaConsumer) -> dict[TopicPartition, int] | None:
        try:
            partitions = [
                TopicPartition(self.options.topic, p)
                for p in sorted(consumer.partitions_for_topic(self.options.topic) or ())
            ]
            settled = not (self._batch.items or self._inflight or self._uncommitted)
            local = {tp: consumer.position(tp) for tp in consumer.assignment()} if settled else {}
            lag = partition_lag(consumer, partitions, local=local)
        except KafkaError as exc:
            log.warning("could not read consumer lag", extra={"error": repr(exc)})
            return None
        for tp, value in lag.items():
            self.metrics.lag.labels(topic=tp.topic, partition=str(tp.partition)).set(value)
        return lag or None

    def _report(self, consumer: KafkaConsumer) -> None:
        if not self._progress.due_report(self.options.progress_seconds):
            return
        lag = self._lag(consumer) or {}
        rate = self._progress.rate()
        log.info(
            "progress",
            extra={
                "docs_per_s": rate,
                "consumed": self.summary.consumed,
                "indexed": self.summary.indexed,
                "conflicts": self.summary.conflicts,
                "dead_lettered": self.summary.dead_lettered,
                "lag": sum(lag.values()),
                "partitions": len(consumer.assignment()),
            },
        )

    def _publish_enriched(self, items: list[Prepared]) -> None:
        if not items:
            return
        if self._enriched is None:
            self._enriched = make_producer(self.settings, "indexer-enriched")
        for item in items:
            assert item.doc is not None
            self._enriched.send(
                self.settings.topic_enriched, key=item.doc.doc_id.encode(), value=item.doc.source
            )
        self._enriched.flush()


def _default_to_document() -> Callable[[Any], dict[str, Any]]:
    from pipelines.indexer.enrich import to_document

    return to_document
