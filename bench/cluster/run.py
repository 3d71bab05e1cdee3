"""What a three-node cluster costs and how fast it heals: one node vs three, in the same run.

    python bench/cluster/run.py [--limit 2000]

For each profile (``single``, then ``cluster``; one at a time, so they never share the CPUs) the
stack is started on its own home (``<home>/bench-cluster/<profile>``) and ports (the configured
ones + 3 strides, the failure tests' ports), then:

- ``start``: seconds ``khabar stack up`` took (JVMs spawned to all healthy), and the RSS of every
  server process afterwards and after the load (psutil);
- ``publish``: ANT articles published with one ``publish_articles`` call (acks=all, idempotent;
  3 replicas and min.insync 2 on the cluster): articles per second to the last acknowledgement;
- ``index``: the indexer service in-process, caught up from the start of the topic, with
  enrichment replaced by a lookup of documents enriched beforehand (enrichment is the same CPU on
  both profiles and would hide what replication costs): documents per second (group join excluded);
- recovery, cluster only, each node killed with SIGKILL and restarted at once by ``stack up``:
  ``kafka broker``: the broker leading most article partitions; ``first write`` = the first
  acknowledged send to a partition it led. ``es node``: the node holding the index's primary;
  ``first write`` = the first acknowledged index request. ``kafka controller``: the elected
  quorum leader; ``first write`` = the first topic created (a metadata write) after a new leader.
  ``whole`` = kill to every node back, full ISR on the bench topics, Elasticsearch green.

Results: var/bench/cluster.json (under KHABAR_HOME).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
from kafka.errors import TopicAlreadyExistsError

from pipelines import stack as local_stack
from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import setup_index
from pipelines.evaluation.ant_corpus import load_ant_articles
from pipelines.indexer.enrich import to_document
from pipelines.indexer.service import IndexerService, RunOptions
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import make_admin, make_producer
from pipelines.kafka.topics import ensure_topics
from pipelines.model import Article
from pipelines.stack import process
from pipelines.stack.cluster import elastic_cluster, kafka_cluster, primary_node


def bench_settings(base: Settings, profile: str) -> Settings:
    shift = 3 * base.cluster_port_stride
    return base.with_overrides(
        profile=profile,
        home=Path(base.home) / "bench-cluster" / profile,
        kafka_port=base.kafka_port + shift,
        kafka_controller_port=base.kafka_controller_port + shift,
        es_port=base.es_port + shift,
        es_transport_port=base.es_transport_port + shift,
        metrics_port=0,
    )


def server_rss_mib(settings: Settings) -> dict[str, float]:
    out = {}
    for svc in local_stack.services(settings=settings):
        record = process.alive_from_pid_file(svc.paths.pid_file)
        if record is not None:
            with contextlib.suppress(psutil.Error):
                out[svc.name] = round(psutil.Process(record.pid).memory_info().rss / 2**20, 1)
    return out


def kill(settings: Settings, name: str) -> float:
    (svc,) = local_stack.services([name], settings=settings)
    record = process.alive_from_pid_file(svc.paths.pid_file)
    if record is None:
        raise SystemExit(f"{name} is not running under khabar's pid file")
    os.kill(record.pid, signal.SIGKILL)
    return time.monotonic()


def until(predicate, timeout: float, what: str) -> float:
    """Poll ``predicate`` (exceptions count as not yet); the monotonic time it first held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


def whole(settings: Settings, topics: list[str]) -> bool:
    kafka = kafka_cluster(settings, topics, timeout=3)
    es = elastic_cluster(settings, timeout=3)
    return (
        kafka.error is None
        and len(kafka.brokers) == 3
        and not kafka.under_replicated
        and es.status == "green"
        and es.nodes == 3
    )


def heal(
    stack_settings: Settings, clients: Settings, topics: list[str], killed_at: float
) -> dict[str, float]:
    t0 = time.monotonic()
    local_stack.ensure_up(settings=stack_settings)
    restarted = time.monotonic()
    healed = until(lambda: whole(clients, topics), 300, "the cluster to be whole again")
    return {
        "restart_seconds": round(restarted - t0, 2),
        "kill_to_whole_seconds": round(healed - killed_at, 2),
    }


