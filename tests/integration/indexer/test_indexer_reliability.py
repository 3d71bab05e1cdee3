"""The indexer against the real Kafka and Elasticsearch, where indexers usually fail: killed
mid-stream, Elasticsearch gone, poison messages, two processes in one group, replays and reordering.

Each test has its own topics, consumer group and alias (``indexer_env``); indexers run as real
processes (``python -m pipelines.indexer run``) unless only the in-process summary matters.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import timedelta

import pytest
from article_factory import make_article

from pipelines import stack as local_stack
from pipelines.indexer.service import IndexerService, RunOptions
from pipelines.model import article_id_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def short_article(i: int, source_id: str = "reliability"):
    # A one-sentence body keeps enrichment cheap: these tests are about delivery, not analysis.
    return make_article(i, source_id=source_id, body=f"خبر قصير رقم {i} عن موسكو ودمشق.")


def test_sigkill_three_times_mid_stream_loses_and_duplicates_nothing(indexer_env) -> None:
    env = indexer_env
    articles = [short_article(i) for i in range(2000)]
    publisher = env.publish_in_chunks(articles, chunk=100, pause=0.4)

    proc = env.start(name="killed")
    for threshold in (150, 700, 1200):
        env.wait_for(lambda t=threshold: env.count() >= t, 120, f"{threshold} documents before a kill")
        proc.send_signal(signal.SIGKILL)  # no shutdown hook runs: the batch in flight is cut off
        proc.wait(timeout=30)
        proc = env.start(name="killed")
    publisher.join(timeout=120)
    assert not publisher.is_alive()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    summary = env.finish(env.start("--until-caught-up", name="final"))
    assert summary["exit_reason"] == "caught_up"
    docs = env.documents()
    assert len(docs) == 2000
    assert env.count() == 2000
    assert set(docs) == {a.article_id for a in articles}
    assert env.lag() == 0
    assert env.dead_letters() == []


def test_elasticsearch_down_for_30s_backs_off_and_resumes_without_loss(indexer_env, stack) -> None:
    env = indexer_env
    articles = [short_article(i, "es-outage") for i in range(600)]
    env.publish(articles[:200])
    proc = env.start(name="outage")
    env.wait_for(lambda: env.count() >= 100, 120, "indexing to start")

    stopped = local_stack.down(["elasticsearch"], settings=stack.settings)
    try:
        if not any(pid for _, pid in stopped):
            pytest.fail("Elasticsearch was not started by khabar's stack with these settings; cannot stop it")
        env.publish(articles[200:])  # keeps flowing into Kafka while Elasticsearch is away
        time.sleep(30)
        assert proc.poll() is None, "the indexer died while Elasticsearch was down"
    finally:
        local_stack.ensure_up(["elasticsearch"], settings=stack.settings)

    env.wait_for(lambda: env.lag() == 0, 180, "the indexer to catch up after the outage")
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    summary = json.loads(out)
    assert summary["retries"] > 0  # it backed off instead of dropping or crashing
    assert summary["exit_reason"] == "stopped"
    docs = env.documents()
    assert set(docs) == {a.article_id for a in articles}
    assert env.dead_letters() == []
    assert "backing off" in env.log_text()


def test_poison_messages_go_to_the_dlq_with_their_reason_and_the_rest_is_indexed(indexer_env) -> None:
    env = indexer_env
    good = [short_article(i, "poison") for i in range(40)]
    env.publish(good[:20])
    schema_invalid = good[0].to_message() | {"article_id": "not-a-hash", "title": ""}
    # Valid for the topic's schema, but a 40 kB keyword is an "immense term" for the mapping.
    mapping_conflict = make_article(9001, source_id="poison", tags=["و" * 20_000]).to_message()
    oversized = make_article(9002, source_id="poison", body="خبر " * 60_000).to_message()
    env.produce_raw(
        [
            ("garbage", b"\xff\xfe{not json"),
            ("bad", json.dumps(schema_invalid).encode()),
            (mapping_conflict["article_id"], json.dumps(mapping_conflict, ensure_ascii=False).encode()),
            (oversized["article_id"], json.dumps(oversized, ensure_ascii=False).encode()),
        ]
    )
    env.publish(good[20:])

    options = RunOptions.from_settings(env.settings, until_caught_up=True, max_doc_bytes=200_000)
    summary = IndexerService(env.settings, options).run()

    assert summary.exit_reason == "caught_up"
    assert set(env.documents()) == {a.article_id for a in good}
    letters = env.dead_letters()
    by_reason = {letter["reason"]: letter for letter in letters}
    assert len(letters) == 4
    # Elasticsearch 9 names a mapping failure document_parsing_exception (its error type is the reason).
    mapping_reason = {"document_parsing_exception", "illegal_argument_exception"} & set(by_reason)
    assert set(by_reason) - mapping_reason == {"not_json", "schema_invalid", "document_too_large"}
    assert len(mapping_reason) == 1
    assert by_reason["schema_invalid"]["stage"] == "validate"
    assert "article_id" in by_reason["schema_invalid"]["message"]
    conflict = by_reason[mapping_reason.pop()]
    assert conflict["stage"] == "index" and conflict["article_id"] == mapping_conflict["article_id"]
    assert "immense term" in conflict["message"]
    assert by_reason["document_too_large"]["article_id"] == oversized["article_id"]
    for letter in letters:  # each one says where it came from, to be replayed after a fix
        assert letter["origin"]["topic"] == env.settings.topic_articles
        assert letter["target_topic"] == env.settings.topic_articles
    assert env.lag() == 0


def test_two_processes_in_one_group_split_partitions_and_index_everything_once(indexer_env) -> None:
    env = indexer_env
    articles = [short_article(i, "two-procs") for i in range(1200)]
    first = env.start(name="a")
    second = env.start(name="b")
    # Publish only once the group has settled on both: a fast first process could otherwise
    # index everything before the second one joins, and the split would go untested.
    env.wait_for(lambda: _split_between(env, [first, second]), 120, "both processes to own partitions")
    env.publish(articles)
    env.wait_for(lambda: env.lag() == 0, 180, "the group to index everything")
    for proc in (first, second):
        proc.send_signal(signal.SIGTERM)
    summaries = [env.finish(first), env.finish(second)]

    assert all(s["exit_reason"] == "stopped" for s in summaries)
    assert all(s["indexed"] > 0 for s in summaries), "both processes should have indexed some"
    # A document is written once: a re-delivery after a rebalance is a version conflict, not a write.
    assert sum(s["indexed"] for s in summaries) == 1200
    assert set(env.documents()) == {a.article_id for a in articles}
    assert env.lag() == 0


def _split_between(env, procs: list) -> bool:
    """Each process owns some partitions, and together they own every one exactly once."""
    owned = [env.assigned(proc) for proc in procs]
    every = {f"{env.settings.topic_articles}/{p}" for p in range(env.settings.articles_partitions)}
    return all(owned) and set.union(*owned) == every and sum(map(len, owned)) == len(every)


def test_replays_and_an_older_version_after_a_newer_one_leave_the_document_unchanged(indexer_env) -> None:
    env = indexer_env
    old = make_article(7, source_id="versions", title="النسخة الأولى")
    new = make_article(
        7, source_id="versions", title="النسخة المحدثة", fetched_at=old.fetched_at + timedelta(hours=1)
    )
    assert new.article_id == old.article_id == article_id_for(new.canonical_url)
    # Newer first, then the older one delivered late, then a replay of both.
    env.publish([new, old, new, old])

    options = RunOptions.from_settings(env.settings, until_caught_up=True)
    summary = IndexerService(env.settings, options).run()

    docs = env.documents()
    assert list(docs) == [new.article_id]
    assert docs[new.article_id]["title"] == "النسخة المحدثة"
    assert docs[new.article_id]["version"] == new.version
    assert summary.indexed == 1
    assert summary.conflicts == 3  # counted as done, committed, not dead-lettered
    assert summary.dead_lettered == 0
    assert env.lag() == 0
