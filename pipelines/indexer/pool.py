"""Enrichment off the loop: ``prepare`` (decode, validate, ``to_document``, serialize) in worker
processes, when ``KHABAR_INDEXER_WORKERS`` (or ``--workers``) is above 0.

Only the pure per-record step moves: the loop still polls, builds batches in consumption order,
sends them and commits after Elasticsearch (or the DLQ) acknowledged, so commit-after-ack, the dead
letters and per-partition order are those of the in-process run. ``map`` keeps the poll's order.
Workers are spawned (the parent holds Kafka and HTTP threads, which a fork would copy half-way)
and load the enrichment models once. A worker that dies breaks the pool: that poll is prepared
in-process and a new pool is started, so a crash of a worker costs time, never a record.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

from kafka.consumer.fetcher import ConsumerRecord

from pipelines.indexer.collector import fewer_full_collections
from pipelines.indexer.consume import Prepared, ToDocument, prepare
from pipelines.indexer.enrich import to_document as enrich_to_document
from pipelines.indexer.enrich.language import language_model
from pipelines.model import Article, Block, article_id_for, content_hash_for

log = logging.getLogger(__name__)

_max_doc_bytes = 0


def warm_up() -> None:
    """Enrich one small article, so that the models (document frequencies, gazetteer, language
    identifier) are loaded before the first record waits for them, not while it does."""
    url = "https://warm-up.invalid/khabar"
    text = "وصل وزير الخارجية إلى موسكو لإجراء محادثات مع نظيره الروسي."
    try:
        _enrich_sample(url, text)
        # The sample is plainly Arabic, which skips the language model; the first article that
        # is not would otherwise load it (~0.35 s) while records wait.
        language_model()
    except Exception as exc:  # the records will meet the same failure and be dead-lettered with it
        log.warning("enrichment warm-up failed", extra={"error": repr(exc)})


def _enrich_sample(url: str, text: str) -> None:
    enrich_to_document(
        Article(
            article_id=article_id_for(url),
            url=url,
            canonical_url=url,
            source_id="warm-up",
            title="محادثات في موسكو",
            body=[Block(kind="p", text=text)],
            body_text=text,
            fetched_at=datetime.now(UTC),
            content_hash=content_hash_for("محادثات في موسكو", text),
            extraction_method="warm-up",
        )
    )


def _init(max_doc_bytes: int) -> None:
    global _max_doc_bytes
    _max_doc_bytes = max_doc_bytes
    # A worker blocks reading its queue and would outlive an indexer killed with -9: it leaves
    # when its parent is gone.
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    warm_up()
    fewer_full_collections()


def _ready() -> bool:
    return True


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _prepare_in_worker(record: ConsumerRecord) -> Prepared:
    return prepare(record, enrich_to_document, max_doc_bytes=_max_doc_bytes)


class PreparePool:
    """``prepare`` for a poll's records, in ``workers`` processes or (0) in this one."""

    def __init__(self, workers: int, to_document: ToDocument, *, max_doc_bytes: int) -> None:
        self.to_document = to_document
        self.max_doc_bytes = max_doc_bytes
        # A custom to_document (tests, the pre-enriched benchmark) stays in-process: it may not pickle.
        self.workers = workers if to_document is enrich_to_document else 0
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init,
                initargs=(self.max_doc_bytes,),
            )
        return self._executor

    def start(self) -> None:
        """Load the models here and start the workers now, while the consumer joins its group: a
        live stream's first records would otherwise wait for the spawn and the loading."""
        if self.to_document is not enrich_to_document:
            return
        if self.workers > 0:
            pool = self._pool()
            for _ in range(self.workers):
                pool.submit(_ready)  # each submit spawns a worker; its initializer warms it up
        warm_up()  # polls of one record are prepared in this process

    def prepare(self, records: Sequence[ConsumerRecord]) -> list[Prepared]:
        if self.workers <= 0 or len(records) < 2:
            return [prepare(r, self.to_document, max_doc_bytes=self.max_doc_bytes) for r in records]
        chunk = max(1, min(50, len(records) // (2 * self.workers)))
        try:
            return list(self._pool().map(_prepare_in_worker, records, chunksize=chunk))
        except BrokenProcessPool as exc:
            log.warning(
                "enrichment worker died; this poll is prepared in-process", extra={"error": repr(exc)}
            )
            self.close()
            return [prepare(r, self.to_document, max_doc_bytes=self.max_doc_bytes) for r in records]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
