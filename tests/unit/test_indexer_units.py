"""The indexer's decisions that need no server: what a record becomes, what a bulk item outcome
means, which offsets a batch may commit, how long to back off."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from article_factory import make_article
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from pipelines.indexer.batch import Batch, first_offsets
from pipelines.indexer.bulk import Backoff, BulkDoc, classify_item
from pipelines.indexer.collector import FULL_COLLECTION_EVERY, fewer_full_collections_while_running
from pipelines.indexer.consume import Prepared, prepare
from pipelines.kafka.dlq import payload_as_bytes
from pipelines.model import Article

TOPIC = "news.articles.v1"


def record(value: bytes | None, offset: int = 0, partition: int = 0) -> ConsumerRecord:
    headers = [("trace_id", b"abc123")]
    return ConsumerRecord(TOPIC, partition, -1, offset, 0, 0, b"key", value, headers, None, 3, 0, 0)


def source(article: Article) -> dict[str, Any]:
    return {"article_id": article.article_id, "title": article.title}


def test_a_valid_article_becomes_a_document_with_its_id_and_external_version() -> None:
    article = make_article(1)
    prepared = prepare(record(json.dumps(article.to_message()).encode()), source, max_doc_bytes=10_000)
    assert prepared.failure is None and prepared.doc is not None
    action = json.loads(prepared.doc.action)["index"]
    assert action == {"_id": article.article_id, "version": article.version, "version_type": "external"}
    assert json.loads(prepared.doc.source) == source(article)
    assert prepared.trace_id == "abc123"


def test_bad_records_become_failures_with_a_reason() -> None:
    article = make_article(2)
    message = article.to_message()

    def reason(
        value: bytes | None, to_document: Any = source, max_doc_bytes: int = 10_000
    ) -> tuple[str, str]:
        prepared = prepare(record(value), to_document, max_doc_bytes=max_doc_bytes)
        assert prepared.doc is None and prepared.failure is not None
        return prepared.failure.stage, prepared.failure.error.reason

    assert reason(b"\x00{nope") == ("validate", "not_json")
    assert reason(None) == ("validate", "empty_value")
    assert reason(json.dumps(message | {"title": ""}).encode()) == ("validate", "schema_invalid")
    assert reason(json.dumps({"hello": "world"}).encode()) == ("validate", "schema_invalid")
    # a lone surrogate is valid JSON but not UTF-8: no document could carry it to Elasticsearch
    lone = json.dumps(message | {"title": "\ud800" + message["title"]}).encode()
    assert reason(lone) == ("validate", "schema_invalid")

    def broken(_: Article) -> dict[str, Any]:
        raise ValueError("enrichment bug")

    assert reason(json.dumps(message).encode(), broken) == ("enrich", "enrich_failed")
    assert reason(json.dumps(message).encode(), max_doc_bytes=50) == ("index", "document_too_large")


def test_bulk_item_outcomes() -> None:
    assert classify_item(201, None).outcome == "indexed"
    assert classify_item(200, None).outcome == "indexed"
    # An equal or newer version is stored: the document is done.
    assert classify_item(409, {"type": "version_conflict_engine_exception"}).outcome == "conflict"
    assert classify_item(429, {"type": "es_rejected_execution_exception"}).outcome == "transient"
    assert classify_item(503, {"type": "unavailable_shards_exception"}).outcome == "transient"
    assert classify_item(404, {"type": "index_not_found_exception"}).outcome == "transient"
    rejected = classify_item(
        400,
        {
            "type": "document_parsing_exception",
            "reason": "failed to parse field [tags]",
            "caused_by": {"type": "illegal_argument_exception", "reason": "immense term"},
        },
    )
    assert rejected.outcome == "rejected" and rejected.reason == "document_parsing_exception"
    assert "immense term" in rejected.message


def item(partition: int, offset: int, with_doc: bool = True) -> Prepared:
    doc = BulkDoc.build(f"{partition}-{offset}", 1, {"x": 1}) if with_doc else None
    return Prepared(TopicPartition(TOPIC, partition), offset, doc=doc)


def test_a_batch_commits_the_next_offset_of_every_partition_it_holds() -> None:
    batch = Batch()
    for it in (item(0, 5), item(1, 9), item(0, 6, with_doc=False), item(0, 7)):
        batch.add(it)
    assert {tp.partition: o.offset for tp, o in batch.offsets().items()} == {0: 8, 1: 10}
    assert batch.docs == 3 and len(batch) == 4
    assert {tp.partition: o for tp, o in first_offsets(batch.items).items()} == {0: 5, 1: 9}


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    delays = [backoff.next_delay() for _ in range(8)]
    for n, delay in enumerate(delays):
        ceiling = min(8.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_hostile_records_become_dead_letters_not_exceptions() -> None:
    """Records that once raised out of prepare() and stopped the indexer (issue 14.4)."""
    message = make_article(3).to_message()
    deep = b"[" * 100_000 + b"]" * 100_000
    huge_int = json.dumps(message).encode()[:-1] + b', "n": ' + b"9" * 5000 + b"}"
    for value in (deep, huge_int, b'{"a": ' * 50_000 + b"1" + b"}" * 50_000):
        prepared = prepare(record(value), source, max_doc_bytes=10_000)
        assert prepared.doc is None and prepared.failure is not None
        assert prepared.failure.error.reason == "not_json"
        assert payload_as_bytes(prepared.failure.payload) == value  # kept as it came, for the DLQ


def test_a_record_with_unreadable_headers_is_a_failure_too() -> None:
    broken = ConsumerRecord(TOPIC, 0, -1, 7, 0, 0, b"k", b"{}", [("trace_id", 12345)], None, 3, 0, 0)
    prepared = prepare(broken, source, max_doc_bytes=10_000)
    assert prepared.failure is not None and prepared.offset == 7


def test_the_enrichment_pool_gives_the_in_process_results_in_poll_order() -> None:
    from pipelines.indexer.enrich import to_document
    from pipelines.indexer.pool import PreparePool

    articles = [make_article(n) for n in range(12)]
    records = [record(json.dumps(a.to_message()).encode(), offset=n) for n, a in enumerate(articles)]
    records.insert(5, record(b"\x00{nope", offset=99))  # a poison record in the middle keeps its place
    pool = PreparePool(2, to_document, max_doc_bytes=1_000_000)
    try:
        pooled = pool.prepare(records)
    finally:
        pool.close()
    local = PreparePool(0, to_document, max_doc_bytes=1_000_000).prepare(records)
    assert [p.offset for p in pooled] == [r.offset for r in records]
    assert pooled[5].failure is not None and pooled[5].failure.error.reason == "not_json"
    for a, b in zip(pooled, local, strict=True):
        assert (a.tp, a.offset, a.key, a.trace_id, a.failure is None) == (
            b.tp,
            b.offset,
            b.key,
            b.trace_id,
            b.failure is None,
        )
        if a.doc is not None and b.doc is not None:
            assert json.loads(a.doc.source) | {"indexed_at": None} == json.loads(b.doc.source) | {
                "indexed_at": None
            }
            assert a.doc.action == b.doc.action


def test_starting_the_pool_spawns_its_workers_before_any_record() -> None:
    import psutil

    from pipelines.indexer.enrich import to_document
    from pipelines.indexer.pool import PreparePool

    pool = PreparePool(2, to_document, max_doc_bytes=1_000_000)
    try:
        pool.start()  # the live stream's first records must not wait for the spawn
        children = psutil.Process().children(recursive=True)
        spawned = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
        assert len(spawned) >= 2, [c.cmdline() for c in children]
        prepared = pool.prepare([record(json.dumps(make_article(n).to_message()).encode()) for n in range(4)])
        assert all(p.doc is not None for p in prepared)
    finally:
        pool.close()


def test_warm_up_loads_every_model_an_article_may_need() -> None:
    from pipelines.indexer.enrich.language import language_model
    from pipelines.indexer.pool import warm_up

    language_model.cache_clear()
    warm_up()  # its sample is Arabic, which needs no language model; a French article would
    assert language_model.cache_info().currsize == 1


def test_a_custom_to_document_stays_in_process() -> None:
    from pipelines.indexer.pool import PreparePool

    pool = PreparePool(2, source, max_doc_bytes=10_000)
    assert pool.workers == 0
    prepared = pool.prepare([record(json.dumps(make_article(1).to_message()).encode())] * 3)
    assert all(p.doc is not None for p in prepared)


def test_enrichment_workers_leave_when_the_indexer_is_killed() -> None:
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import psutil

    tests_dir = Path(__file__).resolve().parents[1]
    code = f"""
