"""Airflow in production shape, for real: PostgreSQL, Redis, the CeleryExecutor and two workers.

``khabar stack``'s own services (pipelines/stack/airflow.py) are started once for this module in a
home of its own, next to the session's Kafka and Elasticsearch, and stopped at the end. The DAG
folder holds ``news_ingest`` and the example downstream DAG. The sample site is served on
127.0.0.1 by this process; the workers fetch it like any site.

What is checked, by reading Airflow's metadata DB (PostgreSQL) and khabar's topics and index:
the mapped source tasks ran on both workers; the downstream DAG ran on the asset events of the
ingest run; the deadline alert fired for a run that outlived a short window; a worker killed with
SIGKILL in the middle of a source task → the task is retried on the other worker, the run
succeeds and the index holds each article once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import yaml

from pipelines import stack as local_stack
from pipelines.config import Settings
from pipelines.kafka.clients import decode_json, read_topic
from pipelines.model import article_id_for
from pipelines.ops.alerts import alerts_file
from pipelines.sample_site import SampleSite, sample_sources
from pipelines.stack import process
from pipelines.stack.airflow import BACKING, PROCESSES, _airflow_cli
from pipelines.stack.postgres import PostgresService

pytestmark = [pytest.mark.airflow, pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 8
RUN_TIMEOUT = 420


@dataclass
class AirflowStack:
    settings: Settings
    db: str  # libpq conninfo of Airflow's metadata DB

    def cli(self, *args: str) -> str:
        result = _airflow_cli(self.settings, *args)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.db) as conn:
            return conn.execute(sql, params).fetchall()

    def wait_for_dags(self, *dag_ids: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.query("SELECT dag_id FROM dag WHERE dag_id = ANY(%s) AND NOT is_stale", list(dag_ids))
            if {r[0] for r in rows} == set(dag_ids):
                return
            time.sleep(2)
        errors = self.query("SELECT filename, stacktrace FROM import_error")
        pytest.fail(f"DAGs {dag_ids} not parsed after {timeout}s; import errors: {errors}")

    def trigger(self, dag_id: str, conf: dict) -> str:
        run_id = f"test__{uuid.uuid4().hex[:12]}"
        self.cli("dags", "trigger", dag_id, "--run-id", run_id, "--conf", json.dumps(conf))
        return run_id

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            rows = self.query("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", dag_id, run_id)
            state = rows[0][0] if rows else None
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        pytest.fail(f"{dag_id} {run_id} still {state} after {timeout}s; tasks: {self.tasks(dag_id, run_id)}")

    def tasks(self, dag_id: str, run_id: str) -> list[dict]:
        rows = self.query(
            "SELECT task_id, map_index, rendered_map_index, state, hostname, try_number FROM task_instance "
            "WHERE dag_id = %s AND run_id = %s ORDER BY task_id, map_index",
            dag_id,
            run_id,
        )
        keys = ("task_id", "map_index", "source", "state", "hostname", "try_number")
        return [dict(zip(keys, r, strict=True)) for r in rows]


def _sources_file(path: Path, site: SampleSite, ids: list[str], rate_limit: float) -> str:
    (sample,) = [s for s in sample_sources(site.base_url) if s.id == "sample"]
    sources = [sample.model_copy(update={"id": sid, "rate_limit": rate_limit}) for sid in ids]
    body = {"sources": [s.model_dump(mode="json", exclude_none=True) for s in sources]}
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def airflow_stack(stack) -> Iterator[AirflowStack]:
    """PostgreSQL, Redis and Airflow's processes of pipelines.stack, in a home of their own."""
    # Under the session's KHABAR_HOME, not pytest's temporary folders: other pytest sessions on
    # the machine prune those, and PostgreSQL (run as the postgres user when we are root) must
    # reach its data folder through every parent.
    home = Path(stack.settings.home).resolve() / "test-celery" / uuid.uuid4().hex[:8]
    home.mkdir(parents=True)
    for folder in (home, home.parent):
        folder.chmod(0o755)
    dags = home / "dags"
    dags.mkdir()
    (dags / "news_ingest.py").symlink_to(REPO / "dags" / "news_ingest.py")
    (dags / "downstream_dag.py").symlink_to(REPO / "examples" / "downstream_dag.py")
    uid = uuid.uuid4().hex[:8]
    env = {
        "KHABAR_HOME": str(home),
        "KHABAR_AIRFLOW_DAGS_FOLDER": str(dags),
        "KHABAR_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "KHABAR_ES_URL": stack.es_url,
        "KHABAR_TOPIC_ARTICLES": f"test.celery.articles.{uid}",
        "KHABAR_TOPIC_PAGES": f"test.celery.pages.{uid}",
        "KHABAR_TOPIC_DLQ": f"test.celery.dlq.{uid}",
        "KHABAR_TOPIC_ENRICHED": f"test.celery.enriched.{uid}",
        "KHABAR_INDEX_ALIAS": f"test-celery-{uid}",
        "KHABAR_INDEXER_GROUP": f"test-celery-{uid}",
        "KHABAR_ARTICLES_PARTITIONS": "2",
        "KHABAR_INGEST_SCHEDULE": "none",
        "KHABAR_INGEST_RETRY_SECONDS": "2",
        "KHABAR_INGEST_DEADLINE_SECONDS": str(DEADLINE_SECONDS),
        "KHABAR_STATE_URL": "",
        # A killed worker's task is noticed within seconds, not the default five minutes.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        settings = Settings.from_env()
        started: list[str] = []
        try:
            started += local_stack.ensure_up(BACKING, settings=settings)
            started += local_stack.ensure_up(PROCESSES, settings=settings)
            pg = PostgresService(settings)
            yield AirflowStack(settings, db=f"host={pg.host} port={pg.port} user=khabar dbname=airflow")
        finally:
            local_stack.down([*PROCESSES, *BACKING], settings=settings)
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSite]:
    with SampleSite(slow_seconds=3.0) as served:
        yield served


