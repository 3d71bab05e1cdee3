"""Per-host rate limiter, Retry-After parsing and jittered backoff (fake clock: no sleeping)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from pipelines.fetch.politeness import HostRateLimiter, backoff, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_requests_to_one_host_are_spaced_and_hosts_are_independent() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(3):
        limiter.wait("a.example", 2.0)
        starts.append(clock.now)
    assert [b - a for a, b in itertools.pairwise(starts)] == [2.0, 2.0]
    before = clock.now
    limiter.wait("b.example", 2.0)  # another host: no wait
    assert clock.now == before


def test_pause_delays_the_next_request_to_that_host() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock=clock, sleep=clock.sleep)
    limiter.wait("a.example", 0.1)
    limiter.pause("a.example", 5.0)
    start = clock.now
    limiter.wait("a.example", 0.1)
    assert clock.now - start == 5.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    now = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_backoff_grows_is_jittered_and_capped() -> None:
    for attempt in range(8):
        value = backoff(attempt, base=0.5, cap=4.0)
        assert 0.25 <= value <= min(4.0, 0.5 * 2**attempt)
    assert len({backoff(3, base=0.5) for _ in range(20)}) > 1


def test_the_next_request_waits_the_interval_after_the_previous_one_ended() -> None:
    now = [100.0]
    slept: list[float] = []
    limiter = HostRateLimiter(clock=lambda: now[0], sleep=slept.append)
    limiter.wait("a.example", 0.25)  # starts at 100.0
    now[0] = 100.4  # a slow request: it ends 0.4 s later
    limiter.finished("a.example", 0.25)
    assert limiter.wait("a.example", 0.25) == pytest.approx(0.25)  # not 0: 0.25 s after it ended