import json, sys, time
sys.path.insert(0, {str(tests_dir)!r})
from article_factory import make_article
from kafka.consumer.fetcher import ConsumerRecord
from pipelines.indexer.enrich import to_document
from pipelines.indexer.pool import PreparePool
values = [json.dumps(make_article(n).to_message()).encode() for n in range(4)]
records = [ConsumerRecord("t", 0, -1, n, 0, 0, b"k", v, [], None, 3, 0, 0) for n, v in enumerate(values)]
PreparePool(2, to_document, max_doc_bytes=10**6).prepare(records)
print("ready", flush=True)
time.sleep(120)
"""
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        workers = psutil.Process(parent.pid).children(recursive=True)
        assert workers
    finally:
        parent.send_signal(signal.SIGKILL)  # like kill -9 of the indexer: no clean shutdown of the pool
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(w.is_running() and w.status() != "zombie" for w in workers):
        time.sleep(0.2)
    alive = [w.pid for w in workers if w.is_running() and w.status() != "zombie"]
    for pid in alive:  # do not leave them behind if the test fails
        psutil.Process(pid).kill()
    assert alive == []


def test_the_run_makes_full_collections_rarer_and_gives_the_setting_back() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_full_collections_while_running():
            assert gc.get_threshold() == (700, 10, FULL_COLLECTION_EVERY)
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(RuntimeError), fewer_full_collections_while_running():
            raise RuntimeError("the loop failed")
        assert gc.get_threshold() == (700, 10, 10)  # an indexer inside a task leaves it as it was
    finally:
        gc.set_threshold(*before)
