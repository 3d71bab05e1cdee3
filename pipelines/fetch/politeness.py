"""Politeness: per-host spacing of requests, Retry-After, and jittered backoff for retries."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class HostRateLimiter:
    """At most one request per ``interval`` seconds to each host, across the threads sharing it.

    A host can also be paused (429/503 with Retry-After): no request to it before the pause ends.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, interval: float) -> float:
        """Block until a request to ``host`` is allowed and reserve the slot; returns seconds waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + max(interval, 0.0)
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def finished(self, host: str, interval: float) -> None:
        """A request to ``host`` has ended: the next one starts ``interval`` after this, not only after
        the previous start. Spacing starts alone is not enough: a request whose connection took longer
        reaches the server late, and the next one, on time, would follow it closer than ``interval``."""
        with self._lock:
            after = self._clock() + max(interval, 0.0)
            self._next[host] = max(self._next.get(host, after), after)

    def pause(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` from now (server asked us to back off)."""
        with self._lock:
            until = self._clock() + seconds
            self._next[host] = max(self._next.get(host, until), until)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, *, base: float, cap: float = 30.0) -> float:
    """Full-jitter exponential backoff: uniform in [base/2, min(cap, base * 2**attempt)]."""
    ceiling = min(cap, base * (2**attempt))
    return random.uniform(min(base / 2, ceiling), ceiling)
