"""Rebuild the index from Kafka: replay ``news.articles.v1`` from the beginning into a new physical
index, then swap the alias to it in one atomic ``_aliases`` call.

The replay runs under its own consumer group (``<indexer_group>-reindex-<index>``) so the live
indexer keeps its offsets and keeps writing to the alias meanwhile. After the swap the replay
catches up once more: what the live indexer wrote to the old index between the first catch-up and
the swap reaches the new index too (external versions make the overlap harmless). The old index
stays until the user deletes it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import alias_indices, create_index, next_index_name, write_index
from pipelines.errors import IndexingError
from pipelines.indexer.consume import topic_partitions
from pipelines.indexer.metrics import IndexerMetrics
from pipelines.indexer.options import RunOptions, RunSummary
from pipelines.indexer.service import IndexerService
from pipelines.kafka.clients import make_consumer

log = logging.getLogger(__name__)

#: progress(consumed, total, indexed) during the replay
Progress = Callable[[int, int, int], None]


@dataclass
class ReindexReport:
    alias: str
    old_indices: list[str]
    new_index: str
    group: str
    messages: int  # messages in the topic when the replay started
    replay: RunSummary
    catch_up: RunSummary
    doc_count: int
    old_doc_count: int
    extra: dict[str, Any] = field(default_factory=dict)


def next_free_index(es: Elasticsearch, alias: str, current: str) -> str:
    """The index after the newest ``<alias>-NNNNNN`` that exists (a failed reindex may have left one)."""
    pattern = re.compile(rf"^{re.escape(alias)}-\d{{6}}$")
    existing = [
        name
        for name in es.indices.get(index=f"{alias}-*", expand_wildcards="all").body
        if pattern.match(name)
    ]
    newest = max([current, *existing])
    return next_index_name(newest)


def topic_size(settings: Settings, topic: str) -> int:
    consumer = make_consumer(settings, role="reindex-size")
    try:
        partitions = topic_partitions(consumer, topic)
        ends = consumer.end_offsets(partitions)
        begins = consumer.beginning_offsets(partitions)
        return sum(ends[tp] - begins.get(tp, 0) for tp in partitions)
    finally:
        consumer.close(autocommit=False)


def swap_alias(es: Elasticsearch, alias: str, new_index: str) -> list[str]:
    """Point ``alias`` at ``new_index`` only (as write index), atomically; returns the indices removed."""
    old = sorted(alias_indices(es, alias))
    actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": alias}} for index in old]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    es.indices.update_aliases(actions=actions)
    log.info("alias swapped", extra={"alias": alias, "from": old, "to": new_index})
    return old


def reindex(
    settings: Settings,
    *,
    es: Elasticsearch | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> ReindexReport:
    es = es or es_client(settings)
    alias = settings.index_alias
    current = write_index(es, alias)
    if current is None:
        raise IndexingError(f"alias {alias!r} has no write index: run `khabar index setup` first")
    new_index = next_free_index(es, alias, current)
    create_index(es, new_index)  # settings and mappings from the template (<alias>-*)
    group = f"{settings.indexer_group}-reindex-{new_index}"
    total = topic_size(settings, settings.topic_articles)
    log.info("reindex started", extra={"alias": alias, "from": current, "to": new_index, "messages": total})

    options = RunOptions.from_settings(
        settings,
        group=group,
        index=new_index,
        require_alias=False,
        until_caught_up=True,
        progress_seconds=30.0,
    )
    replay = _run(settings, options, total, progress, stop)
    if replay.exit_reason != "caught_up":
        raise IndexingError(
            f"reindex into {new_index} did not finish ({replay.exit_reason}); the alias "
            f"still points at {current}; {new_index} can be deleted"
        )
    es.indices.refresh(index=new_index)
    old = swap_alias(es, alias, new_index)
    catch_up = _run(settings, options, topic_size(settings, settings.topic_articles), None, stop)
    es.indices.refresh(index=new_index)
    return ReindexReport(
        alias=alias,
        old_indices=old,
        new_index=new_index,
        group=group,
        messages=total,
        replay=replay,
        catch_up=catch_up,
        doc_count=int(es.count(index=new_index)["count"]),
        old_doc_count=int(es.count(index=current)["count"]),
    )


def _run(
    settings: Settings,
    options: RunOptions,
    total: int,
    progress: Progress | None,
    stop: threading.Event | None,
) -> RunSummary:
    service = IndexerService(settings, options, metrics=IndexerMetrics())
    done = threading.Event()

    def watch() -> None:
        while not done.wait(1.0):
            if stop is not None and stop.is_set():
                service.stop()
            if progress is not None:
                progress(service.summary.consumed, total, service.summary.indexed)

    watcher = threading.Thread(target=watch, name="khabar-reindex-progress", daemon=True)
    watcher.start()
    try:
        return service.run()
    finally:
        done.set()
        watcher.join()
        if progress is not None:
            progress(service.summary.consumed, total, service.summary.indexed)
