"""The maintenance DAGs run for real with dag.test(): setup creates topics and index (idempotently),
DLQ replay sends a dead letter back to its topic once, reindex rebuilds the index and moves the
alias. Unique topic names and alias; the real local stack."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.utils.state import DagRunState
from article_factory import make_article

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import delete_alias_and_indices
from pipelines.errors import IndexingError
from pipelines.kafka.clients import make_admin, read_topic
from pipelines.kafka.dlq import DeadLetterWriter

pytestmark = [pytest.mark.airflow, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    uid = uuid.uuid4().hex[:8]
    env = {
        "KHABAR_HOME": str(tmp_path / "home"),
        "KHABAR_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "KHABAR_ES_URL": stack.es_url,
        "KHABAR_TOPIC_ARTICLES": f"test.maint.articles.{uid}",
        "KHABAR_TOPIC_PAGES": f"test.maint.pages.{uid}",
        "KHABAR_TOPIC_DLQ": f"test.maint.dlq.{uid}",
        "KHABAR_TOPIC_ENRICHED": f"test.maint.enriched.{uid}",
        "KHABAR_INDEX_ALIAS": f"test-maint-{uid}",
        "KHABAR_ARTICLES_PARTITIONS": "2",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    yield settings
    client = es_client(settings)
    try:
        delete_alias_and_indices(client, settings.index_alias)
    finally:
        client.close()


def _dag(dag_id: str):
    return DagBag(dag_folder=str(REPO / "dags")).dags[dag_id]


def test_setup_dlq_replay_and_reindex(airflow_db: Path, settings: Settings, xcom) -> None:
    run = _dag("khabar_setup").test()
    assert run.state == DagRunState.SUCCESS
    (topics,) = xcom("khabar_setup", run.run_id, "create_topics")
    assert topics[settings.topic_articles] == "created"
    admin = make_admin(settings)
    try:
        assert {settings.topic_articles, settings.topic_pages, settings.topic_dlq} <= set(admin.list_topics())
    finally:
        admin.close()
    (index,) = xcom("khabar_setup", run.run_id, "setup_index")
    assert index["index_created"] is True
    client = es_client(settings)
    try:
        assert client.indices.exists_alias(name=settings.index_alias)
    finally:
        client.close()

    # Setup again: idempotent, nothing recreated.
    again = _dag("khabar_setup").test()
    assert again.state == DagRunState.SUCCESS
    assert set(xcom("khabar_setup", again.run_id, "create_topics")[0].values()) <= {"exists", "drift"}

    # An article that Elasticsearch refused: its dead letter carries it and its target topic.
    article = make_article(1, source_id="maint")
    with DeadLetterWriter(settings) as dlq:
        dlq.dead_letter(
            stage="index",
            error=IndexingError("es_rejected: mapper_parsing_exception", reason="es_rejected"),
            payload=article.to_message(),
            target_topic=settings.topic_articles,
            key=article.article_id,
            article_id=article.article_id,
            source_id="maint",
        )

    replay = _dag("khabar_dlq_replay").test(run_conf={"stage": "index", "limit": 10})
    assert replay.state == DagRunState.SUCCESS
    (result,) = xcom("khabar_dlq_replay", replay.run_id, "replay")
    assert result["actions"] == {"replayed": 1}
    replayed = [r for r in read_topic(settings, settings.topic_articles, role="test") if r.key]
    assert [r.key.decode() for r in replayed] == [article.article_id]

    # A second replay does not send it twice (the replay ledger remembers it).
    second = _dag("khabar_dlq_replay").test(run_conf={"stage": "index"})
    (result,) = xcom("khabar_dlq_replay", second.run_id, "replay")
    assert result["actions"] == {"skipped": 1}

    # Rebuild the index from the topic: the alias moves to the next index, which holds the article.
    rebuilt = _dag("khabar_reindex").test()
    assert rebuilt.state == DagRunState.SUCCESS
    (report,) = xcom("khabar_reindex", rebuilt.run_id, "reindex")
    assert report["new_index"] == f"{settings.index_alias}-000002"
    assert report["doc_count"] == 1
    client = es_client(settings)
    try:
        assert list(client.indices.get_alias(name=settings.index_alias)) == [report["new_index"]]
    finally:
        client.close()
