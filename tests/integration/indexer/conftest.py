"""Fixtures for the indexer's reliability tests: one private set of topics, group, alias and index
per test (Settings overrides), real indexer processes, and readers for the index and the DLQ."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from isolation import delete_isolated_topics, isolated_settings, start_indexer_process, subprocess_env

from pipelines.config import Settings
from pipelines.elastic.template import delete_alias_and_indices, setup_index
from pipelines.indexer.consume import partition_lag, topic_partitions
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import make_consumer, make_producer
from pipelines.kafka.topics import ensure_topics
from pipelines.model import Article


@dataclass
class IndexerEnv:
    settings: Settings
    es: Elasticsearch
    logs: Path
    procs: list[subprocess.Popen] = field(default_factory=list)
    log_files: dict[int, Path] = field(default_factory=dict)  # pid -> its JSON log

    # -- Kafka ----------------------------------------------------------------------------------
    def publish(self, articles: Iterable[Article]) -> None:
        outcomes = publish_articles(list(articles), self.settings)
        assert all(o.status == "published" for o in outcomes), [o for o in outcomes if not o.ok][:3]

    def publish_in_chunks(self, articles: list[Article], chunk: int, pause: float) -> threading.Thread:
        """Publish in the background, a chunk at a time: articles keep flowing while the test acts."""

        def run() -> None:
            for start in range(0, len(articles), chunk):
                self.publish(articles[start : start + chunk])
                time.sleep(pause)

        thread = threading.Thread(target=run, name="publisher", daemon=True)
        thread.start()
        return thread

    def produce_raw(self, messages: list[tuple[str, bytes]]) -> None:
        """Messages as a broken producer might send them (no validation on the way in)."""
        producer = make_producer(self.settings, "test-raw")
        try:
            for key, value in messages:
                producer.send(self.settings.topic_articles, key=key.encode(), value=value)
            producer.flush()
        finally:
            producer.close()

    def dead_letters(self) -> list[dict[str, Any]]:
        """Every message in the DLQ topic, decoded."""
        consumer = make_consumer(self.settings, role="test-dlq")
        try:
            partitions = topic_partitions(consumer, self.settings.topic_dlq)
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            ends = consumer.end_offsets(partitions)
            out: list[dict[str, Any]] = []
            deadline = time.monotonic() + 30
            while any(consumer.position(tp) < ends[tp] for tp in partitions) and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=500).values():
                    out += [json.loads(r.value) for r in records]
            return out
        finally:
            consumer.close(autocommit=False)

    def lag(self, group: str | None = None) -> int:
        consumer = make_consumer(
            self.settings, role="test-lag", group_id=group or self.settings.indexer_group
        )
        try:
            return sum(
                partition_lag(consumer, topic_partitions(consumer, self.settings.topic_articles)).values()
            )
        finally:
            consumer.close(autocommit=False)

    # -- Elasticsearch --------------------------------------------------------------------------
    def count(self) -> int:
        self.es.indices.refresh(index=self.settings.index_alias)
        return int(self.es.count(index=self.settings.index_alias)["count"])

    def documents(self) -> dict[str, dict[str, Any]]:
        """article_id -> {_version, title, _id} of every document behind the alias."""
        self.es.indices.refresh(index=self.settings.index_alias)
        hits = self.es.search(
            index=self.settings.index_alias,
            size=10_000,
            version=True,
            source=["article_id", "title"],
            query={"match_all": {}},
        )["hits"]["hits"]
        return {h["_id"]: {"version": h["_version"], **h["_source"]} for h in hits}

    # -- indexer processes ----------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return subprocess_env(self.settings)

    def start(self, *args: str, name: str = "indexer") -> subprocess.Popen:
        """``python -m pipelines.indexer run ...`` (JSON logs to a file, summary JSON on stdout)."""
        log_file = self.logs / f"{name}-{len(self.procs)}.log"
        proc = start_indexer_process(self.settings, log_file, *args)
        self.procs.append(proc)
        self.log_files[proc.pid] = log_file
        return proc

    def assigned(self, proc: subprocess.Popen) -> set[str]:
        """The partitions a running indexer process owns now, from its last "partitions assigned"
        log line (empty before it joined the group)."""
        assert proc.poll() is None, f"indexer exited {proc.returncode}; see {self.logs}"
        log_file = self.log_files[proc.pid]
        partitions: set[str] = set()
        for line in log_file.read_text().splitlines() if log_file.exists() else ():
            record = json.loads(line) if line.startswith("{") else {}
            if record.get("msg") == "partitions assigned":
                partitions = set(record.get("partitions") or ())
        return partitions

    def finish(self, proc: subprocess.Popen, timeout: float = 180) -> dict[str, Any]:
        """Wait for a run to end by itself; its exit code must be 0; returns its summary."""
        out, _ = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, f"indexer exited {proc.returncode}; see {self.logs}"
        return json.loads(out)

    def log_text(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.logs.glob("*.log")))

    def wait_for(self, predicate: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}; logs in {self.logs}")
            time.sleep(0.3)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)


@pytest.fixture
def indexer_env(stack: Any, es: Elasticsearch, tmp_path: Path) -> Iterator[IndexerEnv]:
    settings = isolated_settings(stack.settings, "idx")
    reports = ensure_topics(settings)
    assert all(r.action in ("created", "exists") for r in reports), reports
    setup_index(es, settings)
    logs = tmp_path / "logs"
    logs.mkdir()
    env = IndexerEnv(settings, es, logs)
    try:
        yield env
    finally:
        env.stop_all()
        delete_alias_and_indices(es, settings.index_alias)
        # a reindex leaves the previous index outside the alias
        for index in es.indices.get(index=f"{settings.index_alias}-*", expand_wildcards="all").body:
            es.indices.delete(index=index, ignore_unavailable=True)
        delete_isolated_topics(settings)