def _articles(settings: Settings) -> list[dict]:
    return [decode_json(r.value) for r in read_topic(settings, settings.topic_articles, role="test")]


def test_news_ingest_on_celery_spreads_sources_and_triggers_the_downstream_dag(
    airflow_stack: AirflowStack, site: SampleSite, tmp_path: Path
) -> None:
    af = airflow_stack
    af.wait_for_dags("news_ingest", "articles_downstream")
    ids = ["celery-a", "celery-b", "celery-c", "celery-d"]
    # Slow enough (0.4 s between requests of a source) that the four tasks overlap in time.
    sources = _sources_file(tmp_path / "sources.yaml", site, ids, rate_limit=0.4)
    run_id = af.trigger("news_ingest", {"sources_file": sources})
    assert af.wait_for_run("news_ingest", run_id) == "success", af.tasks("news_ingest", run_id)

    mapped = [t for t in af.tasks("news_ingest", run_id) if t["task_id"] == "ingest_source"]
    assert sorted(t["source"] for t in mapped) == ids
    assert {t["state"] for t in mapped} == {"success"}
    # Spread over both workers (each names itself through hostname_callable).
    assert {t["hostname"] for t in mapped} == {"worker-1", "worker-2"}, mapped

    # Every visible article once on the topic (the sources overlap: the crawl state's claims
    # let exactly one of them fetch and publish each page).
    articles = _articles(af.settings)
    got = [a["article_id"] for a in articles]
    assert len(got) == len(set(got))
    assert {article_id_for(site.url(a.path)) for a in site.articles()} <= set(got)

    # The Asset: one event per source task of this run, and the downstream DAG ran on them.
    events = af.query(
        "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
        "WHERE a.name = %s AND e.source_run_id = %s",
        af.settings.topic_articles,
        run_id,
    )
    assert len(events) == len(ids)
    assert sum(int(e[0]["published"]) for e in events) == len(got)
    # The downstream DAG ran, asset-triggered, on those events (Airflow batches the events that
    # arrived since its last run into one run).
    deadline = time.monotonic() + 180
    downstream: list[tuple] = []
    while time.monotonic() < deadline and not downstream:
        downstream = af.query(
            "SELECT run_id, state FROM dag_run WHERE dag_id = 'articles_downstream' "
            "AND run_type = 'asset_triggered' AND state = 'success' AND run_after >= "
            "(SELECT min(e.timestamp) FROM asset_event e WHERE e.source_run_id = %s)",
            run_id,
        )
        time.sleep(2)
    assert downstream, af.query(
        "SELECT run_id, state, run_type FROM dag_run WHERE dag_id = 'articles_downstream'"
    )

    # The run took longer than its deadline window (seconds): the alert fired, once, for this run.
    deadline = time.monotonic() + 120
    missed: list[tuple] = []
    while time.monotonic() < deadline and not missed:
        missed = af.query(
            "SELECT d.missed FROM deadline d JOIN dag_run r ON r.id = d.dagrun_id WHERE r.run_id = %s AND d.missed",
            run_id,
        )
        time.sleep(2)
    assert missed, "the deadline of a run longer than its window was not marked missed"
    path = alerts_file(af.settings)
    deadline = time.monotonic() + 120
    records: list[dict] = []
    while time.monotonic() < deadline and not records:
        if path.is_file():
            records = [json.loads(line) for line in path.read_text().splitlines()]
            records = [r for r in records if r["run_id"] == run_id]
        time.sleep(2)
    assert len(records) == 1, records
    assert records[0]["dag_id"] == "news_ingest"
    assert records[0]["window_seconds"] == DEADLINE_SECONDS


