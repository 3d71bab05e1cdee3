"""One ingest run of one source: scrape it, then publish what came out.

``scrape_source`` (discover → fetch → extract → normalize) gives articles, raw pages and error
records; :func:`ingest_source` publishes the articles (and their pages) to Kafka and every error
record to the dead-letter topic, and returns small counts (the Airflow task's XCom).

The DAG ``news_ingest`` maps :func:`ingest_source` over :func:`enabled_source_ids` and ends with
:func:`summarize`. Nothing here imports Airflow.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config import Settings, get_settings
from pipelines.errors import ConfigError, FetchError, PublishError

if TYPE_CHECKING:
    from pipelines.fetch import CrawlState
    from pipelines.ingest.scrape import ScrapeResult
    from pipelines.sources import SourceConfig

log = logging.getLogger(__name__)


def _sources(sources_file: str | Path | None, settings: Settings | None = None) -> list[SourceConfig]:
    from pipelines.sources import load_sources

    path = Path(sources_file) if sources_file else (settings or get_settings()).sources_file
    return load_sources(path)


def enabled_source_ids(
    sources_file: str | Path | None = None,
    *,
    only: list[str] | None = None,
    settings: Settings | None = None,
    run_after: datetime | None = None,
    dag_schedule: str | None = None,
) -> list[str]:
    """Ids of the enabled sources in the sources file, or exactly ``only`` (unknown ids: ConfigError).

    For a scheduled run (``run_after`` and the DAG's cron ``dag_schedule`` given), a source with its
    own ``schedule`` is kept only when that schedule fires within this run's slot: the time since
    the DAG's previous fire time, up to ``run_after``. A source cannot run more often than the DAG.
    """
    from pipelines.sources import select_sources

    sources = select_sources(_sources(sources_file, settings), only)
    if run_after is not None and dag_schedule and not only:
        start = _previous_fire(dag_schedule, run_after)
        not_due = [s.id for s in sources if not is_due(s.schedule, start, run_after)]
        if not_due:
            log.info("sources not due in this run", extra={"sources": not_due, "run_after": str(run_after)})
        sources = [s for s in sources if s.id not in not_due]
    ids = [s.id for s in sources]
    log.info("sources listed", extra={"sources": ids, "count": len(ids)})
    return ids


# Presets SourceConfig accepts that croniter does not spell the same way.
_PRESET_CRON = {"@quarterly": "0 0 1 */3 *"}
_ALWAYS = {None, "", "@once", "@continuous"}


def _previous_fire(schedule: str, moment: datetime) -> datetime:
    from croniter import croniter

    return croniter(_PRESET_CRON.get(schedule, schedule), moment).get_prev(datetime)


def is_due(schedule: str | None, start: datetime, end: datetime) -> bool:
    """Whether ``schedule`` (cron or preset; None: the DAG's own) fires in ``(start, end]``."""
    if schedule in _ALWAYS:
        return True
    from croniter import croniter

    return croniter(_PRESET_CRON.get(schedule, schedule), start).get_next(datetime) <= end


def ingest_source(
    source_id: str,
    settings: Settings,
    *,
    sources_file: str | Path | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Scrape ``source_id`` and publish its articles, pages and error records; return the counts.

    Raises (so the task fails and retries) when no feed, sitemap or listing of the source answered, or
    when Kafka did not acknowledge every article: re-publishing is harmless (key = article_id).
    """
    from pipelines.fetch import CrawlState
    from pipelines.ingest.publish import publish_articles
    from pipelines.ingest.scrape import scrape_source

    by_id = {s.id: s for s in _sources(sources_file, settings)}
    if source_id not in by_id:
        raise ConfigError(f"unknown source id {source_id!r}", reason="unknown_source")
    source = by_id[source_id]

    state = CrawlState.from_settings(settings)
    try:
        # An earlier attempt killed between scraping and Kafka's acknowledgement left these pending.
        recovered = state.recover_pending(source_id)
        if recovered:
            log.warning(
                "unconfirmed articles of an earlier attempt forgotten",
                extra={"source": source_id, "count": len(recovered)},
            )
        result = scrape_source(source, settings, state=state, limit=limit, hold_until_published=True)
        errors = list(result.errors)
        error_classes = Counter(e.error_class for e in errors)
        answered = result.counts.get("discovery_documents", 0) + result.counts.get(
            "discovery_not_modified", 0
        )
        if not answered and any(e.stage == "discover" for e in errors):
            raise FetchError(
                f"{source_id}: discovery failed ({', '.join(sorted(error_classes))})",
                reason="source_unreachable",
            )
        try:
            outcomes = (
                publish_articles(result.articles, settings, pages=result.pages) if result.articles else []
            )
        except Exception:
            _forget(state, result, [a.article_id for a in result.articles])
            raise
        failed = [o for o in outcomes if not o.ok]
        _forget(state, result, [o.article_id for o in failed if o.article_id])
        lost = {o.article_id for o in failed}
        state.confirm(a.article_id for a in result.articles if a.article_id not in lost)
    finally:
        state.close()

    dead_lettered = 0
    if errors:
        from pipelines.kafka.dlq import DeadLetterWriter

        with DeadLetterWriter(settings) as dlq:
            for record in errors:
                dlq.send(dlq.build(stage=record.stage, error=record, url=record.url))
                dead_lettered += 1
            dlq.flush(timeout=60)

    by_status = Counter((o.topic, o.status) for o in outcomes)
    counts: dict[str, Any] = {
        "source_id": source_id,
        **{k: v for k, v in result.counts.items() if isinstance(v, int)},
        "articles": len(result.articles),
        "pages": len(result.pages),
        "published": by_status[(settings.topic_articles, "published")],
        "rejected": by_status[(settings.topic_articles, "dead_lettered")],  # invalid or too large: in the DLQ
        "pages_published": by_status[(settings.topic_pages, "published")],
        "publish_failed": len(failed),
        "errors": len(errors),
        "dead_lettered": dead_lettered,
        "error_classes": dict(error_classes),
    }
    log.info("source ingested", extra=counts)
    if failed:
        raise PublishError(
            f"{source_id}: {len(failed)} of {len(outcomes)} articles not acknowledged by Kafka",
            reason="publish_incomplete",
            transient=True,
        )
    return counts


def _forget(state: CrawlState, result: ScrapeResult, article_ids: list[str]) -> None:
    """Make the next run fetch and publish these articles again: Kafka never acknowledged them,
    but the scrape already recorded them as seen."""
    if not article_ids:
        return
    state.forget(article_ids, [result.fetched_from[i] for i in article_ids if i in result.fetched_from])
    state.reset_discovery(result.source_id)
    log.warning(
        "unpublished articles forgotten by the crawl state",
        extra={"source": result.source_id, "count": len(article_ids)},
    )


def summarize(source_ids: list[str], results: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Totals, per-source counts and error classes of one run; sources without a result failed."""
    done = {r["source_id"]: r for r in results if r}
    failed = [s for s in source_ids if s not in done]
    totals: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    for counts in done.values():
        totals.update({k: v for k, v in counts.items() if isinstance(v, int)})
        classes.update(counts.get("error_classes", {}))
    summary = {
        "sources": len(source_ids),
        "succeeded": sorted(done),
        "failed": failed,
        "totals": dict(totals),
        "error_classes": dict(classes),
        "per_source": done,
    }
    log.info("ingest summary", extra={k: v for k, v in summary.items() if k != "per_source"})
    for sid, counts in sorted(done.items()):
        log.info(
            "source %s: %s articles published, %s errors %s",
            sid,
            counts.get("published", 0),
            counts.get("errors", 0),
            counts.get("error_classes") or "",
        )
    for sid in failed:
        log.warning("source %s failed (see its task log)", sid)
    return summary
