"""Rebuild the index into a new physical index, then swap the alias to it in one atomic ``_aliases`` call.

Two sources:

- :func:`reindex` replays ``news.articles.v1`` from the beginning (every article enriched again:
  needed when enrichment changed);
- :func:`reindex_from_index` copies the live index's stored documents (external versions kept) and
  replays only the tail of the topic that the copy may have missed (when only analysis or mappings
  changed; see its docstring).

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, Elasticsearch, helpers
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

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
#: copy_progress(copied, total) during a copy from the live index
CopyProgress = Callable[[int, int], None]


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
    current, new_index = _start_new_index(es, alias)
    group = f"{settings.indexer_group}-reindex-{new_index}"
    total = topic_size(settings, settings.topic_articles)
    log.info("reindex started", extra={"alias": alias, "from": current, "to": new_index, "messages": total})

    options = _replay_options(settings, group, new_index)
    replay, old, catch_up = _replay_then_swap(settings, es, options, total, progress, stop, current)
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


def _start_new_index(es: Elasticsearch, alias: str) -> tuple[str, str]:
    """The alias's write index and a new empty index after it (settings and mappings from the
    possibly changed template ``<alias>-*``)."""
    current = write_index(es, alias)
    if current is None:
        raise IndexingError(f"alias {alias!r} has no write index: run `khabar index setup` first")
    new_index = next_free_index(es, alias, current)
    create_index(es, new_index)
    return current, new_index


def _replay_options(settings: Settings, group: str, new_index: str) -> RunOptions:
    """A replay into ``new_index`` under its own group, ending once that group has caught up."""
    return RunOptions.from_settings(
        settings,
        group=group,
        index=new_index,
        require_alias=False,
        until_caught_up=True,
        progress_seconds=30.0,
    )


def _left_behind(what: str, current: str, new_index: str) -> IndexingError:
    return IndexingError(f"{what}; the alias still points at {current}; {new_index} can be deleted")


def _replay_then_swap(
    settings: Settings,
    es: Elasticsearch,
    options: RunOptions,
    total: int,
    progress: Progress | None,
    stop: threading.Event | None,
    current: str,
) -> tuple[RunSummary, list[str], RunSummary]:
    """Replay into ``options.index`` until its group has caught up, swap the alias to it, then let
    the group catch up once more: what the live indexer wrote to the old index until the swap
    reaches the new index too. A replay that stops early (signal, Elasticsearch gone) leaves the
    alias where it was. Returns the replay's summary, the indices the alias left and the catch-up's."""
    new_index = options.index
    replay = _run(settings, options, total, progress, stop)
    if replay.exit_reason != "caught_up":
        raise _left_behind(
            f"replay into {new_index} did not finish ({replay.exit_reason})", current, new_index
        )
    es.indices.refresh(index=new_index)
    old = swap_alias(es, settings.index_alias, new_index)
    # No progress callback for the catch-up, so the total it would be measured against is not needed.
    catch_up = _run(settings, options, 0, None, stop)
    es.indices.refresh(index=new_index)
    return replay, old, catch_up


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


# -- from the live index ----------------------------------------------------------------------------


@dataclass
class CopyReport:
    method: str  # "_reindex" (server side) or "scroll+bulk" (client side)
    copied: int  # documents written to the new index
    conflicts: int  # documents the new index already held in an equal or newer version
    seconds: float


@dataclass
class FromIndexReport:
    alias: str
    old_indices: list[str]
    new_index: str
    group: str
    copy: CopyReport
    catch_up_before_swap: RunSummary
    catch_up_after_swap: RunSummary
    doc_count: int
    old_doc_count: int
    seconds: float


def has_reindex_module(es: Elasticsearch) -> bool:
    """Whether every node has the ``reindex`` module (a stock distribution does; khabar's embedded
    local node does not: it loads no modules, see infra/local/elasticsearch/README.md)."""
    nodes = es.nodes.info(metric="plugins").body.get("nodes", {})
    return bool(nodes) and all(
        any(m.get("name") == "reindex" for m in node.get("modules", [])) for node in nodes.values()
    )


def copy_index(
    es: Elasticsearch,
    source: str,
    dest: str,
    *,
    page: int = 1000,
    progress: CopyProgress | None = None,
    server_side: bool | None = None,
) -> CopyReport:
    """Copy every document of ``source`` into ``dest`` keeping ``_id`` and ``_version`` (as external
    versions, so a newer document already in ``dest`` wins and the copy counts a conflict).

    Server side with ``_reindex`` when the node has the reindex module; otherwise a scroll over
    ``source`` (sorted by ``_doc``, with versions) fed into ``_bulk``: the same result, the
    documents pass through this process once.
    """
    started = time.monotonic()
    total = int(es.count(index=source)["count"])
    if server_side is None:
        server_side = has_reindex_module(es)
    if server_side:
        result = es.reindex(
            source={"index": source, "size": page},
            dest={"index": dest, "version_type": "external"},
            conflicts="proceed",
            wait_for_completion=True,
            refresh=True,
            request_timeout=3600,
        ).body
        if result.get("failures"):
            raise IndexingError(f"_reindex {source} -> {dest} failed: {result['failures'][:3]}")
        copied, conflicts = (
            int(result.get("created", 0)) + int(result.get("updated", 0)),
            int(result.get("version_conflicts", 0)),
        )
        if progress is not None:
            progress(copied + conflicts, total)
        return CopyReport("_reindex", copied, conflicts, round(time.monotonic() - started, 3))

    copied = conflicts = 0
    hits = helpers.scan(
        es, index=source, size=page, scroll="5m", query={"query": {"match_all": {}}, "version": True}
    )
    actions = (
        {
            "_index": dest,
            "_id": hit["_id"],
            "version": hit["_version"],
            "version_type": "external",
            "_source": hit["_source"],
        }
        for hit in hits
    )
    for ok, item in helpers.streaming_bulk(
        es, actions, chunk_size=page, raise_on_error=False, raise_on_exception=True, max_retries=5
    ):
        outcome = item.get("index", {})
        if ok:
            copied += 1
        elif outcome.get("status") == 409:
            conflicts += 1
        else:
            raise IndexingError(
                f"copy {source} -> {dest} failed for {outcome.get('_id')}: {outcome.get('error')}"
            )
        done = copied + conflicts
        if progress is not None and done % (page * 5) == 0:
            progress(done, total)
    es.indices.refresh(index=dest)
    if progress is not None:
        progress(copied + conflicts, total)
    return CopyReport("scroll+bulk", copied, conflicts, round(time.monotonic() - started, 3))


def committed_offsets(settings: Settings, group: str, topic: str) -> dict[TopicPartition, int]:
    """The group's committed offset per partition of ``topic`` (the beginning where it has none)."""
    consumer = make_consumer(settings, role="reindex-offsets", group_id=group)
    try:
        partitions = topic_partitions(consumer, topic)
        begins = consumer.beginning_offsets(partitions)
        out = {}
        for tp in partitions:
            done = consumer.committed(tp)
            out[tp] = done if done is not None else begins.get(tp, 0)
        return out
    finally:
        consumer.close(autocommit=False)


