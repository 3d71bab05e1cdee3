"""The indexer loop: Kafka ``news.articles.v1`` -> validate -> enrich -> ``_bulk`` -> commit.

Three rooms: this loop (poll, prepare, decide when to send, membership, idle and progress; and
:func:`run_indexer`, its lifecycle), the sink (:mod:`pipelines.indexer.sink`: build, send, settle a
batch) and the checkpoint (:mod:`pipelines.indexer.checkpoint`: offsets, commit, seek back).

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
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from elasticsearch import ApiError, Elasticsearch, TransportError
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import MemberState

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import setup_index
from pipelines.errors import IndexingError
from pipelines.indexer.batch import Batch, marker
from pipelines.indexer.bulk import Backoff
from pipelines.indexer.checkpoint import Abandon, Checkpoint
from pipelines.indexer.collector import fewer_full_collections_while_running
from pipelines.indexer.consume import Prepared, RebalanceFlag, ToDocument, partition_lag
from pipelines.indexer.enrich import to_document as enrich_to_document
from pipelines.indexer.metrics import IndexerMetrics, serve_from_settings
from pipelines.indexer.options import Progress, RunOptions, RunSummary
from pipelines.indexer.pool import PreparePool
from pipelines.indexer.sink import BulkSink
from pipelines.kafka.clients import make_consumer

__all__ = ["IndexerService", "RunOptions", "RunSummary", "run_indexer"]

log = logging.getLogger(__name__)


class IndexerService:
    """The loop: one run per object. Holds the consumer; the sink and checkpoint do the rest."""

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
        self.to_document = to_document or enrich_to_document
        self.metrics = metrics or IndexerMetrics()
        self.summary = RunSummary()
        self.rebalance = RebalanceFlag()
        self._stop = threading.Event()
        self._progress = Progress()
        self.checkpoint = Checkpoint(self.rebalance, self._stop, self.metrics, self.summary, self._progress)
        self.sink = BulkSink(
            settings,
            options,
            # No client-side retries: back-off and retry are decided here, where offsets are known.
            es or es_client(settings, max_retries=0, retry_on_timeout=False),
            self.checkpoint,
            self.metrics,
            self.summary,
        )
        self.pool = PreparePool(options.workers, self.to_document, max_doc_bytes=options.max_doc_bytes)
        self._unstable_since: float | None = None  # when the consumer last left a stable group
        self._last_record = self._started = time.monotonic()
        # Short poll rounds (records are batched for _bulk across polls): a rebalance waits for
        # every member's next poll, and enrichment makes 500 records take many seconds.
        self._max_poll_records = max(1, min(100, settings.bulk_max_docs))
        self._caught_up = False  # the last poll returned less than a full round

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
        self._subscribe()
        self.pool.start()  # the workers spawn while the first poll joins the group
        log.info(
            "indexer started",
            extra={"group": self.options.group, "topic": self.options.topic, "index": self.options.index},
        )
        try:
            with fewer_full_collections_while_running():
                self.summary.exit_reason = self._loop()
        finally:
            self.pool.close()
            self.sink.close()
            self.checkpoint.consumer.close(autocommit=False)
            self.summary.seconds = round(time.monotonic() - started, 3)
        log.info("indexer stopped", extra=vars(self.summary))
        return self.summary

    def _loop(self) -> str:
        sink = self.sink
        while not self._stop.is_set():
            consumer = self._check_membership()
            # While the group rebalances, only poll (see _check_membership): no lag queries.
            stable = self._stable()
            records = consumer.poll(timeout_ms=self._poll_timeout_ms() if stable else 3000)
            fresh = [r for recs in records.values() for r in recs]
            if fresh and self.summary.startup_seconds is None:
                self.summary.startup_seconds = round(time.monotonic() - self._started, 3)
            if self.rebalance.take() is not None:
                if sink.holding:
                    # Fresh records come after the dropped ones: drop them too, all are read again.
                    self._abandon("rebalance", [marker(r) for r in fresh])
                    continue
                self.checkpoint.keep_assigned()
            done = 0  # records of this poll now held by a batch (the rest are dropped on Abandon)
            try:
                for item in self.pool.prepare(fresh):
                    sink.add(item)
                    done += 1
                    self.metrics.consumed.inc()
                    self.summary.consumed += 1
                # A poll that waited and got nothing means the stream is idle: waiting longer would
                # not fill the batch, only delay it. A short poll means it is caught up: linger.
                self._caught_up = len(fresh) < self._max_poll_records
                if sink.batch.items and (not fresh or sink.batch.age >= self._batch_deadline()):
                    sink.ship()
                if sink.inflight and (sink.inflight.future.done() or not fresh):
                    sink.settle()
            except Abandon as exc:
                self._abandon(str(exc), [marker(r) for r in fresh[done:]])
                continue
            if fresh:
                self._last_record = time.monotonic()
            elif not sink.holding and stable:
                reason = self._idle(consumer)
                if reason:
                    return reason
            if stable:
                self._report(consumer)
        return "stopped"

    def _abandon(self, why: str, extra: list[Prepared]) -> None:
        """Drop every uncommitted record in memory and seek back so they are consumed again."""
        self.checkpoint.abandon(why, self.sink.drop() + extra)

    # -- group membership -----------------------------------------------------------------------
    def _subscribe(self) -> KafkaConsumer:
        consumer = make_consumer(
            self.settings,
            role="indexer",
            group_id=self.options.group,
            max_poll_records=self._max_poll_records,
            # A crashed indexer's partitions move to the others after 10 s, not the 45 s default.
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
        )
        consumer.subscribe([self.options.topic], listener=self.rebalance)
        self._unstable_since = None
        self.checkpoint.bind(consumer)
        return consumer

    def _stable(self) -> bool:
        return self.checkpoint.consumer.group_metadata().state == MemberState.STABLE

    def _check_membership(self) -> KafkaConsumer:
        """Rebuild the consumer if it has been outside a stable group for too long.

        kafka-python 3.0.12 can lose a rebalance it was waiting for: if its JoinGroup/SyncGroup
        round completes while no ``poll`` awaits it (the previous poll timed out and the loop is
        doing other work), the next poll starts over and the member may never get partitions.
        The loop avoids that by only polling, with long timeouts, while the group is not stable;
        this is the safety net. Nothing is held then, so a fresh consumer is safe; a member that
        is merely idle (more members than partitions) is stable and left alone.
        """
        consumer = self.checkpoint.consumer
        if self._stable():
            self._unstable_since = None
            return consumer
        now = time.monotonic()
        if self._unstable_since is None:
            self._unstable_since = now
        if now - self._unstable_since < self.options.rejoin_timeout or self.sink.holding:
            return consumer
        log.warning(
            "consumer outside the group too long; reconnecting",
            extra={"group": self.options.group, "seconds": round(now - self._unstable_since)},
        )
        consumer.close(autocommit=False)
        return self._subscribe()

    # -- idle, progress -------------------------------------------------------------------------
    def _batch_deadline(self) -> float:
        """The age at which the filling batch is sent: ``bulk_max_seconds`` while there is a
        backlog, ``bulk_linger_seconds`` once a poll came back short (caught up) and no ``_bulk``
        is still running (one in flight means the batch fills while it runs anyway)."""
        inflight = self.sink.inflight
        if self._caught_up and (inflight is None or inflight.future.done()):
            return min(self.settings.bulk_linger_seconds, self.settings.bulk_max_seconds)
        return self.settings.bulk_max_seconds

    def _poll_timeout_ms(self) -> int:
        batch, inflight = self.sink.batch, self.sink.inflight
        if batch.items:
            left = self._batch_deadline() - batch.age
            return max(0, min(500, int(left * 1000)))
        return 0 if inflight is not None and inflight.future.done() else 500

    def _idle(self, consumer: KafkaConsumer) -> str | None:
        if self.checkpoint.uncommitted:
            self.checkpoint.commit(Batch())
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
            settled = not (self.sink.holding or self.checkpoint.uncommitted)
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


# -- lifecycle: what every entry point (CLI, ``python -m pipelines.indexer``, demo, DAG) runs ----------
def run_indexer(
    settings: Settings,
    options: RunOptions | None = None,
    *,
    metrics_port: int | None = None,
    setup_first: bool = True,
    to_document: ToDocument | None = None,
) -> RunSummary:
    """Run an indexer to its end: SIGTERM/SIGINT stop it cleanly (in the main thread), the index is
    set up first once Elasticsearch answers, metrics are served on ``metrics_port`` (default
    ``settings.metrics_port``; 0: off). Raises IndexingError if stopped before Elasticsearch answered.
    """
    metrics = IndexerMetrics()
    service = IndexerService(
        settings, options or RunOptions.from_settings(settings), metrics=metrics, to_document=to_document
    )
    with _stop_on_signals(service):
        if setup_first and not setup_when_reachable(settings, service.stopping):
            raise IndexingError("stopped while waiting for Elasticsearch; nothing consumed", reason="stopped")
        serve_from_settings(metrics, settings, metrics_port)
        return service.run()


@contextmanager
def _stop_on_signals(service: IndexerService) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():  # e.g. an Airflow task thread
        yield
        return
    previous = {sig: signal.signal(sig, service.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def setup_when_reachable(settings: Settings, stopping: threading.Event) -> bool:
    """Run setup_index, waiting (with back-off) while Elasticsearch is unreachable or overloaded."""
    backoff = Backoff()
    es = es_client(settings, max_retries=0)
    while not stopping.is_set():
        try:
            setup_index(es, settings)
            return True
        except (ApiError, TransportError) as exc:
            status = getattr(getattr(exc, "meta", None), "status", None)
            if isinstance(exc, ApiError) and status not in (429, 500, 502, 503, 504):
                raise
            delay = backoff.next_delay()
            log.warning(
                "elasticsearch not ready; retrying setup", extra={"error": str(exc)[:200], "delay_s": delay}
            )
            stopping.wait(delay)
    return False
