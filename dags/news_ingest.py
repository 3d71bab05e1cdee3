"""
### news_ingest — scrape every enabled source and publish its articles to Kafka

One **mapped task per enabled source** in the sources file (`pipelines/sources/sources.yaml`, or
`KHABAR_SOURCES_FILE`, or the `sources_file` param). Each runs, through `pipelines/`:

discover (RSS/Atom, sitemaps, listing pages) → fetch (robots.txt, rate limit, conditional GET)
→ extract → normalize → publish: articles to `news.articles.v1` (key = `article_id`), raw pages
to `news.pages.v1`, and every per-item failure to `news.dlq.v1` with its reason.

A source with its own `schedule` in the sources file (e.g. `@hourly`) is scraped only by the
scheduled runs in whose slot that schedule fires; manual runs scrape every enabled source.

A failing source fails only its own task, which retries with exponential backoff. The
`summarize` task runs whatever happened and reports per-source counts and error classes; it
fails the run only when every source failed (a shared cause: Kafka down, a bad sources file).

Crawl state (seen URLs, ETags) makes a re-run cheap: unchanged pages are not fetched again.

Kafka and Elasticsearch settings come from the connections `khabar_kafka` and
`khabar_elasticsearch` (fallback: `KHABAR_*` environment variables). Schedule: every 15 minutes,
or `KHABAR_INGEST_SCHEDULE` (a cron expression, or `none` for manual runs only).

Params: `sources_file` (path), `source_ids` (only these sources; empty = all enabled),
`limit` (at most this many articles per source).

**Data-aware scheduling.** Every `ingest_source` task updates the Asset named after the articles
topic (`news.articles.v1`, URI `kafka://<bootstrap>/news.articles.v1`); its event's extra carries
`source_id` and `published`. Downstream DAGs use `schedule=[Asset.ref(name="news.articles.v1")]`
(see `examples/downstream_dag.py`).

**Limits.** Scrape tasks run in the pool `khabar_scrape` (`KHABAR_SCRAPE_POOL`; the pool must
exist, `khabar stack up --airflow` creates it) and at most `KHABAR_SCRAPE_PARALLELISM` (4) at once
per run. **Deadline alert**: a run still going `KHABAR_INGEST_DEADLINE_SECONDS` (30 min) after it
was queued calls `pipelines.ops.alerts.ingest_deadline_missed` in the triggerer.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, AsyncCallback, DeadlineAlert, DeadlineReference, Param, dag, task

from pipelines.config import scrape_pool
from pipelines.ops.airflow import articles_asset_name, articles_asset_uri

OWNER = "khabar"
ARTICLES = Asset(name=articles_asset_name(), uri=articles_asset_uri(), group="khabar")
SCRAPE_POOL = scrape_pool()
SCRAPE_PARALLELISM = int(os.environ.get("KHABAR_SCRAPE_PARALLELISM", "4"))
DEADLINE = timedelta(seconds=float(os.environ.get("KHABAR_INGEST_DEADLINE_SECONDS", str(30 * 60))))
RETRY_DELAY = timedelta(seconds=float(os.environ.get("KHABAR_INGEST_RETRY_SECONDS", "60")))
_schedule = os.environ.get("KHABAR_INGEST_SCHEDULE", "*/15 * * * *").strip()
SCHEDULE = None if _schedule.lower() in ("", "none", "manual") else _schedule

DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": RETRY_DELAY,
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=30),
}


@dag(
    dag_id="news_ingest",
    schedule=SCHEDULE,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["khabar", "ingest", "kafka"],
    doc_md=__doc__,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=DEADLINE,
        callback=AsyncCallback(
            "pipelines.ops.alerts.ingest_deadline_missed",
            kwargs={"window_seconds": DEADLINE.total_seconds()},
        ),
    ),
    params={
        "sources_file": Param(None, type=["null", "string"], description="Sources YAML (default: settings)"),
        "source_ids": Param([], type="array", description="Only these source ids (empty: all enabled)"),
        "limit": Param(None, type=["null", "integer"], minimum=1, description="Max articles per source"),
    },
)
def news_ingest() -> None:
    @task(retries=2)
    def list_sources(params: dict | None = None, dag_run=None) -> list[str]:
        """The enabled sources due in this run (per-source `schedule`): one mapped task each."""
        from pipelines.ingest.plan import enabled_source_ids

        params = params or {}
        run_type = getattr(dag_run.run_type, "value", dag_run.run_type) if dag_run else None
        return enabled_source_ids(
            params.get("sources_file"),
            only=params.get("source_ids") or None,
            # Manual runs take every enabled source; scheduled ones only those whose slot this is.
            run_after=dag_run.run_after if run_type == "scheduled" else None,
            dag_schedule=SCHEDULE,
        )

    @task(
        map_index_template="{{ source_id }}",
        outlets=[ARTICLES],
        pool=SCRAPE_POOL,
        max_active_tis_per_dagrun=SCRAPE_PARALLELISM,
    )
    def ingest_source(source_id: str, params: dict | None = None, outlet_events=None) -> dict:
        """discover → fetch → extract → normalize → publish for one source; returns its counts."""
        from airflow.sdk import get_current_context

        from pipelines.ingest.run import ingest_source as run
        from pipelines.ops.airflow import settings_from_airflow

        get_current_context()["source_id"] = source_id  # type: ignore[typeddict-unknown-key]  # names the map index
        params = params or {}
        settings = settings_from_airflow()
        counts = run(source_id, settings, sources_file=params.get("sources_file"), limit=params.get("limit"))
        if outlet_events is not None:
            outlet_events[ARTICLES].extra = {"source_id": source_id, "published": counts.get("published", 0)}
        return counts

    @task(trigger_rule="all_done", retries=2)
    def summarize(source_ids: list[str], results: list[dict]) -> dict:
        """Per-source counts and error classes; sources without a result failed.

        Fails (without retrying) when every source failed: then the cause is shared (Kafka down,
        a bad sources file) and the run must show red; a partial failure shows on its own task.
        """
        from airflow.sdk.exceptions import AirflowFailException

        from pipelines.ingest.plan import summarize as report

        summary = report(list(source_ids), list(results))
        if summary["failed"] and not summary["succeeded"]:
            raise AirflowFailException(f"every source failed: {', '.join(summary['failed'])}")
        return summary

    source_ids = list_sources()
    summarize(source_ids, ingest_source.expand(source_id=source_ids))


news_ingest()
