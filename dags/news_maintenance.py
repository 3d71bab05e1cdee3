"""Manually triggered maintenance DAGs: setup, reindex, dead-letter replay, rebuild from stored pages.

Each is `schedule=None` (trigger it from the UI or `airflow dags trigger`), wiring only: every task
calls `pipelines/`, with Kafka and Elasticsearch settings from the `khabar_kafka` and
`khabar_elasticsearch` connections.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task

DEFAULT_ARGS = {
    "owner": "khabar",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=5),
}
COMMON = {
    "schedule": None,
    "start_date": datetime(2026, 1, 1, tzinfo=UTC),
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
}


@dag(
    dag_id="khabar_setup",
    tags=["khabar", "maintenance", "setup"],
    doc_md="""
### khabar_setup — create the Kafka topics and the Elasticsearch index (idempotent)

Topics `news.articles.v1`, `news.pages.v1`, `news.dlq.v1` (names from settings) with their
partitions and retention; the index template, the first index and the `news-articles` alias.
Safe to run again: what exists is left as it is.
""",
    **COMMON,
)
def khabar_setup() -> None:
    @task
    def create_topics() -> dict:
        from pipelines.ops.airflow import settings_from_airflow
        from pipelines.ops.maintenance import setup_topics

        return setup_topics(settings_from_airflow())

    @task
    def setup_index() -> dict:
        from pipelines.ops.airflow import settings_from_airflow
        from pipelines.ops.maintenance import setup_index as setup

        return setup(settings_from_airflow())

    create_topics()
    setup_index()


@dag(
    dag_id="khabar_reindex",
    tags=["khabar", "maintenance", "elasticsearch"],
    doc_md="""
### khabar_reindex — rebuild the index from the articles topic and swap the alias

Creates the next `news-articles-NNNNNN` index from the current template (new mappings and
analyzers apply), replays the whole `news.articles.v1` topic into it with a fresh consumer group
(re-enriching every article), then moves the `news-articles` alias to it in one atomic step and
catches up on what arrived meanwhile. Searches keep working throughout; the old index is kept
(delete it once the new one looks right). If the replay does not finish, the alias is not moved.
""",
    **COMMON,
)
def khabar_reindex() -> None:
    @task(execution_timeout=timedelta(hours=6))
    def reindex() -> dict:
        from pipelines.ops.airflow import settings_from_airflow
        from pipelines.ops.maintenance import reindex as run

        return run(settings_from_airflow())

    reindex()


@dag(
    dag_id="khabar_dlq_replay",
    tags=["khabar", "maintenance", "kafka", "dlq"],
    doc_md="""
### khabar_dlq_replay — send dead letters back through the pipeline

Reads `news.dlq.v1` and replays the matching dead letters: a failed `index` or `consume` letter
goes back to the articles topic; a failed `fetch`/`extract` letter is fetched and extracted again.
Params: `stage` (only letters from this stage; empty = all), `since` (ISO 8601 time; only letters
written after it), `limit` (at most this many). Replays are harmless: keys are article ids and
document versions stop an older message from overwriting a newer one.
""",
    params={
        "stage": Param(
            None,
            type=["null", "string"],
            enum=[
                None,
                "discover",
                "fetch",
                "extract",
                "normalize",
                "publish",
                "consume",
                "validate",
                "enrich",
                "index",
            ],
            description="Only dead letters from this stage",
        ),
        "since": Param(
            None, type=["null", "string"], format="date-time", description="Only letters after this time"
        ),
        "limit": Param(1000, type=["null", "integer"], minimum=1, description="At most this many letters"),
    },
    **COMMON,
)
def khabar_dlq_replay() -> None:
    @task(execution_timeout=timedelta(hours=2))
    def replay(params: dict | None = None) -> dict:
        from pipelines.ops.airflow import settings_from_airflow
        from pipelines.ops.maintenance import replay_dead_letters as run

        params = params or {}
        return run(
            settings_from_airflow(),
            stage=params.get("stage"),
            since=params.get("since"),
            limit=params.get("limit"),
        )

    replay()


@dag(
    dag_id="khabar_rebuild",
    tags=["khabar", "maintenance", "kafka", "extract"],
    doc_md="""
### khabar_rebuild — re-extract every stored page after the extractor or a selector improved

Reads `news.pages.v1` with its own consumer group (a failed run resumes where it stopped), extracts
each page again with the current code and sources.yaml selectors — nothing is fetched — and
publishes to `news.articles.v1` only the articles whose content hash changed, with a newer version
so the index replaces them. Pages that no longer yield an article become dead letters with their
reason. Params: `sources` (list of source ids; empty = all), `since` / `until` (fetch time, ISO 8601).
""",
    params={
        "sources": Param([], type=["null", "array"], description="Only pages of these sources"),
        "since": Param(None, type=["null", "string"], format="date-time", description="Fetched at or after"),
        "until": Param(None, type=["null", "string"], format="date-time", description="Fetched before"),
    },
    **COMMON,
)
def khabar_rebuild() -> None:
    @task(execution_timeout=timedelta(hours=6))
    def rebuild(params: dict | None = None) -> dict:
        from pipelines.ops.airflow import settings_from_airflow
        from pipelines.ops.maintenance import rebuild_articles

        params = params or {}
        return rebuild_articles(
            settings_from_airflow(),
            sources=params.get("sources") or None,
            since=params.get("since"),
            until=params.get("until"),
        )

    rebuild()


khabar_setup()
khabar_reindex()
khabar_dlq_replay()
khabar_rebuild()
