"""Maintenance operations as small, JSON-ready results: what the maintenance DAGs and the demo call.

Each wraps the owning module (topics, indexer.template, indexer.reindex, dlq) and turns a partial
failure into an exception, so an Airflow task fails (and retries) instead of reporting success.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from pipelines.config import Settings
from pipelines.errors import PublishError

log = logging.getLogger(__name__)


def setup_topics(settings: Settings) -> dict[str, str]:
    """Create the missing topics (idempotent); ``{topic: created|exists|drift}``."""
    from pipelines.topics import ensure_topics

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
    from pipelines.indexer.elastic import es_client
    from pipelines.indexer.template import setup_index as setup

    es = es_client(settings)
    try:
        return setup(es, settings)
    finally:
        es.close()


def reindex(settings: Settings) -> dict[str, Any]:
    """Rebuild the index from the articles topic and swap the alias; the report as a dict."""
    from pipelines.indexer.reindex import reindex as run

    report = run(settings)
    out = asdict(report)
    if report.doc_count < report.old_doc_count:
        log.warning("reindexed index has fewer documents than the old one", extra=out)
    return out


def replay_dead_letters(
    settings: Settings, *, stage: str | None = None, since: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Replay matching dead letters from the DLQ topic; counts by outcome."""
    from pipelines.dlq import replay

    result = replay(settings, stage=stage, since=since, limit=limit)
    return asdict(result) if hasattr(result, "__dataclass_fields__") else dict(result)
