"""Fetch stage: polite, safe HTTP for feeds, sitemaps and article pages.

- :class:`Fetcher` (client.py): the one HTTP client — robots.txt, per-host rate limit, Retry-After,
  retries, redirects, size cap, conditional GET, SSRF guard.
- :func:`decode_html` (charset.py): bytes -> text, legacy Arabic charsets included.
- :class:`CrawlState` (state.py): seen URLs, validators and content hashes in SQL tables.
"""

from __future__ import annotations

from pipelines.fetch.charset import decode_html
from pipelines.fetch.client import Fetcher, FetchPolicy, validators_of
from pipelines.fetch.ssrf import check_url
from pipelines.fetch.state import CrawlState, Validators

__all__ = ["CrawlState", "FetchPolicy", "Fetcher", "Validators", "check_url", "decode_html", "validators_of"]