def test_a_worker_killed_mid_task_is_retried_on_the_other_and_nothing_is_lost_or_doubled(
    airflow_stack: AirflowStack, tmp_path: Path
) -> None:
    af = airflow_stack
    af.wait_for_dags("news_ingest")
    with SampleSite(slow_seconds=3.0) as fresh_site:  # new URLs: every article is new to the crawl state
        # One slow source: 21 pages at 1 s apiece, so there is time to kill its worker midway.
        sources = _sources_file(tmp_path / "sources.yaml", fresh_site, ["kill-me"], rate_limit=1.0)
        run_id = af.trigger("news_ingest", {"sources_file": sources})

        # Wait until the source task runs and has fetched a few article pages.
        deadline = time.monotonic() + 180
        victim = None
        while time.monotonic() < deadline:
            running = [
                t
                for t in af.tasks("news_ingest", run_id)
                if t["task_id"] == "ingest_source" and t["state"] == "running" and t["hostname"]
            ]
            pages = [
                r for r in fresh_site.requests if r.path.startswith("/news/") and r.path.endswith(".html")
            ]
            if running and len(pages) >= 4:
                victim = running[0]["hostname"]
                break
            time.sleep(0.5)
        assert victim in ("worker-1", "worker-2"), af.tasks("news_ingest", run_id)

        # kill -9 the worker: its whole process group (the Celery parent, its pool and the task).
        record = process.read_pid_file(
            local_stack.services([f"airflow-{victim}"], af.settings)[0].paths.pid_file
        )
        assert record is not None
        os.killpg(record.pid, signal.SIGKILL)

        state = af.wait_for_run("news_ingest", run_id)
        tasks = af.tasks("news_ingest", run_id)
    assert state == "success", tasks
    (task,) = [t for t in tasks if t["task_id"] == "ingest_source"]
    assert task["state"] == "success"
    assert task["try_number"] >= 2  # the killed attempt, then the retry
    assert task["hostname"] not in (victim, None), task  # ...on the other worker

    # Every article of the site reached Kafka; re-published ones share the key (article_id).
    expected = {article_id_for(fresh_site.url(a.path)) for a in fresh_site.articles()}
    on_topic = {a["article_id"] for a in _articles(af.settings)}
    assert expected <= on_topic

    # The index holds each article once.
    from pipelines.elastic.client import es_client
    from pipelines.elastic.template import delete_alias_and_indices, setup_index
    from pipelines.indexer.service import IndexerService, RunOptions

    settings = af.settings
    client = es_client(settings)
    try:
        setup_index(client, settings)
        IndexerService(settings, RunOptions.from_settings(settings, until_caught_up=True)).run()
        client.indices.refresh(index=settings.index_alias)
        for article_id in expected:
            hits = client.count(index=settings.index_alias, query={"term": {"article_id": article_id}})
            assert hits["count"] == 1, article_id
        assert client.count(index=settings.index_alias)["count"] == len(on_topic)
    finally:
        delete_alias_and_indices(client, settings.index_alias)
        client.close()
