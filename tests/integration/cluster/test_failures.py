"""Failures a three-node Kafka and Elasticsearch cluster must survive, for real: processes killed
with SIGKILL while 2,000 articles are published and indexed (issue 17).

Every test checks the same end state, ``assert_everything_indexed_once``: the index holds exactly
the 2,000 article ids, each once, each at its article's own external version, and nothing was
dead-lettered. Each also checks what its failure must not cost: no failed send, no indexer restart,
search answering while yellow, partitions moving to the surviving indexers. Topics have 3 replicas
and ``min.insync.replicas=2``, the index 1 replica (the cluster profile).
"""

from __future__ import annotations

import signal

import pytest
from article_factory import make_article
from kafka.errors import KafkaError, TopicAlreadyExistsError, UnknownBrokerIdError

from pipelines.kafka.clients import make_admin
from pipelines.stack.cluster import Quorum, elastic_cluster, kafka_cluster, primary_node

# Generous per-test limit: on a loaded 2-core box indexing 2,000 articles on three JVM pairs is slow.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.cluster, pytest.mark.timeout(1200)]

ARTICLES = 2000


def short_articles(source_id: str, n: int = ARTICLES):
    # One sentence each: enrichment stays cheap, the tests are about delivery.
    return [make_article(i, source_id=source_id, body=f"خبر قصير رقم {i} عن موسكو ودمشق.") for i in range(n)]


def answers(fn, *args):
    """``fn(*args)``, or None while the cluster cannot say (a master election after a kill)."""
    try:
        return fn(*args)
    except Exception:
        return None


def assert_all_published(outcomes, n: int = ARTICLES) -> None:
    failed = [o for o in outcomes if o.status != "published"]
    assert not failed, failed[:3]
    assert len(outcomes) == n


def led_by(work) -> set[int]:
    """Brokers leading a partition of the articles topic (empty while the cluster cannot say)."""
    state = kafka_cluster(work.settings, [work.settings.topic_articles], timeout=3)
    if state.error is not None or not state.partitions:
        return {-1}
    return set(state.leaders(work.settings.topic_articles))


def create_topic(settings, name: str) -> bool | None:
    """Create ``name`` (2 replicas): True, or None if the request reached no live broker.

    A fresh admin client each time: one bootstrapped before the kill keeps sending to the dead
    broker (kafka-python sends CreateTopics to the broker its metadata names as controller).
    """
    admin = make_admin(settings, "test-controller", request_timeout_ms=5_000)
    try:
        admin.create_topics({name: {"num_partitions": 1, "replication_factor": 2}}, raise_errors=True)
        return True
    except TopicAlreadyExistsError:  # an earlier attempt went through after all
        return True
    except KafkaError as exc:
        if exc.retriable or isinstance(exc, UnknownBrokerIdError):
            return None
        raise
    finally:
        admin.close()


def delete_topic(settings, name: str) -> None:
    admin = make_admin(settings, "test-cleanup")
    try:
        admin.delete_topics([name])
    finally:
        admin.close()


def test_kafka_broker_leading_partitions_killed_loses_and_duplicates_nothing(workload, cluster) -> None:
    work = workload
    articles = short_articles("broker-kill")
    indexer = work.start_indexer()
    publishing = work.publish_in_background(articles)
    work.wait_indexing(publishing)
    assert publishing.running

    leaders = kafka_cluster(work.settings, [work.settings.topic_articles]).leaders(
        work.settings.topic_articles
    )
    victim, led = leaders.most_common(1)[0]
    assert led > 0
    cluster.kill(f"kafka-{victim}")

    assert_all_published(publishing.join())  # acks=all and min.insync=2: the two survivors took every write
    # Every partition it led has a new leader (the controller fenced it after its session timeout).
    work.poll(
        lambda: True if victim not in led_by(work) else None, 60, "the dead broker's partitions to move"
    )

    restarting = cluster.restart_missing_in_background()  # it boots while the indexer catches up
    work.wait_caught_up(ARTICLES)
    assert indexer.poll() is None, "the indexer had to be restarted"
    assert restarting.result(timeout=300) == [f"kafka-{victim}"]
    cluster.wait_whole(work.topics)  # the broker is back in every ISR
    summary = work.stop_indexer(indexer)
    assert summary["exit_reason"] == "stopped"
    work.assert_everything_indexed_once(articles)


