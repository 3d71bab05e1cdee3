"""What one news_ingest run takes and what it did: the sources due in this run and the run's summary.

Light on purpose (the sources file and croniter, no fetching, extraction or Kafka), so the DAG's
list and summary tasks start in a fraction of the time an :func:`pipelines.ingest.run.ingest_source`
task takes to import.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from croniter import croniter

from pipelines.config import Settings, get_settings
from pipelines.sources import SourceConfig, load_sources, select_sources

log = logging.getLogger(__name__)


def sources_in(sources_file: str | Path | None, settings: Settings | None = None) -> list[SourceConfig]:
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
    sources = select_sources(sources_in(sources_file, settings), only)
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
    return croniter(_PRESET_CRON.get(schedule, schedule), moment).get_prev(datetime)


def is_due(schedule: str | None, start: datetime, end: datetime) -> bool:
    """Whether ``schedule`` (cron or preset; None: the DAG's own) fires in ``(start, end]``."""
    if schedule in _ALWAYS:
        return True
    return croniter(_PRESET_CRON.get(schedule, schedule), start).get_next(datetime) <= end


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
