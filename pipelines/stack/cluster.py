"""What a running stack looks like as a cluster: the KRaft quorum, partitions short of replicas,
Elasticsearch health and where its shards are. ``khabar stack status`` prints it; the failure
tests and bench/cluster read it to find whom to kill and to know when the cluster is whole again.

Every function asks the servers (Kafka's DescribeQuorum and Metadata APIs, Elasticsearch's
``_cluster/health`` and ``_cat/shards``) through khabar's own clients, never the files on disk.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import kafka.errors as kafka_errors

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.kafka.clients import make_admin

T = TypeVar("T")


@dataclass(frozen=True)
class Quorum:
    leader_id: int
    leader_epoch: int
    voters: list[int]
    #: voters whose log is not within reach of the leader's (lagging or gone)
    lagging: list[int]


@dataclass(frozen=True)
class PartitionState:
    topic: str
    partition: int
    leader: int
    replicas: list[int]
    isr: list[int]

    @property
    def under_replicated(self) -> bool:
        return len(self.isr) < len(self.replicas)


@dataclass
class KafkaCluster:
    brokers: list[int] = field(default_factory=list)
    quorum: Quorum | None = None
    partitions: list[PartitionState] = field(default_factory=list)
    error: str | None = None

    @property
    def under_replicated(self) -> list[PartitionState]:
        return [p for p in self.partitions if p.under_replicated]

    def leaders(self, topic: str) -> Counter[int]:
        """broker id -> how many of ``topic``'s partitions it leads."""
        return Counter(p.leader for p in self.partitions if p.topic == topic)


@dataclass
class ElasticCluster:
    status: str = "unknown"
    nodes: int = 0
    master: str = ""
    unassigned: int = 0
    #: node name -> {"primaries": n, "replicas": n}
    shards: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None


@contextlib.contextmanager
def _quiet_kafka_logs():
    # kafka-python logs every refused connection at ERROR; a dead node is what status reports.
    log = logging.getLogger("kafka")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _asking(call: Callable[[], T], deadline: float) -> T:
    """``call()``, again while it fails in a way another node or a moment later may not.

    The admin client sends each request to a broker picked at random from its metadata, and a
    broker killed a moment ago stays in that metadata until the controller fences it (seconds): a
    refused connection means "ask a surviving broker", not "the cluster has no answer" (the retry
    picks again, and prefers a connection that works). During a controller election the brokers
    cannot forward a DescribeQuorum either: retriable errors too.
    """
    while True:
        try:
            return call()
        except kafka_errors.KafkaError as exc:
            if not exc.retriable or time.monotonic() >= deadline:
                raise
        time.sleep(0.2)


def kafka_cluster(settings: Settings, topics: list[str] | None = None, timeout: float = 10.0) -> KafkaCluster:
    """Brokers, the metadata quorum and every partition of ``topics`` (default: all topics).

    Each request is retried on another broker within ``timeout`` when the one it went to is gone.
    """
    out = KafkaCluster()
    ms = int(timeout * 1000)
    deadline = time.monotonic() + timeout
    with _quiet_kafka_logs():
        try:
            admin = make_admin(settings, "stack-status", request_timeout_ms=ms, bootstrap_timeout_ms=ms)
        except Exception as exc:  # no broker answers: that is the status
            out.error = f"{type(exc).__name__}: {exc}"
            return out
        try:
            out.brokers = sorted(b["broker_id"] for b in _asking(admin.describe_cluster, deadline)["brokers"])
            out.quorum = _asking(lambda: _quorum(admin.describe_metadata_quorum()), deadline)
            names = topics if topics is not None else sorted(_asking(admin.list_topics, deadline))
            # kafka-python 3 returns the Metadata response's own field names.
            described = _asking(lambda: admin.describe_topics(names), deadline) if names else []
            for topic in described:
                for p in topic["partitions"]:
                    out.partitions.append(
                        PartitionState(
                            topic["name"],
                            p["partition_index"],
                            p["leader_id"],
                            list(p["replica_nodes"]),
                            list(p["isr_nodes"]),
                        )
                    )
        except Exception as exc:
            out.error = f"{type(exc).__name__}: {exc}"
        finally:
            with contextlib.suppress(Exception):
                admin.close()
    return out


def _quorum(raw: dict[str, Any]) -> Quorum:
    part = raw["topics"][0]["partitions"][0]
    if part.get("error"):  # e.g. the request reached a controller that no longer leads
        raise kafka_errors.NotLeaderForPartitionError(part["error"])
    voters = part.get("current_voters") or []
    leader_end = max((v.get("log_end_offset", -1) for v in voters), default=-1)
    return Quorum(
        leader_id=part["leader_id"],
        leader_epoch=part["leader_epoch"],
        voters=sorted(v["replica_id"] for v in voters),
        # A voter more than a few hundred records behind is not keeping up (or is gone).
        lagging=sorted(v["replica_id"] for v in voters if leader_end - v.get("log_end_offset", -1) > 500),
    )


def elastic_cluster(settings: Settings, timeout: float = 5.0) -> ElasticCluster:
    """Health, elected master and shard copies per node (every index, system ones included)."""
    out = ElasticCluster()
    es = es_client(settings, request_timeout=timeout, max_retries=len(settings.es_url.split(",")))
    try:
        health = es.cluster.health()
        out.status, out.nodes = health["status"], health["number_of_nodes"]
        out.unassigned = health["unassigned_shards"]
        master = es.cat.master(format="json")
        out.master = master[0]["node"] if master else ""
        for shard in es.cat.shards(format="json", h="index,shard,prirep,state,node"):
            if shard.get("state") != "STARTED" or not shard.get("node"):
                continue
            counts = out.shards.setdefault(shard["node"], {"primaries": 0, "replicas": 0})
            counts["primaries" if shard["prirep"] == "p" else "replicas"] += 1
    except Exception as exc:  # a cluster that does not answer: that is the status
        out.error = f"{type(exc).__name__}: {exc}"
    finally:
        es.close()
    return out


def primary_node(settings: Settings, index: str) -> str | None:
    """The node name holding the primary of shard 0 of ``index`` (an alias resolves to its index)."""
    es = es_client(settings)
    try:
        for shard in es.cat.shards(index=index, format="json", h="index,shard,prirep,state,node"):
            if shard["prirep"] == "p" and shard["state"] == "STARTED":
                return shard["node"]
        return None
    finally:
        es.close()