def recover_broker(stack_settings: Settings, clients: Settings, topics: list[str]) -> dict[str, Any]:
    topic = clients.topic_articles
    state = kafka_cluster(clients, [topic])
    victim, _ = state.leaders(topic).most_common(1)[0]
    partition = next(p.partition for p in state.partitions if p.topic == topic and p.leader == victim)
    producer = make_producer(clients, "bench-recovery")
    try:
        producer.send(topic, value=b"{}", partition=partition).get(timeout=30)  # connected, warm
        killed = kill(stack_settings, f"kafka-{victim}")
        wrote = until(
            lambda: producer.send(topic, value=b"{}", partition=partition).get(timeout=30) is not None,
            180,
            "a write to a partition the dead broker led",
        )
    finally:
        producer.close()
    return {"victim": f"kafka-{victim}", "kill_to_first_write_seconds": round(wrote - killed, 2)} | heal(
        stack_settings, clients, topics, killed
    )


def recover_es_node(
    stack_settings: Settings, clients: Settings, topics: list[str], doc: dict
) -> dict[str, Any]:
    alias = clients.index_alias
    victim = primary_node(clients, alias)
    es = es_client(clients, request_timeout=30)
    try:
        es.index(index=alias, id="recovery-warm", document=doc)
        killed = kill(stack_settings, f"elasticsearch-{victim.rsplit('-', 1)[1]}")
        n = iter(range(10**9))
        wrote = until(
            lambda: es.index(index=alias, id=f"recovery-{next(n)}", document=doc)["result"] == "created",
            180,
            "an index request to succeed",
        )
    finally:
        es.close()
    return {"victim": victim, "kill_to_first_write_seconds": round(wrote - killed, 2)} | heal(
        stack_settings, clients, topics, killed
    )


def recover_controller(stack_settings: Settings, clients: Settings, topics: list[str]) -> dict[str, Any]:
    before = kafka_cluster(clients, []).quorum
    assert before is not None
    killed = kill(stack_settings, f"kafka-{before.leader_id}")

    def new_leader() -> bool:
        quorum = kafka_cluster(clients, [], timeout=2).quorum
        return quorum is not None and quorum.leader_id not in (before.leader_id, -1)

    elected = until(new_leader, 120, "a new controller")
    name = f"bench.controller.{uuid.uuid4().hex[:8]}"

    def create_topic() -> bool:
        # A fresh client per attempt: one bootstrapped earlier keeps sending CreateTopics to the
        # broker its metadata names as controller, the dead one (UnknownBrokerIdError).
        admin = make_admin(clients, "bench-recovery", request_timeout_ms=5_000)
        try:
            admin.create_topics({name: {"num_partitions": 1, "replication_factor": 2}}, raise_errors=True)
        except TopicAlreadyExistsError:  # an earlier attempt went through after all
            pass
        finally:
            admin.close()
        return True

    created = until(create_topic, 120, "a topic to be created")
    admin = make_admin(clients, "bench-recovery")
    try:
        with contextlib.suppress(Exception):
            admin.delete_topics([name])
    finally:
        admin.close()
    return {
        "victim": f"kafka-{before.leader_id}",
        "kill_to_new_controller_seconds": round(elected - killed, 2),
        "kill_to_first_write_seconds": round(created - killed, 2),
    } | heal(stack_settings, clients, topics, killed)


