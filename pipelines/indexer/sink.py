"""The Elasticsearch side of the indexer loop: build a batch, send it, settle it.

- build: prepared records are added in consumption order; a batch is sent when it reaches
  ``bulk_max_docs`` or ``bulk_max_bytes`` (or when the loop says it is old enough or the stream idle);
- send: its near-duplicate lookups start at once on one thread, its ``_bulk`` on another after the
  batch in flight is settled (one request in flight, batches settle and commit in order);
- settle: what failed transiently is resent after a back-off, what Elasticsearch refused is
  dead-lettered (the DLQ topic's acknowledgement awaited), then the checkpoint commits the batch.

Documents carry ``_id = article_id`` and an external version (:mod:`pipelines.indexer.bulk`), so
whatever is written twice after a replay is written once.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait

from elasticsearch import Elasticsearch
from kafka import KafkaProducer
from kafka.errors import KafkaError
from pydantic import ValidationError

from pipelines.config import Settings
from pipelines.indexer.batch import Batch, InFlight, merge
from pipelines.indexer.bulk import Backoff, BulkResult, TransientBulkError, cluster, send
from pipelines.indexer.checkpoint import Abandon, Checkpoint
from pipelines.indexer.consume import Prepared
from pipelines.indexer.metrics import IndexerMetrics
from pipelines.indexer.options import RunOptions, RunSummary
from pipelines.kafka.clients import encode_json, make_producer, message_headers
from pipelines.kafka.dlq import DeadLetterWriter
from pipelines.kafka.messages import ENRICHED_SCHEMA, ENRICHED_SCHEMA_VERSION, EnrichedArticle

log = logging.getLogger(__name__)


class BulkSink:
    """Batches on their way to Elasticsearch (or the DLQ), committed through ``checkpoint``."""

    def __init__(
        self,
        settings: Settings,
        options: RunOptions,
        es: Elasticsearch,
        checkpoint: Checkpoint,
        metrics: IndexerMetrics,
        summary: RunSummary,
    ) -> None:
        self.settings = settings
        self.options = options
        self.es = es
        self.checkpoint = checkpoint
        self.metrics = metrics
        self.summary = summary
        self.batch = Batch()
        self.inflight: InFlight | None = None
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-bulk")
        # Near-duplicate lookups of the next batch run while the current one is being indexed.
        self._clusterer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khabar-cluster")
        self._dlq = DeadLetterWriter(settings)
        self._enriched: KafkaProducer | None = None

    @property
    def holding(self) -> bool:
        """Whether uncommitted records are held in memory (a batch filling or in flight)."""
        return bool(self.batch.items or self.inflight)

    # -- build ------------------------------------------------------------------------------------
    def add(self, item: Prepared) -> None:
        # Ship before adding when the item would overflow the batch; on Abandon the item is not in
        # any batch yet and the caller seeks back to it.
        size = item.doc.size if item.doc else 0
        if self.batch.docs and self.batch.bytes + size > self.settings.bulk_max_bytes:
            self.ship()
        self.batch.add(item)
        if self.batch.docs >= self.settings.bulk_max_docs or self.batch.bytes >= self.settings.bulk_max_bytes:
            self.ship()

    # -- send -------------------------------------------------------------------------------------
    def ship(self) -> None:
        """Send the current batch: its near-duplicate lookups start at once, its ``_bulk`` after the
        batch in flight is settled and committed (batches commit in order)."""
        batch, self.batch = self.batch, Batch()
        docs = batch.documents()
        clustered = self._clusterer.submit(cluster, self.es, self.options.index, docs) if docs else None
        if self.inflight is not None:
            try:
                self.settle()
            except Abandon:
                self.batch = merge(self.batch, batch)  # after the batch that was in flight
                raise
        self.inflight = InFlight(batch, self._submit(clustered))

    def _submit(self, clustered: Future | None) -> Future[BulkResult]:
        if clustered is None:
            done: Future[BulkResult] = Future()
            done.set_result(BulkResult())
            return done
        return self._sender.submit(
            send, self.es, self.options.index, clustered, require_alias=self.options.require_alias
        )

    # -- settle -----------------------------------------------------------------------------------
    def settle(self) -> None:
        """Wait for the batch in flight; retry what failed transiently; dead-letter what Elasticsearch
        refused; commit. Raises Abandon if a rebalance or a stop interrupts the retries."""
        flight, self.inflight = self.inflight, None
        assert flight is not None
        try:
            failures = self._write(flight)
            self._dead_letter(failures)
            self.checkpoint.commit(flight.batch)
        except Abandon:
            self.batch = merge(flight.batch, self.batch)  # both go back to Kafka
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
                    else send(
                        self.es,
                        self.options.index,
                        [p.doc for p in pending if p.doc],
                        require_alias=self.options.require_alias,
                    )
                )
            except TransientBulkError as exc:
                self.checkpoint.hold(backoff, exc.reason, len(pending))
                future = None
                continue
            future = None
            retry: list[Prepared] = []
            self.tally(result)
            self.metrics.observe_freshness(
                p.timestamp for p, o in zip(pending, result.items, strict=True) if o.outcome == "indexed"
            )
            for item, outcome in zip(pending, result.items, strict=True):
                # One line per article, with the trace id it was published with (see docs/consuming.md).
                log.debug(
                    "article %s",
                    outcome.outcome,
                    extra={
                        "article_id": item.doc.doc_id if item.doc else None,
                        "trace_id": item.trace_id,
                        "outcome": outcome.outcome,
                        "topic": item.tp.topic,
                        "partition": item.tp.partition,
                        "offset": item.offset,
                    },
                )
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
                self.checkpoint.hold(backoff, ",".join(sorted(reasons)) or "transient", len(pending))
        self.checkpoint.resume()
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
                self.checkpoint.hold(backoff, "dlq_unavailable", len(failures))
        self.checkpoint.resume()

    def tally(self, result: BulkResult) -> None:
        indexed, conflicts = result.count("indexed"), result.count("conflict")
        self.metrics.indexed.inc(indexed)
        self.metrics.version_conflicts.inc(conflicts)
        self.summary.indexed += indexed
        self.summary.conflicts += conflicts

    def _publish_enriched(self, items: list[Prepared]) -> None:
        if not items:
            return
        if self._enriched is None:
            self._enriched = make_producer(self.settings, "indexer-enriched")
        for item in items:
            assert item.doc is not None
            try:
                message = EnrichedArticle.from_document(item.doc.body).to_message()
            except ValidationError as exc:  # derived data: the document is indexed, log and go on
                log.warning(
                    "enriched message not published",
                    extra={"article_id": item.doc.doc_id, "trace_id": item.trace_id, "error": str(exc)[:500]},
                )
                continue
            headers = message_headers(
                ENRICHED_SCHEMA,
                ENRICHED_SCHEMA_VERSION,
                source_id=message.get("source_id"),
                trace_id=item.trace_id,
                value=message,
                producer="indexer",
                key=item.doc.doc_id,
            )
            self._enriched.send(
                self.settings.topic_enriched,
                key=item.doc.doc_id.encode(),
                value=encode_json(message),
                headers=headers,
            )
        self._enriched.flush()

    # -- dropping and closing ---------------------------------------------------------------------
    def drop(self) -> list[Prepared]:
        """Everything held, uncommitted, for the checkpoint to seek back to. A request in flight is
        let to end first: what it wrote is written (and counted), but it is not committed."""
        items = list(self.batch.items)
        if self.inflight is not None:
            future = self.inflight.future
            wait([future])
            if future.exception() is None:
                self.tally(future.result())
            items += self.inflight.batch.items
        self.batch, self.inflight = Batch(), None
        return items

    def close(self) -> None:
        """At shutdown: settle the batch in flight if it can (its result decides), then close."""
        try:
            if self.inflight is not None:
                self.settle()
        except Abandon:
            pass
        except Exception:
            log.exception("could not finish the last batch; it stays uncommitted")
        finally:
            dropped = len(self.batch) + (len(self.inflight.batch) if self.inflight else 0)
            if dropped:
                log.info("batch abandoned at shutdown, not committed", extra={"records": dropped})
            self._sender.shutdown(wait=True)
            self._clusterer.shutdown(wait=True)
            self._dlq.close()
            if self._enriched is not None:
                self._enriched.close()
