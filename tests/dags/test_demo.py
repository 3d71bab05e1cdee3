"""``khabar demo`` end to end, twice, as ``make demo`` runs it: the second run reuses what the first set
up (topics and index exist, the crawl state makes the scrape find nothing new) and still finds the
seed article. Own KHABAR_HOME (Airflow home, crawl state), topics and alias; the session's stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from ports import free_port

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import delete_alias_and_indices

pytestmark = [pytest.mark.airflow, pytest.mark.integration, pytest.mark.slow]

KHABAR = Path(sys.executable).with_name("khabar")


def test_demo_twice(stack, tmp_path: Path) -> None:
    uid = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "KHABAR_HOME": str(tmp_path / "home"),
        "KHABAR_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "KHABAR_ES_URL": stack.es_url,
        "KHABAR_TOPIC_ARTICLES": f"test.demo.articles.{uid}",
        "KHABAR_TOPIC_PAGES": f"test.demo.pages.{uid}",
        "KHABAR_TOPIC_DLQ": f"test.demo.dlq.{uid}",
        "KHABAR_TOPIC_ENRICHED": f"test.demo.enriched.{uid}",
        "KHABAR_INDEX_ALIAS": f"test-demo-{uid}",
        "KHABAR_INDEXER_GROUP": f"test-demo-{uid}",
        "KHABAR_ARTICLES_PARTITIONS": "2",
    }
    # The test session's Airflow settings must not leak into the demo's own Airflow home.
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW")}
    port = free_port()  # the same port both times: the crawl state knows the site by its URLs
    reports = []
    try:
        for run in ("first", "second"):
            report_file = tmp_path / f"{run}.json"
            proc = subprocess.run(
                [str(KHABAR), "demo", "--port", str(port), "--report-file", str(report_file)],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
            assert "airflow standalone" in proc.stdout
            assert "make stack-down" in proc.stdout
            reports.append(json.loads(report_file.read_text()))
    finally:
        settings = Settings.from_env(env)
        client = es_client(settings)
        delete_alias_and_indices(client, settings.index_alias)
        client.close()

    first, second = reports
    for report in reports:
        assert report["seed_found"]
        assert report["ingest"]["state"] == "success"
        assert report["searches"]["سوريا"]["total"] >= 1
        assert report["searches"]["الشيباني"]["total"] >= 1
        assert report["searches"]["غزة"]["total"] >= 1

    assert set(first["topics"].values()) == {"created"}
    assert first["index"]["index_created"] is True
    published = first["ingest"]["xcoms"]["summarize"]["totals"]["published"]
    assert published >= 20
    assert first["indexed"]["indexed"] == published

    assert set(second["topics"].values()) <= {"exists", "drift"}
    assert second["index"]["index_created"] is False
    totals = second["ingest"]["xcoms"]["summarize"]["totals"]
    assert totals["published"] == 0  # nothing new: conditional GETs answered 304
    assert totals["discovery_not_modified"] >= 1
    assert second["indexed"]["indexed"] == 0
    # The Airflow home persisted: the second run is the DAG's second run there.
    assert (tmp_path / "home" / "airflow" / "airflow.db").exists()
