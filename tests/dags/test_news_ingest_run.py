"""news_ingest run for real: Airflow's dag.test() against the sample site, the local Kafka and Elasticsearch.

The sample site is served on 127.0.0.1 by the test; a sources file pointing at it is passed as the
run's ``sources_file`` param; the Kafka address comes from the ``khabar_kafka`` Airflow connection
(a connections file given to dag.test()), everything else from ``KHABAR_*`` variables with topic
names, alias and consumer group unique to this test.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from airflow.dag_processing.dagbag import DagBag
from airflow.utils.state import DagRunState, TaskInstanceState

from pipelines.config import Settings
from pipelines.kafka.clients import decode_json, read_topic
from pipelines.model import article_id_for
from pipelines.sample_site import load_articles, sample_sources, serve
from pipelines.sources import SourceConfig

pytestmark = [pytest.mark.airflow, pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SEED_SLUG = "lavrov-shaibani-moscow"


def _values(settings: Settings, topic: str) -> list[dict]:
    """Every message of ``topic`` from the beginning (no group: nothing is committed)."""
    return [decode_json(r.value) for r in read_topic(settings, topic, role="test")]


@pytest.fixture
def khabar_env(stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """KHABAR_* variables for this test only: unique topics, alias and group; fresh crawl state."""
    uid = uuid.uuid4().hex[:8]
    env = {
        "KHABAR_HOME": str(tmp_path / "home"),
        "KHABAR_ES_URL": stack.es_url,
        "KHABAR_TOPIC_ARTICLES": f"test.dags.articles.{uid}",
        "KHABAR_TOPIC_PAGES": f"test.dags.pages.{uid}",
        "KHABAR_TOPIC_DLQ": f"test.dags.dlq.{uid}",
        "KHABAR_TOPIC_ENRICHED": f"test.dags.enriched.{uid}",
        "KHABAR_INDEX_ALIAS": f"test-dags-{uid}",
        "KHABAR_INDEXER_GROUP": f"test-dags-{uid}",
        "KHABAR_ARTICLES_PARTITIONS": "2",
        # Deliberately wrong: the khabar_kafka connection must win over the environment.
        "KHABAR_KAFKA_BOOTSTRAP": "127.0.0.1:1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env(kafka_bootstrap=stack.kafka_bootstrap)


def _connections_file(settings: Settings, tmp_path: Path) -> str:
    """An Airflow connections file whose ``khabar_kafka`` points at the test's Kafka."""
    host, port = settings.kafka_bootstrap.rsplit(":", 1)
    path = tmp_path / "connections.json"
    path.write_text(json.dumps({"khabar_kafka": {"conn_type": "kafka", "host": host, "port": int(port)}}))
    return str(path)


def _sources_file(tmp_path: Path, sources: list[SourceConfig]) -> str:
    path = tmp_path / "sources.yaml"
    body = {"sources": [s.model_dump(mode="json", exclude_none=True) for s in sources]}
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return str(path)


def _news_ingest():
    from pipelines.ops.airflow import without_deadlines

    return without_deadlines(DagBag(dag_folder=str(REPO / "dags")).dags["news_ingest"])