def run_profile(
    base: Settings, profile: str, articles: list[Article], docs: dict[str, dict]
) -> dict[str, Any]:
    stack_settings = bench_settings(base, profile)
    t0 = time.monotonic()
    started = local_stack.ensure_up(settings=stack_settings)
    start_seconds = time.monotonic() - t0
    clients = local_stack.cluster_settings(stack_settings)
    tag = uuid.uuid4().hex[:8]
    clients = clients.with_overrides(
        topic_articles=f"bench.cluster.{tag}.articles",
        topic_dlq=f"bench.cluster.{tag}.dlq",
        topic_pages=f"bench.cluster.{tag}.pages",
        topic_enriched=f"bench.cluster.{tag}.enriched",
        index_alias=f"bench-cluster-{tag}",
        indexer_group=f"bench-cluster-{tag}",
    )
    row: dict[str, Any] = {
        "start_seconds": round(start_seconds, 1) if started else None,
        "rss_idle_mib": server_rss_mib(stack_settings),
    }
    es = es_client(clients, request_timeout=120)
    try:
        ensure_topics(clients)
        t = time.perf_counter()
        outcomes = publish_articles(articles, clients)
        seconds = time.perf_counter() - t
        row["published"] = sum(o.status == "published" for o in outcomes)
        row["publish_per_second"] = round(row["published"] / seconds, 1)

        setup_index(es, clients)
        options = RunOptions.from_settings(clients, until_caught_up=True, progress_seconds=60)
        summary = IndexerService(clients, options, to_document=lambda a: dict(docs[a.article_id])).run()
        row["indexed"] = summary.indexed
        row["index_per_second"] = round(
            summary.indexed / max(1e-9, summary.seconds - (summary.startup_seconds or 0)), 1
        )
        row["rss_loaded_mib"] = server_rss_mib(stack_settings)
        if profile == "cluster":
            topics = [clients.topic_articles, clients.topic_dlq, "__consumer_offsets"]
            doc = next(iter(docs.values()))
            row["recovery"] = {
                "kafka broker": recover_broker(stack_settings, clients, topics),
                "es node": recover_es_node(stack_settings, clients, topics, doc),
                "kafka controller": recover_controller(stack_settings, clients, topics),
            }
    finally:
        es.close()
        if started:
            local_stack.down(settings=stack_settings)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2000, help="ANT articles to publish and index")
    parser.add_argument("--out", type=Path, default=None, help="default: <home>/bench/cluster.json")
    args = parser.parse_args()

    base = Settings.from_env()
    out = args.out or Path(base.home) / "bench" / "cluster.json"
    articles, _ = load_ant_articles(base.data_dir, limit=args.limit)
    t = time.perf_counter()
    docs = {a.article_id: to_document(a) for a in articles}
    print(
        f"ANT v2.1: {len(articles)} articles, enriched in {time.perf_counter() - t:.0f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )

    rows = {}
    for profile in ("single", "cluster"):
        print(f"  {profile}: starting")
        rows[profile] = run_profile(base, profile, articles, docs)
        print(f"  {profile}: {json.dumps(rows[profile], ensure_ascii=False)}")

    single, cluster = rows["single"], rows["cluster"]
    result = {
        "benchmark": "cluster",
        "articles": len(articles),
        "rows": rows,
        "cluster_vs_single": {
            "publish": round(cluster["publish_per_second"] / single["publish_per_second"], 3),
            "index": round(cluster["index_per_second"] / single["index_per_second"], 3),
        },
        "environment": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(
        f"\n{'profile':8} {'start s':>8} {'publish/s':>10} {'index/s':>8} {'RSS idle':>9} {'RSS loaded':>11}"
    )
    for name, row in rows.items():
        start = f"{row['start_seconds']:.0f}" if row["start_seconds"] is not None else "running"
        idle, loaded = sum(row["rss_idle_mib"].values()), sum(row["rss_loaded_mib"].values())
        print(
            f"{name:8} {start:>8} {row['publish_per_second']:>10.0f} {row['index_per_second']:>8.0f} "
            f"{idle:>6.0f} MiB {loaded:>7.0f} MiB"
        )
    ratio = result["cluster_vs_single"]
    print(f"cluster / single: publish {ratio['publish']:.0%}, index {ratio['index']:.0%}")
    print(f"\n{'kill':18} {'victim':18} {'first write s':>14} {'restart s':>10} {'kill->whole s':>14}")
    for name, rec in cluster["recovery"].items():
        print(
            f"{name:18} {rec['victim']:18} {rec['kill_to_first_write_seconds']:>14.1f} "
            f"{rec['restart_seconds']:>10.1f} {rec['kill_to_whole_seconds']:>14.1f}"
        )
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
