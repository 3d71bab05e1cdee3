"""Settings for a test that runs indexers: its own topics, index alias and consumer group.

Importable from any test module or conftest (pytest puts tests/ on sys.path for tests/conftest.py).
"""

from __future__ import annotations

import uuid

from pipelines.config import Settings


def isolated_settings(settings: Settings, name: str) -> Settings:
    """``settings`` on four topics, an index alias and a consumer group that no other test (or run)
    uses, with small, quick bulk batches and no metrics server (several indexers share the host)."""
    tag = uuid.uuid4().hex[:8]
    return settings.with_overrides(
        topic_articles=f"test.{name}.{tag}.articles",
        topic_dlq=f"test.{name}.{tag}.dlq",
        topic_pages=f"test.{name}.{tag}.pages",
        topic_enriched=f"test.{name}.{tag}.enriched",
        index_alias=f"test-{name}-{tag}",
        indexer_group=f"test-{name}-{tag}",
        bulk_max_docs=100,
        bulk_max_seconds=0.5,
        metrics_port=0,
    )
