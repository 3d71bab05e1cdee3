"""How an indexer run is configured, what it reports when it ends, and its progress clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pipelines.config import Settings


@dataclass(frozen=True)
class RunOptions:
    group: str
    index: str  # the alias (live indexing) or a concrete index (reindex)
    topic: str
    require_alias: bool = True
    until_caught_up: bool = False
    max_idle_seconds: float | None = None
    max_doc_bytes: int = 2 * 1024 * 1024
    publish_enriched: bool = False
    backoff_base: float = 0.5
    backoff_cap: float = 15.0
    progress_seconds: float = 10.0
    #: seconds outside a stable consumer group before the consumer is rebuilt
    rejoin_timeout: float = 60.0
    #: enrichment worker processes (0: prepare in the loop's own process)
    workers: int = 0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RunOptions:
        base: dict[str, Any] = {
            "group": settings.indexer_group,
            "index": settings.index_alias,
            "topic": settings.topic_articles,
            "max_doc_bytes": settings.kafka_max_message_bytes,
            "workers": settings.indexer_workers,
        }
        return cls(**(base | {k: v for k, v in overrides.items() if v is not None}))


@dataclass
class RunSummary:
    consumed: int = 0
    indexed: int = 0
    conflicts: int = 0
    dead_lettered: int = 0
    batches: int = 0
    abandoned: int = 0
    retries: int = 0
    seconds: float = 0.0
    #: from start to the first record (group join, partition assignment): not throughput
    startup_seconds: float | None = None
    exit_reason: str = ""
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Progress:
    docs: int = 0
    _since: float = field(default_factory=time.monotonic)
    _last_report: float = field(default_factory=time.monotonic)
    _last_check: float = 0.0

    def due_report(self, every: float) -> bool:
        if time.monotonic() - self._last_report < every:
            return False
        self._last_report = time.monotonic()
        return True

    def due_check(self, every: float = 0.5) -> bool:
        if time.monotonic() - self._last_check < every:
            return False
        self._last_check = time.monotonic()
        return True

    def rate(self) -> float:
        now = time.monotonic()
        rate = self.docs / max(1e-6, now - self._since)
        self.docs, self._since = 0, now
        return round(rate, 1)
