"""DAG integrity: every DAG file in dags/ loads, is wired the way operators rely on, and parses fast.

Loaded by Airflow's own DagBag (the same code the DAG processor runs). Airflow missing or broken
makes these fail, not skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.utils.dag_cycle_tester import check_cycle

pytestmark = pytest.mark.airflow

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"
EXPECTED = {"news_ingest", "khabar_setup", "khabar_reindex", "khabar_dlq_replay", "khabar_rebuild"}


def test_dag_files_import_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_dag_conventions(dagbag: DagBag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    check_cycle(dag)  # raises on a cycle
    assert dag.tags and "khabar" in dag.tags
    assert dag.doc_md and dag.doc_md.strip()
    assert not dag.catchup
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.owner == "khabar", task.task_id
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff, task.task_id
        assert task.max_retry_delay is not None, task.task_id


def test_news_ingest_fans_out_one_task_per_source(dagbag: DagBag) -> None:
    dag = dagbag.dags["news_ingest"]
    if not os.environ.get("KHABAR_INGEST_SCHEDULE"):
        assert dag.schedule == "*/15 * * * *"
    assert {t.task_id for t in dag.tasks} == {"list_sources", "ingest_source", "summarize"}

    ingest = dag.get_task("ingest_source")
    assert ingest.is_mapped
    assert ingest.map_index_template == "{{ source_id }}"
    assert ingest.upstream_task_ids == {"list_sources"}
    assert ingest.retries >= 3
    assert ingest.max_retry_delay <= timedelta(minutes=30)

    summary = dag.get_task("summarize")
    assert summary.trigger_rule == "all_done"
    assert summary.upstream_task_ids == {"list_sources", "ingest_source"}
    assert set(dag.params) == {"sources_file", "source_ids", "limit"}


def test_maintenance_dags_are_manual_with_params(dagbag: DagBag) -> None:
    for dag_id in ("khabar_setup", "khabar_reindex", "khabar_dlq_replay", "khabar_rebuild"):
        assert dagbag.dags[dag_id].schedule is None
    assert set(dagbag.dags["khabar_dlq_replay"].params) == {"stage", "since", "limit"}
    assert set(dagbag.dags["khabar_rebuild"].params) == {"sources", "since", "until"}
    assert {t.task_id for t in dagbag.dags["khabar_rebuild"].tasks} == {"rebuild"}
    assert {t.task_id for t in dagbag.dags["khabar_setup"].tasks} == {"create_topics", "setup_index"}


def test_schedule_is_configurable_from_the_environment(tmp_path: Path) -> None:
    """KHABAR_INGEST_SCHEDULE is read at parse time (an env var, not a Variable or the network)."""
    code = (
        "from airflow.dag_processing.dagbag import DagBag; import sys;"
        f"b = DagBag(dag_folder={str(DAGS_FOLDER / 'news_ingest.py')!r});"
        "print(b.dags['news_ingest'].schedule)"
    )
    for value, expected in (("@hourly", "@hourly"), ("none", "None")):
        env = {**os.environ, "KHABAR_INGEST_SCHEDULE": value}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip().splitlines()[-1] == expected


def test_parsing_reads_no_connections_variables_or_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Top-level code must not touch Airflow connections, Variables or the network (it runs on every parse)."""
    from airflow.sdk import Connection, Variable

    def forbidden(*args, **kwargs):
        raise AssertionError("called at DAG parse time")

    monkeypatch.setattr(Connection, "get", forbidden)
    monkeypatch.setattr(Variable, "get", forbidden)
    monkeypatch.setattr(socket.socket, "connect", forbidden)
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == EXPECTED


def test_parse_time_is_small(record_property) -> None:
    """Each DAG file is parsed in a fresh interpreter (as the DAG processor does) and timed.

    The times are reported (pytest -rA shows them); the bound is a generous integrity check,
    not a benchmark: a DAG file doing I/O or heavy imports at the top level would blow it.
    """
    code = (
        "import json, time, airflow.sdk;"
        "from airflow.dag_processing.dagbag import DagBag;"
        f"b = DagBag(dag_folder={str(DAGS_FOLDER)!r});"
        "print(json.dumps({s.file: s.duration.total_seconds() for s in b.dagbag_stats}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    durations = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(durations) == {"news_ingest.py", "news_maintenance.py"}
    for name, seconds in durations.items():
        record_property(f"parse_seconds[{name}]", seconds)
        print(f"parse time {name}: {seconds * 1000:.1f} ms")
        assert seconds < 5.0, f"{name} took {seconds:.2f}s to parse"


def test_ingest_source_updates_the_articles_asset_within_a_pool_and_a_deadline(dagbag: DagBag) -> None:
    from airflow.sdk import Asset

    dag = dagbag.dags["news_ingest"]
    task = dag.get_task("ingest_source")
    (outlet,) = task.outlets
    assert isinstance(outlet, Asset)
    assert outlet.name == "news.articles.v1"
    assert outlet.uri.startswith("kafka://") and outlet.uri.endswith("/news.articles.v1")
    assert task.pool == "khabar_scrape"
    assert task.max_active_tis_per_dagrun == 4
    deadlines = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    assert len(deadlines) == 1
    assert deadlines[0].interval == timedelta(minutes=30)
    assert deadlines[0].callback.path == "pipelines.ops.alerts.ingest_deadline_missed"


def test_the_example_downstream_dag_is_scheduled_on_the_articles_asset() -> None:
    bag = DagBag(dag_folder=str(REPO / "examples" / "downstream_dag.py"))
    assert bag.import_errors == {}
    dag = bag.dags["articles_downstream"]
    from airflow.sdk.definitions.asset import AssetNameRef

    assert list(dag.timetable.asset_condition.objects) == [AssetNameRef(name="news.articles.v1")]
