"""What the benchmarks share: where results go, the machine they ran on, a plain ``_bulk`` load.

Each benchmark is a script (``python bench/<area>/run.py``) and finds this module with
``sys.path.insert(0, str(Path(__file__).resolve().parents[1]))`` before ``from common import ...``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.kafka.clients import make_admin

#: Results (JSON) and caches of every benchmark.
BENCH_DIR = PROJECT_ROOT / "var" / "bench"
CACHE_DIR = BENCH_DIR / "cache"


def run(main: Callable[[], None]) -> None:
    """Run a benchmark: a server that is down or a data set that is missing is one line and exit 1,
    as for ``khabar`` itself; anything else keeps its traceback (a bug)."""
    from pipelines.cli.failures import one_line_failure

    name = Path(sys.argv[0]).name
    try:
        main()
    except FileNotFoundError as exc:
        sys.exit(f"{name}: error: {exc.filename} not found (data sets come from KHABAR_DATA_DIR)")
    except Exception as exc:
        try:
            settings: Any = Settings.from_env()
        except Exception:
            settings = None
        failure = one_line_failure(exc, settings)
        if failure is None:
            raise
        sys.exit(f"{name}: error: {failure.message}")


def environment(**extra: Any) -> dict[str, Any]:
    """The machine a run was measured on (numbers from a loaded shared machine read differently)."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        **extra,
    }


def write_result(path: Path, result: dict[str, Any]) -> None:
    """The run's JSON, next to the others (the printed table is the benchmark's own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def bulk_load(
    es: Elasticsearch, actions: Iterable[dict[str, Any]], settings: Settings
) -> tuple[int, int, float]:
    """``helpers.bulk`` in khabar's batch sizes, errors counted not raised: (ok, errors, seconds)."""
    t0 = time.perf_counter()
    ok, errors = helpers.bulk(
        es,
        actions,
        chunk_size=settings.bulk_max_docs,
        max_chunk_bytes=settings.bulk_max_bytes,
        raise_on_error=False,
        stats_only=True,
    )
    return ok, int(errors), time.perf_counter() - t0  # type: ignore[arg-type]


def private_topics(settings: Settings, prefix: str) -> Settings:
    """``settings`` with topics of this run's own (``<prefix>.<random>.articles``...), to drop after."""
    run = uuid.uuid4().hex[:8]
    return settings.with_overrides(
        **{f"topic_{name}": f"{prefix}.{run}.{name}" for name in ("articles", "dlq", "pages", "enriched")}
    )


def delete_topics(settings: Settings, names: list[str] | None = None) -> None:
    """Delete ``names`` (default: the four topics of ``settings``)."""
    admin = make_admin(settings, "bench-cleanup")
    try:
        admin.delete_topics(
            names
            or [settings.topic_articles, settings.topic_dlq, settings.topic_pages, settings.topic_enriched]
        )
    finally:
        admin.close()