def test_elasticsearch_node_with_primaries_killed_replicas_take_over(workload, cluster) -> None:
    work = workload
    articles = short_articles("es-node-kill")
    indexer = work.start_indexer()
    publishing = work.publish_in_background(articles)
    work.wait_indexing(publishing, or_half_sent=False)  # a node killed during indexing

    victim = primary_node(work.settings, work.settings.index_alias)
    assert victim is not None
    cluster.kill(f"elasticsearch-{victim.rsplit('-', 1)[1]}")
    # The replica on another node is promoted; until the node is back the cluster is yellow and
    # every read and write goes to the survivors.
    work.wait_for(
        lambda: answers(primary_node, work.settings, work.settings.index_alias) not in (None, victim),
        60,
        "a promoted primary",
    )
    state = elastic_cluster(work.settings)
    assert (state.status, state.nodes) == ("yellow", 2)
    # Search answers while yellow, from the surviving copies: every article so far mentions موسكو.
    work.es.indices.refresh(index=work.settings.index_alias)
    so_far = work.es.count(index=work.settings.index_alias)["count"]
    hits = work.es.search(index=work.settings.index_alias, query={"match": {"body": "موسكو"}}, size=0)
    assert 0 < so_far <= hits["hits"]["total"]["value"]

    assert_all_published(publishing.join())
    restarting = cluster.restart_missing_in_background()  # it boots while the indexer catches up
    work.wait_caught_up(ARTICLES)
    assert indexer.poll() is None, "the indexer had to be restarted"

    assert restarting.result(timeout=300) == [f"elasticsearch-{victim.rsplit('-', 1)[1]}"]
    cluster.wait_whole(work.topics)  # green: the replica is rebuilt on the returned node
    work.stop_indexer(indexer)
    work.assert_everything_indexed_once(articles)


def test_elected_kafka_controller_killed_a_new_one_takes_over(workload, cluster) -> None:
    work = workload
    articles = short_articles("controller-kill")
    indexer = work.start_indexer()
    publishing = work.publish_in_background(articles)
    work.wait_indexing(publishing)
    assert publishing.running

    before = kafka_cluster(work.settings).quorum
    assert before is not None and before.voters == [1, 2, 3]
    cluster.kill(f"kafka-{before.leader_id}")

    def new_quorum() -> Quorum | None:
        # Asked of whichever broker answers (the dead one stays in the client's metadata a while);
        # None while the survivors are still electing.
        quorum = kafka_cluster(work.settings, [], timeout=3).quorum
        return quorum if quorum is not None and quorum.leader_id not in (before.leader_id, -1) else None

    after = work.poll(new_quorum, 60, "a new controller")
    assert after.leader_epoch > before.leader_epoch
    assert after.voters == [1, 2, 3]
    # The new controller serves metadata writes: a topic can be created (on the two live brokers).
    probe = f"{work.settings.topic_articles}.probe"
    assert work.poll(lambda: create_topic(work.settings, probe), 60, "a topic created after the election")
    assert_all_published(publishing.join())
    restarting = cluster.restart_missing_in_background()  # it boots while the indexer catches up
    work.wait_caught_up(ARTICLES)
    assert indexer.poll() is None, "the indexer had to be restarted"
    assert restarting.result(timeout=300) == [f"kafka-{before.leader_id}"]
    cluster.wait_whole(work.topics)
    # The returned node follows the metadata log again (it is a voter the leader hears from).
    work.poll(
        lambda: True if (q := kafka_cluster(work.settings, []).quorum) and q.lagging == [] else None,
        60,
        "the returned controller to catch up the metadata log",
    )
    work.stop_indexer(indexer)
    work.assert_everything_indexed_once(articles)
    delete_topic(work.settings, probe)


def test_three_indexers_one_killed_mid_batch_its_partitions_move(workload) -> None:
    work = workload
    articles = short_articles("indexer-kill")
    indexers = [work.start_indexer(f"indexer-{i}") for i in range(3)]
    publishing = work.publish_in_background(articles)
    work.wait_indexing(publishing, 200)

    victim, survivors = indexers[0], indexers[1:]
    victim.send_signal(signal.SIGKILL)  # a bulk request may be in flight; its offsets are not committed
    victim.wait(timeout=30)
    killed_at = work.count()
    assert killed_at < ARTICLES, "publishing was over before the kill: nothing to move"

    assert_all_published(publishing.join())
    work.wait_caught_up(ARTICLES)
    assert all(p.poll() is None for p in survivors)
    summaries = [work.stop_indexer(p) for p in survivors]
    # The dead one's partitions were re-delivered to the survivors from its last committed offset:
    # what it had already written comes back as version conflicts, never as a second write.
    written = sum(s["indexed"] for s in summaries)
    assert 0 < written <= ARTICLES
    assert all(s["indexed"] > 0 for s in summaries), "a survivor got no partition"
    work.assert_everything_indexed_once(articles)
