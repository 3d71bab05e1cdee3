"""One ingest run of one source: scrape it, then publish what came out.

``scrape_source`` (discover → fetch → extract → normalize) gives articles, raw pages and error
records; :func:`ingest_source` publishes the articles (and their pages) to Kafka and every error
record to the dead-letter topic, and returns small counts (the Airflow task's XCom).

The DAG ``news_ingest`` maps :func:`ingest_source` over
:func:`pipelines.ingest.plan.enabled_source_ids` and ends with :func:`pipelines.ingest.plan.summarize`.
Nothing here imports Airflow.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from pipelines.config import Settings
from pipelines.errors import ConfigError, FetchError, PublishError
from pipelines.fetch import CrawlState
from pipelines.ingest.plan import sources_in
from pipelines.ingest.publish import publish_articles
from pipelines.ingest.scrape import ScrapeResult, scrape_source
from pipelines.kafka.dlq import DeadLetterWriter

log = logging.getLogger(__name__)


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
    by_id = {s.id: s for s in sources_in(sources_file, settings)}
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
                publish_articles(result.articles, settings, pages=result.pages, traces=result.traces)
                if result.articles
                else []
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
