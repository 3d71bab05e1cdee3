"""Settings for a test that runs indexers: its own topics, index alias and consumer group.

Importable from any test module or conftest (pytest puts tests/ on sys.path for tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.kafka.clients import make_admin

# Every settings field an indexer subprocess must share with the test, as KHABAR_* variables.
SHARED_FIELDS = (
    "profile",
    "kafka_bootstrap",
    "es_url",
    "topic_articles",
    "topic_dlq",
    "topic_pages",
    "topic_enriched",
    "index_alias",
    "indexer_group",
    "bulk_max_docs",
    "bulk_max_seconds",
    "bulk_linger_seconds",
    "metrics_port",
    "home",
)


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


def subprocess_env(settings: Settings) -> dict[str, str]:
    """This process's environment with ``settings``' shared fields as KHABAR_* variables."""
    env = dict(os.environ)
    for name in SHARED_FIELDS:
        env[f"KHABAR_{name.upper()}"] = str(getattr(settings, name))
    return env


def start_indexer_process(settings: Settings, log: Path, *args: str) -> subprocess.Popen:
    """``python -m pipelines.indexer run --no-setup ...``: JSON logs to ``log``, summary JSON on stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.indexer", "run", "--no-setup", *args],
        cwd=PROJECT_ROOT,
        env=subprocess_env(settings),
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )


def delete_isolated_topics(settings: Settings) -> None:
    """Best-effort removal of the four private topics :func:`isolated_settings` named."""
    admin = make_admin(settings, "test-cleanup")
    try:
        with contextlib.suppress(Exception):
            admin.delete_topics(
                [settings.topic_articles, settings.topic_dlq, settings.topic_pages, settings.topic_enriched]
            )
    finally:
        admin.close()
