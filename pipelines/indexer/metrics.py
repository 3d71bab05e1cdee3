"""Prometheus metrics of the indexer, in their own registry (several services can live in one process).

Exposed over HTTP by :func:`serve` on ``Settings.metrics_addr``:``Settings.metrics_port`` (127.0.0.1 by
default; 0.0.0.0 in a container, so a scraper outside it can reach them); ``khabar index status``
reads them back with :func:`scrape`.
"""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.parser import text_string_to_metric_families

from pipelines.config import Settings

log = logging.getLogger(__name__)


@dataclass
class IndexerMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.consumed = Counter("khabar_indexer_consumed", "Messages read from Kafka", registry=r)
        self.indexed = Counter(
            "khabar_indexer_indexed", "Documents Elasticsearch acknowledged (written)", registry=r
        )
        self.version_conflicts = Counter(
            "khabar_indexer_version_conflicts",
            "Documents skipped because Elasticsearch already holds an equal or newer version",
            registry=r,
        )
        self.dead_lettered = Counter(
            "khabar_indexer_dead_lettered", "Messages sent to the DLQ, by reason", ["reason"], registry=r
        )
        self.retried = Counter(
            "khabar_indexer_retried", "Bulk attempts retried after a transient failure", ["cause"], registry=r
        )
        self.batches = Counter("khabar_indexer_batches", "Batches committed to Kafka", registry=r)
        self.abandoned = Counter(
            "khabar_indexer_abandoned_batches",
            "Batches dropped uncommitted (rebalance, shutdown); they are consumed again",
            registry=r,
        )
        self.lag = Gauge(
            "khabar_indexer_consumer_lag",
            "Messages not yet committed, per partition",
            ["topic", "partition"],
            registry=r,
        )
        self.batch_seconds = Histogram(
            "khabar_indexer_batch_seconds",
            "From the first message of a batch to its offsets being committed",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=r,
        )
        self.paused = Gauge(
            "khabar_indexer_paused", "1 while consumption is paused for a back-off", registry=r
        )
        self.freshness = Histogram(
            "khabar_indexer_freshness_seconds",
            "From a record's Kafka timestamp to Elasticsearch acknowledging its document "
            "(searchable at the next refresh, at most the index's refresh_interval later)",
            buckets=(0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 3600),
            registry=r,
        )

    def observe_freshness(self, timestamps: Iterable[float | None], now: float | None = None) -> None:
        """Record the age of each acknowledged document (``timestamps``: Kafka record times, epoch s).

        A replay of old records is observed too: its large ages are what a backlog looks like.
        """
        now = time.time() if now is None else now
        for ts in timestamps:
            if ts is not None:
                self.freshness.observe(max(0.0, now - ts))


def serve(metrics: IndexerMetrics, port: int, addr: str = "127.0.0.1") -> WSGIServer | None:
    """Expose ``metrics`` on ``http://addr:port/metrics``; the server, or None when ``port`` is 0 or
    busy (a busy port is logged, not fatal)."""
    if port <= 0:
        return None
    try:
        server, _thread = start_http_server(port, addr=addr, registry=metrics.registry)
    except OSError as exc:
        log.warning("metrics port unavailable", extra={"addr": addr, "port": port, "error": str(exc)})
        return None
    log.info("metrics exposed", extra={"url": f"http://{addr}:{port}/metrics"})
    return server


def serve_from_settings(
    metrics: IndexerMetrics, settings: Settings, port: int | None = None
) -> WSGIServer | None:
    """:func:`serve` on ``settings.metrics_addr`` and ``port`` (default ``settings.metrics_port``)."""
    return serve(metrics, settings.metrics_port if port is None else port, addr=settings.metrics_addr)


def scrape(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> dict[str, float] | None:
    """The khabar_indexer_* samples of a running indexer, ``name{labels}`` -> value; None if none runs."""
    url = f"http://{host}:{port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            text = response.read().decode("utf-8")
    except OSError:
        return None
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not sample.name.startswith("khabar_indexer_") or sample.name.endswith("_created"):
                continue
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return out