def test_news_ingest_publishes_the_sample_site_and_the_indexer_makes_it_searchable(
    airflow_db: Path, khabar_env: Settings, tmp_path: Path, es, xcom
) -> None:
    settings = khabar_env
    dag = _news_ingest()
    with serve() as base_url:
        sources = [s for s in sample_sources(base_url) if s.id in ("sample", "sample-bad")]
        run = dag.test(
            run_conf={"sources_file": _sources_file(tmp_path, sources)},
            conn_file_path=_connections_file(settings, tmp_path),
        )

    # --- Airflow's view: one mapped task per source, named by its id, all green -------------------
    assert run.state == DagRunState.SUCCESS
    tis = {(ti.task_id, ti.map_index): ti for ti in run.get_task_instances()}
    mapped = {
        ti.rendered_map_index: ti.state for (task_id, _), ti in tis.items() if task_id == "ingest_source"
    }
    assert mapped == {"sample": TaskInstanceState.SUCCESS, "sample-bad": TaskInstanceState.SUCCESS}
    (summary,) = xcom("news_ingest", run.run_id, "summarize")
    assert summary["failed"] == []
    assert summary["succeeded"] == ["sample", "sample-bad"]
    sample = summary["per_source"]["sample"]
    bad = summary["per_source"]["sample-bad"]
    assert sample["publish_failed"] == bad["publish_failed"] == 0
    # Every bad case became an error record with its class, and went to the DLQ.
    assert bad["errors"] >= 5
    assert bad["dead_lettered"] == bad["errors"]
    assert bad["error_classes"]

    # --- Kafka's view: the articles are on the topic, keyed and identified by article_id ---------
    articles = _values(settings, settings.topic_articles)
    ids = [a["article_id"] for a in articles]
    assert len(ids) == len(set(ids)) == sample["published"] + bad["published"]
    for article in articles:
        assert article["article_id"] == article_id_for(article["canonical_url"])
    by_slug = {Path(urlsplit(a["canonical_url"]).path).stem: a for a in articles}
    # Every article the site lists arrived. (The bad-cases feed also links a few of them; whichever
    # source's task ran first published those, the crawl state kept the other from repeating them.)
    assert {a.slug for a in load_articles() if not a.hidden} <= set(by_slug)
    seed = by_slug[SEED_SLUG]
    assert seed["source_id"] in ("sample", "sample-bad")
    assert "سوريا" in seed["body_text"] or "سوريا" in seed["title"]

    dead = _values(settings, settings.topic_dlq)
    assert len(dead) == bad["dead_lettered"]
    assert {d["source_id"] for d in dead} >= {"sample-bad"}
    assert all(d["reason"] and d["error_class"] for d in dead)

    # --- Elasticsearch's view: the indexer makes them searchable ---------------------------------
    from pipelines.elastic.client import es_client
    from pipelines.elastic.template import delete_alias_and_indices, setup_index
    from pipelines.indexer.service import RunOptions, run_indexer
    from pipelines.search.query import SearchQuery, search

    client = es_client(settings)
    try:
        setup_index(client, settings)
        options = RunOptions.from_settings(settings, until_caught_up=True)
        summary_idx = run_indexer(settings, options, metrics_port=0, setup_first=False)
        assert summary_idx.exit_reason == "caught_up"
        assert summary_idx.indexed == len(ids)
        client.indices.refresh(index=settings.index_alias)

        result = search(client, settings, SearchQuery("سوريا"))
        hits = result.hits if hasattr(result, "hits") else result["hits"]
        found = [h.article_id if hasattr(h, "article_id") else h["article_id"] for h in hits]
        assert seed["article_id"] in found
    finally:
        delete_alias_and_indices(client, settings.index_alias)
        client.close()


@contextmanager
def _unreachable_source() -> Iterator[SourceConfig]:
    """A source whose only feed is on a port that refuses connections."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
        yield SourceConfig.model_validate(
            {
                "id": "down",
                "name": "مصدر متوقف",
                "homepage": f"{dead}/",
                "allow_private_network": True,
                "discovery": {"feeds": [f"{dead}/rss.xml"]},
            }
        )


def _without_retries():
    dag = _news_ingest()
    # The DAG retries a failed source with backoff (minutes); these runs must end without waiting.
    dag.get_task("ingest_source").retries = 0
    return dag


def test_a_failing_source_fails_only_its_own_task(
    airflow_db: Path, khabar_env: Settings, tmp_path: Path, xcom
) -> None:
    """A source whose every feed is unreachable fails its task; the other source, the summary and the
    run don't."""
    settings = khabar_env
    with serve() as base_url, _unreachable_source() as down:
        (sample,) = [s for s in sample_sources(base_url) if s.id == "sample"]
        run = _without_retries().test(
            run_conf={"sources_file": _sources_file(tmp_path, [sample, down]), "limit": 2},
            conn_file_path=_connections_file(settings, tmp_path),
        )

    states = {
        ti.rendered_map_index: ti.state for ti in run.get_task_instances() if ti.task_id == "ingest_source"
    }
    assert states == {"sample": TaskInstanceState.SUCCESS, "down": TaskInstanceState.FAILED}
    assert run.state == DagRunState.SUCCESS
    (summary,) = xcom("news_ingest", run.run_id, "summarize")
    assert summary["failed"] == ["down"]
    assert summary["succeeded"] == ["sample"]
    assert summary["per_source"]["sample"]["published"] == 2


def test_when_every_source_fails_the_run_fails(
    airflow_db: Path, khabar_env: Settings, tmp_path: Path
) -> None:
    with _unreachable_source() as down:
        run = _without_retries().test(
            run_conf={"sources_file": _sources_file(tmp_path, [down])},
            conn_file_path=_connections_file(khabar_env, tmp_path),
        )
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {
        "list_sources": TaskInstanceState.SUCCESS,
        "ingest_source": TaskInstanceState.FAILED,
        "summarize": TaskInstanceState.FAILED,
    }
    assert run.state == DagRunState.FAILED