def seed_group(settings: Settings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit ``offsets`` for ``group`` (a fresh group): its first run starts exactly there."""
    consumer = make_consumer(settings, role="reindex-seed", group_id=group)
    try:
        consumer.assign(list(offsets))
        consumer.commit(offsets={tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
    finally:
        consumer.close(autocommit=False)


def reindex_from_index(
    settings: Settings,
    *,
    es: Elasticsearch | None = None,
    progress: Progress | None = None,
    copy_progress: CopyProgress | None = None,
    stop: threading.Event | None = None,
    server_side: bool | None = None,
) -> FromIndexReport:
    """Rebuild the alias's index from its own documents, without enriching again.

    Why nothing written meanwhile is lost (the live indexer keeps running):

    1. the live group's committed offsets ``C`` are read first. The indexer commits only after
       Elasticsearch acknowledged a record's document, so every record before ``C`` is in the old
       index;
    2. the old index is refreshed (all of that becomes visible), then copied with its versions;
    3. a new group starts at ``C`` and indexes the topic's tail into the new index (only the records
       the copy may have missed are enriched again), then the alias swaps atomically, then that
       group catches up once more: records the live indexer wrote to the old index up to the swap
       are all at offsets from ``C`` on. After the swap the live indexer writes to the new index.

    External versions make every overlap (copied and replayed, replayed and live) write once.
    """
    es = es or es_client(settings)
    started = time.monotonic()
    alias = settings.index_alias
    current, new_index = _start_new_index(es, alias)
    group = f"{settings.indexer_group}-from-index-{new_index}"
    offsets = committed_offsets(settings, settings.indexer_group, settings.topic_articles)
    seed_group(settings, group, offsets)
    es.indices.refresh(index=current)
    log.info("reindex from index started", extra={"alias": alias, "from": current, "to": new_index})
    try:
        copied = copy_index(es, current, new_index, progress=copy_progress, server_side=server_side)
    except (ApiError, IndexingError) as exc:
        raise _left_behind(f"copy into {new_index} failed ({exc})", current, new_index) from exc
    options = _replay_options(settings, group, new_index)
    tail = sum(topic_size_from(settings, offsets).values())
    before, old, after = _replay_then_swap(settings, es, options, tail, progress, stop, current)
    return FromIndexReport(
        alias=alias,
        old_indices=old,
        new_index=new_index,
        group=group,
        copy=copied,
        catch_up_before_swap=before,
        catch_up_after_swap=after,
        doc_count=int(es.count(index=new_index)["count"]),
        old_doc_count=int(es.count(index=current)["count"]),
        seconds=round(time.monotonic() - started, 3),
    )


def topic_size_from(settings: Settings, offsets: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
    """Records after ``offsets`` per partition, now."""
    consumer = make_consumer(settings, role="reindex-size")
    try:
        ends = consumer.end_offsets(list(offsets))
        return {tp: max(0, ends.get(tp, 0) - o) for tp, o in offsets.items()}
    finally:
        consumer.close(autocommit=False)
