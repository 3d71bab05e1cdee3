"""Alerts Airflow raises about khabar's DAGs (run by Airflow's triggerer, so nothing here blocks).

``ingest_deadline_missed`` is the callback of ``news_ingest``'s deadline alert: a run still going
past its window. It logs one structured error line (what log-based alerting picks up) and appends
the same record to ``<home>/alerts/deadlines.jsonl`` on the machine of the triggerer.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.config import Settings

log = logging.getLogger(__name__)


def alerts_file(settings: Settings | None = None) -> Path:
    return Path((settings or Settings.from_env()).home) / "alerts" / "deadlines.jsonl"


async def ingest_deadline_missed(window_seconds: float = 0.0, context: dict[str, Any] | None = None) -> str:
    """A ``news_ingest`` run exceeded its window; returns the alert record as JSON (Airflow keeps a
    callback's output as text)."""
    run = (context or {}).get("dag_run") or {}
    deadline = (context or {}).get("deadline") or {}
    record = {
        "alert": "deadline_missed",
        "dag_id": run.get("dag_id"),
        "run_id": run.get("dag_run_id") or run.get("run_id"),
        "state": run.get("state"),
        "queued_at": run.get("queued_at"),
        "deadline": str(deadline.get("deadline_time") or ""),
        "window_seconds": window_seconds,
        "raised_at": datetime.now(UTC).isoformat(),
    }
    log.error("ingest run missed its deadline", extra=record)
    path = alerts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, default=str)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return line
