"""The extraction budget: what one page may cost before it is given up (settings ``extract_*``).

A hostile page (3.6 MB with 100k links once took 39 s and 600 MB) must not hold a source run.
Three limits, cheapest first:

- ``extract_max_bytes`` (5 MiB of HTML text) and ``extract_max_links`` (10,000 ``<a`` tags): checked
  before parsing, in a few milliseconds. ``ExtractionError`` ``page_too_large`` / ``too_many_links``.
- ``extract_timeout_seconds`` (30 s) and ``extract_memory_mb`` (1 GiB more than the worker holds at
  start): extraction runs in a worker process (one per scraping process, started on first use with
  ``spawn``, so it is safe next to Kafka's threads); a page over time has its worker killed and
  replaced (``extract_timeout``), one over memory gets ``MemoryError`` there (``extract_memory``).
  Python cannot interrupt lxml's C code in a thread, hence a process. ``extract_timeout_seconds = 0``
  extracts in-process with the size checks only.

The page is still published to the pages topic, so ``khabar rebuild`` can try it again later.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import re
import resource
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.pool import Pool
from typing import Any

from pipelines.config import Settings
from pipelines.errors import ExtractionError
from pipelines.extract.article import extract_article
from pipelines.model import Article, RawPage

log = logging.getLogger(__name__)

_LINK = re.compile(rb"<a[\s>]", re.IGNORECASE)


@dataclass(frozen=True)
class ExtractionBudget:
    max_bytes: int = 5 * 1024 * 1024
    max_links: int = 10_000
    timeout: float = 30.0
    memory_mb: int = 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionBudget:
        return cls(
            max_bytes=settings.extract_max_bytes,
            max_links=settings.extract_max_links,
            timeout=settings.extract_timeout_seconds,
            memory_mb=settings.extract_memory_mb,
        )

    def check(self, page: RawPage) -> None:
        """Refuse, before parsing, a page larger or with more links than the budget allows."""
        data = page.body or page.text.encode("utf-8", errors="replace")
        if len(data) > self.max_bytes:
            raise ExtractionError(
                f"page of {len(data)} bytes, more than extract_max_bytes={self.max_bytes}",
                reason="page_too_large",
            )
        links = sum(1 for _ in _LINK.finditer(data))
        if links > self.max_links:
            raise ExtractionError(
                f"page with {links} links, more than extract_max_links={self.max_links}",
                reason="too_many_links",
            )


def _limit_memory(megabytes: int) -> None:
    """Worker initializer: the heap may grow by ``megabytes`` beyond what the worker holds now."""
    with open("/proc/self/status") as status:  # Linux only, like the limit itself
        now_kb = next((int(line.split()[1]) for line in status if line.startswith("VmData:")), 0)
    limit = now_kb * 1024 + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.getrlimit(resource.RLIMIT_DATA)[1]))


def _ready() -> bool:
    return True


def _extract(page: RawPage, kwargs: dict[str, Any]) -> Article:
    return extract_article(page, **kwargs)


class BudgetedExtractor:
    """``extract(page, ...)`` = :func:`extract_article` within the budget. Thread-safe."""

    def __init__(self, budget: ExtractionBudget) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._pool: Pool | None = None
        self._warned = False

    def extract(
        self,
        page: RawPage,
        *,
        source_id: str,
        selectors: Mapping[str, str] | None = None,
        timezone: str | None = None,
    ) -> Article:
        self.budget.check(page)
        kwargs = {
            "source_id": source_id,
            "selectors": dict(selectors) if selectors else None,
            "timezone": timezone,
        }
        if self.budget.timeout <= 0:
            return extract_article(page, **kwargs)
        if multiprocessing.current_process().daemon:
            # A daemonic process (a Celery prefork worker) may not start children: the size and link
            # caps above still hold there, the time and memory limits cannot.
            if not self._warned:
                self._warned = True
                log.warning("daemonic process: extraction runs without its time and memory limits")
            return extract_article(page, **kwargs)
        with self._lock:
            pool = self._pool = self._pool or self._start()
            pending = pool.apply_async(_extract, (page, kwargs))
        try:
            return pending.get(self.budget.timeout)
        except multiprocessing.TimeoutError:
            self._restart(pool)
            raise ExtractionError(
                f"extraction took more than extract_timeout_seconds={self.budget.timeout:g}",
                reason="extract_timeout",
            ) from None
        except MemoryError:
            raise ExtractionError(
                f"extraction needed more than extract_memory_mb={self.budget.memory_mb}",
                reason="extract_memory",
            ) from None

    def _start(self) -> Pool:
        context = multiprocessing.get_context("spawn")
        pool = context.Pool(1, initializer=_limit_memory, initargs=(self.budget.memory_mb,))
        pool.apply(_ready)  # imports done before the first page's clock starts
        return pool

    def _restart(self, pool: Pool) -> None:
        log.warning("extraction over time: worker replaced", extra={"timeout": self.budget.timeout})
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.terminate()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
            pool.join()


_shared: dict[ExtractionBudget, BudgetedExtractor] = {}
_shared_lock = threading.Lock()


def shared_extractor(settings: Settings) -> BudgetedExtractor:
    """One extractor (one worker) per budget and process, closed at exit."""
    budget = ExtractionBudget.from_settings(settings)
    with _shared_lock:
        if budget not in _shared:
            _shared[budget] = BudgetedExtractor(budget)
        return _shared[budget]


@atexit.register
def _close_shared() -> None:
    for extractor in list(_shared.values()):
        extractor.close()
