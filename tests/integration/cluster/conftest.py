"""A three-broker, three-node cluster of real Kafka and Elasticsearch processes, started once for
the failure tests (``cluster``, module scope) and stopped after them if this session started it.

It runs beside the session's single-node stack: its own home (``<home>/cluster-tests``) and its
ports are the configured ones shifted by three strides (node i of the cluster: configured port
+ (3 + i) * ``cluster_port_stride``), so with the defaults 9122/9132/9142 for Kafka and
9230/9240/9250 for Elasticsearch. Each test gets private topics, a consumer group and an alias
(``workload``), and leaves every node running and the cluster whole (full ISR, green) behind it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from elasticsearch import Elasticsearch
from isolation import delete_isolated_topics, isolated_settings, start_indexer_process

from pipelines import stack as local_stack
from pipelines.config import Settings, get_settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import delete_alias_and_indices, setup_index
from pipelines.errors import StackError
from pipelines.indexer.consume import partition_lag, topic_partitions
from pipelines.ingest.publish import Publisher, PublishOutcome
from pipelines.kafka.clients import make_consumer
from pipelines.kafka.topics import ensure_topics
from pipelines.model import Article
from pipelines.stack import process
from pipelines.stack.cluster import elastic_cluster, kafka_cluster

T = TypeVar("T")


def cluster_test_settings(base: Settings) -> Settings:
    """The cluster profile on its own home and ports (three strides above the configured ones)."""
    shift = 3 * base.cluster_port_stride
    return base.with_overrides(
        profile="cluster",
        home=Path(base.home) / "cluster-tests",
        kafka_port=base.kafka_port + shift,
        kafka_controller_port=base.kafka_controller_port + shift,
        es_port=base.es_port + shift,
        es_transport_port=base.es_transport_port + shift,
    )


@dataclass
class Cluster:
    #: the stack's settings (ports, home) with the clients pointed at every node
    settings: Settings
    es: Elasticsearch
    #: seconds `up` took (0 if it was already running)
    start_seconds: float

    def service(self, name: str) -> local_stack.LocalService:
        (svc,) = local_stack.services([name], settings=self.settings)
        return svc

    def kill(self, name: str) -> int:
        """SIGKILL one node (``kafka-2``, ``elasticsearch-1``): no shutdown hook, no goodbye."""
        record = process.alive_from_pid_file(self.service(name).paths.pid_file)
        if record is None:
            pytest.fail(f"{name} is not running under khabar's pid file; cannot kill it")
        os.kill(record.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while process.is_alive(record) and time.monotonic() < deadline:
            time.sleep(0.05)
        return record.pid

    def restart_missing(self) -> list[str]:
        """``up`` again: starts exactly the nodes that are not running."""
        return local_stack.ensure_up(settings=self.settings)

    def restart_missing_in_background(self) -> Future[list[str]]:
        """:meth:`restart_missing` in a thread: the node boots while the indexer catches up."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="restart")
        future = pool.submit(self.restart_missing)
        pool.shutdown(wait=False)
        return future

    def wait_whole(self, topics: list[str], timeout: float = 180) -> None:
        """Every node up, no partition of ``topics`` short of an in-sync replica, Elasticsearch green."""
        deadline = time.monotonic() + timeout
        while True:
            kafka = kafka_cluster(self.settings, topics)
            es = elastic_cluster(self.settings)
            if (
                kafka.error is None
                and len(kafka.brokers) == 3
                and kafka.partitions
                and not kafka.under_replicated
                and es.status == "green"
                and es.nodes == 3
            ):
                return
            if time.monotonic() > deadline:
                pytest.fail(
                    f"cluster not whole after {timeout}s: brokers {kafka.brokers}, under-replicated "
                    f"{kafka.under_replicated}, Elasticsearch {es.status} with {es.nodes} nodes"
                )
            time.sleep(1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    settings = cluster_test_settings(get_settings())
    began = time.monotonic()
    try:
        started = local_stack.ensure_up(settings=settings)
    except StackError as exc:
        pytest.fail(f"the local cluster could not start: {exc}", pytrace=False)
    took = time.monotonic() - began if started else 0.0
    clients = local_stack.cluster_settings(settings)
    es = es_client(clients)
    try:
        yield Cluster(clients, es, took)
    finally:
        es.close()
        if started:
            local_stack.down(settings=settings)


class Publishing:
    """A background publisher thread: ``sent`` so far, ``join()`` -> one outcome per article."""

    def __init__(self, settings: Settings, articles: list[Article], chunk: int, pause: float) -> None:
        self.sent = 0
        self.total = len(articles)
        self._outcomes: list[PublishOutcome] = []
        self._errors: list[BaseException] = []

        def run() -> None:
            try:
                with Publisher(settings) as publisher:
                    for start in range(0, len(articles), chunk):
                        for article in articles[start : start + chunk]:
                            publisher.send_article(article)
                        self.sent = min(len(articles), start + chunk)
                        time.sleep(pause)
                    self._outcomes.extend(publisher.results())
            except BaseException as exc:  # surfaced by join(), not lost in the thread
                self._errors.append(exc)

        self._thread = threading.Thread(target=run, name="publisher", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float = 300) -> list[PublishOutcome]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the publisher did not finish within {timeout}s"
        if self._errors:
            raise self._errors[0]
        return self._outcomes


@dataclass
class Workload:
    """One test's topics, group and alias on the cluster, its publisher and indexer processes."""

    cluster: Cluster
    settings: Settings
    logs: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def es(self) -> Elasticsearch:
        return self.cluster.es

    # -- publishing ------------------------------------------------------------------------------
    def publish_in_background(
        self, articles: list[Article], chunk: int = 50, pause: float = 0.5
    ) -> Publishing:
        """One producer sends ``articles`` a chunk at a time (about 20 s for 2,000), so a kill lands
        while articles are still being published."""
        return Publishing(self.settings, articles, chunk, pause)

    # -- indexer processes -----------------------------------------------------------------------
    def start_indexer(self, name: str = "indexer") -> subprocess.Popen:
        proc = start_indexer_process(self.settings, self.logs / f"{name}-{len(self.procs)}.log")
        self.procs.append(proc)
        return proc

    def stop_indexer(self, proc: subprocess.Popen) -> dict[str, Any]:
        """SIGTERM, wait, exit code 0, the run's summary."""
        assert proc.poll() is None, f"the indexer exited early ({proc.returncode}); logs in {self.logs}"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=90)
        assert proc.returncode == 0, f"indexer exited {proc.returncode}; logs in {self.logs}"
        return json.loads(out)

    # -- what happened ---------------------------------------------------------------------------
    def count(self) -> int:
        try:
            self.es.indices.refresh(index=self.settings.index_alias)
            return int(self.es.count(index=self.settings.index_alias)["count"])
        except Exception:  # a node just died: ask again on the next poll
            return -1

    def documents(self) -> dict[str, int]:
        """article_id -> _version of every document behind the alias."""
        self.es.indices.refresh(index=self.settings.index_alias)
        hits = self.es.search(
            index=self.settings.index_alias, size=10_000, version=True, source=False, query={"match_all": {}}
        )["hits"]["hits"]
        assert len(hits) == len({h["_id"] for h in hits})
        return {h["_id"]: h["_version"] for h in hits}

    def lag(self) -> int:
        consumer = make_consumer(self.settings, role="test-lag", group_id=self.settings.indexer_group)
        try:
            return sum(
                partition_lag(consumer, topic_partitions(consumer, self.settings.topic_articles)).values()
            )
        finally:
            consumer.close(autocommit=False)

    def dead_letters(self) -> int:
        consumer = make_consumer(self.settings, role="test-dlq")
        try:
            partitions = topic_partitions(consumer, self.settings.topic_dlq)
            return sum(consumer.end_offsets(partitions).values())
        finally:
            consumer.close(autocommit=False)

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str, every: float = 1.0) -> float:
        """Poll until ``predicate()`` (each poll refreshes the index: not too often); returns the
        seconds it took."""
        began = time.monotonic()
        while not predicate():
            if time.monotonic() - began > timeout:
                pytest.fail(f"timed out after {timeout}s waiting for {what}; logs in {self.logs}")
            time.sleep(every)
        return time.monotonic() - began

    def poll(self, probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.5) -> T:
        """The first answer of ``probe()`` that is not None (polled until ``timeout``)."""
        began = time.monotonic()
        while (found := probe()) is None:
            if time.monotonic() - began > timeout:
                pytest.fail(f"timed out after {timeout}s waiting for {what}; logs in {self.logs}")
            time.sleep(every)
        return found

    def wait_indexing(self, publishing: Publishing, n: int = 50, *, or_half_sent: bool = True) -> None:
        """Until the indexer has written ``n`` documents (or, if ``or_half_sent``, half the articles
        are sent): then the publisher and the indexer are mid-stream, the moment to kill something."""
        self.wait_for(
            lambda: self.count() >= n or (or_half_sent and publishing.sent >= publishing.total // 2),
            300,
            f"{n} documents indexed",
            every=0.5,
        )

    def wait_caught_up(self, expected: int) -> None:
        # The lag first: a refresh per poll while the indexer is behind would only slow it down.
        self.wait_for(lambda: self.lag() == 0 and self.count() == expected, 900, "the indexer(s) to catch up")

    def assert_everything_indexed_once(self, articles: list[Article]) -> None:
        """The invariant of every failure test: each article is in the index exactly once, at its
        own version (a duplicate write would have bumped or refused it), nothing dead-lettered."""
        docs = self.documents()
        assert len(docs) == len(articles) == self.count()
        assert set(docs) == {a.article_id for a in articles}
        assert {a.article_id: a.version for a in articles} == docs
        assert self.dead_letters() == 0

    @property
    def topics(self) -> list[str]:
        return [self.settings.topic_articles, self.settings.topic_dlq, "__consumer_offsets"]


@pytest.fixture
def workload(cluster: Cluster, tmp_path: Path) -> Iterator[Workload]:
    settings = isolated_settings(cluster.settings, "cluster")
    reports = ensure_topics(settings)
    assert [r.action for r in reports] == ["created"] * 4, reports
    setup_index(cluster.es, settings)
    logs = tmp_path / "logs"
    logs.mkdir()
    work = Workload(cluster, settings, logs)
    try:
        yield work
    finally:
        for proc in work.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
        # Leave the cluster whole for the next test, whatever this one did to it.
        cluster.restart_missing()
        with contextlib.suppress(Exception):
            delete_alias_and_indices(cluster.es, settings.index_alias)
        delete_isolated_topics(settings)
