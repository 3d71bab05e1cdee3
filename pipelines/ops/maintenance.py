"""Maintenance operations as small, JSON-ready results: what the maintenance DAGs and the demo call.

Each wraps the owning module (kafka.topics, elastic.template, indexer.reindex, kafka.dlq) and turns a partial
failure into an exception, so an Airflow task fails (and retries) instead of reporting success.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import setup_index as setup_elastic_index
from pipelines.errors import PublishError
from pipelines.indexer.reindex import reindex as run_reindex
from pipelines.ingest.rebuild import rebuild
from pipelines.kafka.dlq_replay import replay
from pipelines.kafka.topics import ensure_topics
from pipelines.sources import load_sources

log = logging.getLogger(__name__)


def setup_topics(settings: Settings) -> dict[str, str]:
    """Create the missing topics (idempotent); ``{topic: created|exists|drift}``."""
    reports = ensure_topics(settings)
    failed = [r for r in reports if r.action == "failed"]
    if failed:
        raise PublishError(
            "topic setup failed: " + "; ".join(f"{r.name}: {r.error}" for r in failed),
            reason="topic_setup_failed",
        )
    return {r.name: r.action for r in reports}


def setup_index(settings: Settings) -> dict[str, Any]:
    """Template, first index and alias (idempotent); what was done."""
    es = es_client(settings)
    try:
        return setup_elastic_index(es, settings)
    finally:
        es.close()


def reindex(settings: Settings) -> dict[str, Any]:
    """Rebuild the index from the articles topic and swap the alias; the report as a dict."""
    report = run_reindex(settings)
    out = asdict(report)
    if report.doc_count < report.old_doc_count:
        log.warning("reindexed index has fewer documents than the old one", extra=out)
    return out


def replay_dead_letters(
    settings: Settings,
    *,
    stage: str | None = None,
    since: str | datetime | None = None,
    limit: int | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Replay matching dead letters (each at most once); counts by action, and what was skipped and why."""
    if isinstance(since, str):
        since = datetime.fromisoformat(since)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    results = replay(settings, stage=stage or None, since=since, limit=limit, reason=reason or None)
    skipped = Counter(r.detail or r.reason for r in results if r.action == "skipped")
    return {
        "matched": len(results),
        "actions": dict(Counter(r.action for r in results)),
        "by_stage": dict(Counter(r.stage for r in results)),
        "skipped_because": dict(skipped),
    }


def _moment(value: str | datetime | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def rebuild_articles(
    settings: Settings,
    *,
    sources: list[str] | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
) -> dict[str, Any]:
    """Re-extract the stored pages and republish changed articles (see pipelines.ingest.rebuild)."""
    stats = rebuild(
        settings,
        load_sources(settings.sources_file),
        source_ids=sources or None,
        since=_moment(since),
        until=_moment(until),
    )
    return stats.as_dict()
