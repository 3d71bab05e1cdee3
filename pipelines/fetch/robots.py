"""robots.txt rules per origin (scheme://host:port), parsed with protego and cached in memory.

What an unreadable robots.txt means follows RFC 9309: 4xx -> no rules (allow all); 5xx ->
"unreachable", assume everything is disallowed (rechecked sooner than a good file).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

#: Cap on a Crawl-delay we obey: a site asking for an hour between requests is treated as 60 s.
MAX_CRAWL_DELAY = 60.0
#: Google's limit: rules past the first 500 KiB are ignored.
MAX_ROBOTS_BYTES = 500 * 1024


@dataclass(frozen=True)
class RobotsRules:
    parser: Protego | None = None
    disallow_all: bool = False
    expires: float = 0.0

    @classmethod
    def from_response(cls, status: int, text: str, *, ttl: float) -> RobotsRules:
        now = time.monotonic()
        if 200 <= status < 300:
            return cls(parser=Protego.parse(text), expires=now + ttl)
        if 400 <= status < 500:
            return cls(expires=now + ttl)  # no robots.txt: no rules
        return cls(disallow_all=True, expires=now + min(ttl, 300.0))

    def allowed(self, url: str, user_agent: str) -> bool:
        if self.disallow_all:
            return False
        return True if self.parser is None else bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(user_agent)
        return min(float(delay), MAX_CRAWL_DELAY) if delay else 0.0

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class RobotsCache:
    """Rules per origin; one lock per origin so concurrent workers fetch each robots.txt once."""

    def __init__(self, ttl: float = 3600.0) -> None:
        self.ttl = ttl
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, origin: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(origin, threading.Lock())

    def get(self, origin: str) -> RobotsRules | None:
        rules = self._rules.get(origin)
        if rules is None or rules.expires < time.monotonic():
            return None
        return rules

    def put(self, origin: str, rules: RobotsRules) -> None:
        self._rules[origin] = rules
