"""
### articles_downstream — an example DAG scheduled on khabar's fresh articles

Runs whenever `news_ingest` has updated the articles Asset (one event per scraped source; Airflow
batches the events that arrived since the last run into one run). It reads what each event says
(`source_id`, how many articles were `published`) and reports the totals: put your own work here
(read the topic from the events' time onwards, refresh a report, retrain a model...).

Copy this file into your DAG folder. The Asset is referred to by name, the articles topic
(`news.articles.v1`, or `KHABAR_TOPIC_ARTICLES`), so it does not depend on the broker address
in the Asset's URI (`kafka://<bootstrap>/news.articles.v1`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import Asset, dag, task

from pipelines.ops.airflow import articles_asset_name

ARTICLES = Asset.ref(name=articles_asset_name())


@dag(
    dag_id="articles_downstream",
    schedule=[ARTICLES],
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["khabar", "example", "asset"],
    doc_md=__doc__,
)
def articles_downstream() -> None:
    @task
    def fresh_articles(triggering_asset_events=None) -> dict:
        """Per-source article counts from the asset events that triggered this run."""
        published: dict[str, int] = {}
        runs: set[str] = set()
        for events in (triggering_asset_events or {}).values():
            for event in events:
                extra = event.extra or {}
                source = str(extra.get("source_id", "?"))
                published[source] = published.get(source, 0) + int(extra.get("published", 0))
                if event.source_run_id:
                    runs.add(event.source_run_id)
        return {"published": published, "total": sum(published.values()), "ingest_runs": sorted(runs)}

    fresh_articles()


articles_downstream()
