"""Scrape one source: discover -> fetch -> extract (+ normalize), with crawl state.

:func:`scrape_source` is what the Airflow DAG's mapped task and ``khabar scrape`` call; it knows
nothing of Airflow or Kafka. It returns the articles that are **new** (URL never seen, or content
hash changed since last time: unchanged re-scrapes are not returned), the raw pages they came from,
and one :class:`~pipelines.model.ErrorRecord` per thing that failed: one bad page, feed or sitemap
never stops the run.

Counts (``ScrapeResult.counts``, a plain dict of ints plus ``failed_by_reason``):
``found`` unique candidate URLs; ``skipped`` known URLs not re-checked (see :data:`RECHECK_WINDOW`
and :data:`NOT_FOUND_RETRY`), beyond ``limit``, or ``claimed_elsewhere`` (fetched by another
source's scrape now or within ``Settings.fetch_fresh_seconds``); ``fetched`` pages answered 200; ``not_modified`` pages answered 304;
``extracted`` pages that gave an article; ``new`` articles returned; ``unchanged`` articles whose
content was already seen; ``failed`` error records (any stage); ``discovery_documents`` and
``discovery_not_modified`` feeds/sitemaps/listings fetched or answered 304; ``decode_replaced``
pages kept although a few stray bytes did not decode (replaced by U+FFFD, logged with the URL).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines.config import Settings
from pipelines.errors import KhabarError
from pipelines.extract.budget import shared_extractor
from pipelines.fetch import CrawlState, Fetcher, FetchPolicy, validators_of
from pipelines.ingest.discover import Candidate, discover
from pipelines.kafka.events import new_trace_id
from pipelines.model import Article, ErrorRecord, RawPage, Stage
from pipelines.sources import SourceConfig

log = logging.getLogger(__name__)

#: Articles first seen within this window are re-checked (conditional GET) every run, since news
#: gets updated in its first days; older known URLs are re-fetched only if discovery reports a
#: date newer than our last visit.
RECHECK_WINDOW = timedelta(hours=48)
#: Permanent HTTP failures are not fetched (and dead-lettered) again every run: 410 Gone never
#: again, 404 Not Found once this long has passed (sites sometimes link a page before it is live).
NOT_FOUND_RETRY = timedelta(hours=24)
_PROGRESS_EVERY = 25  # pages
_PROGRESS_SECONDS = 30.0


@dataclass
class ScrapeResult:
    source_id: str
    articles: list[Article] = field(default_factory=list)
    pages: list[RawPage] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    #: article_id -> the URL it was fetched from (its crawl-state key), for ``CrawlState.forget``.
    fetched_from: dict[str, str] = field(default_factory=dict)
    #: article_id -> its trace id, born here and carried by publish and the indexer (traceparent).
    traces: dict[str, str] = field(default_factory=dict)

    @property
    def failed_by_reason(self) -> dict[str, int]:
        return dict(self.counts.get("failed_by_reason", {}))


def _new_counts() -> dict[str, Any]:
    keys = (
        "found",
        "skipped",
        "claimed_elsewhere",
        "fetched",
        "not_modified",
        "extracted",
        "new",
        "unchanged",
        "failed",
    )
    return {
        **dict.fromkeys(keys, 0),
        "discovery_documents": 0,
        "discovery_not_modified": 0,
        "decode_replaced": 0,
    }


def _with_hints(article: Article, candidate: Candidate) -> Article:
    """Fill a publication date the page lacked from the feed or sitemap that listed it."""
    if article.published_at is not None or candidate.published is None:
        return article
    source = "feed" if candidate.method == "feed" else "sitemap" if candidate.method == "sitemap" else None
    if source is None:
        return article
    return article.model_copy(update={"published_at": candidate.published, "published_at_source": source})


def _should_skip(candidate: Candidate, state: CrawlState, now: datetime) -> bool:
    info = state.url_info(candidate.url)
    if info is not None and info.last_status == 410:
        return True
    if info is not None and info.last_status == 404:
        return now - info.last_seen < NOT_FOUND_RETRY
    if info is None or info.last_status not in (200, 304):
        return False
    if now - info.first_seen <= RECHECK_WINDOW:
        return False
    return not (candidate.published and candidate.published > info.last_seen)


def _status_of(exc: BaseException) -> int | None:
    reason = getattr(exc, "reason", "")
    return int(reason[5:]) if isinstance(reason, str) and reason[5:].isdigit() else None


class _Scrape:
    def __init__(
        self,
        source: SourceConfig,
        settings: Settings,
        state: CrawlState,
        fetcher: Fetcher,
        *,
        hold_until_published: bool = False,
    ) -> None:
        self.source, self.settings, self.state, self.fetcher = source, settings, state, fetcher
        self.hold_until_published = hold_until_published
        self.fresh_for = timedelta(seconds=max(0.0, settings.fetch_fresh_seconds))
        self.policy = FetchPolicy.for_source(source)
        self.result = ScrapeResult(source.id, counts=_new_counts())
        self.counts = self.result.counts
        self.article_ids: set[str] = set()

    def fail(self, exc: BaseException, *, stage: Stage, url: str | None) -> None:
        record = ErrorRecord.from_exception(exc, source_id=self.source.id, stage=stage, url=url)
        log.info("%s failed: %s", stage, record.reason, extra={"source": self.source.id, "url": url})
        self.result.errors.append(record)

    def page(self, candidate: Candidate) -> None:
        url, source = candidate.url, self.source
        # Another source's scrape (an overlapping site, on another worker) has it now, or fetched
        # it within the freshness window: that scrape reports it.
        if not self.state.claim(url, source.id, fresh_for=self.fresh_for):
            self.counts["skipped"] += 1
            self.counts["claimed_elsewhere"] += 1
            return
        try:
            self._page(candidate)
        finally:
            self.state.release(url, source.id)
        return

    def _page(self, candidate: Candidate) -> None:
        url, source = candidate.url, self.source
        try:
            info = self.state.url_info(url)
            page = self.fetcher.fetch(
                url, kind="page", policy=self.policy, validators=info.validators if info else None
            )
        except Exception as exc:  # fetcher bugs included: one page never stops the run
            if not isinstance(exc, KhabarError):
                log.exception("unexpected fetch error", extra={"source": source.id, "url": url})
            self.state.record_url(url, source_id=source.id, kind="page", status=_status_of(exc))
            return self.fail(exc, stage="fetch", url=url)
        if page.not_modified:
            self.counts["not_modified"] += 1
            self.state.record_url(url, source_id=source.id, kind="page", status=304, keep_validators=True)
            return None
        self.counts["fetched"] += 1
        if page.decode_errors:
            self.counts["decode_replaced"] += 1  # kept, with U+FFFD for the stray bytes
        try:
            article = shared_extractor(self.settings).extract(
                page, source_id=source.id, selectors=source.selector_map, timezone=source.timezone
            )
        except Exception as exc:  # extraction bugs included: one page never stops the run
            if not isinstance(exc, KhabarError):
                log.exception("unexpected extraction error", extra={"source": source.id, "url": url})
            # No validators kept: the next run fetches it in full and tries again.
            self.state.record_url(url, source_id=source.id, kind="page", status=page.status)
            self.result.pages.append(page)  # kept for a rebuild with a better extractor
            return self.fail(exc, stage="extract", url=url)
        article = _with_hints(article, candidate)
        self.counts["extracted"] += 1
        self.state.record_url(
            url, source_id=source.id, kind="page", status=200, validators=validators_of(page)
        )
        # An article reached by two URLs in one run (AMP and canonical) is reported once.
        pending_url = url if self.hold_until_published else None
        if article.article_id not in self.article_ids and self.state.record_article(
            article, pending_url=pending_url
        ):
            self.article_ids.add(article.article_id)
            self.counts["new"] += 1
            self.result.articles.append(article)
            self.result.pages.append(page)
            self.result.fetched_from[article.article_id] = url
            trace_id = self.result.traces[article.article_id] = new_trace_id()
            log.debug(
                "article extracted",
                extra={
                    "source": source.id,
                    "url": url,
                    "article_id": article.article_id,
                    "trace_id": trace_id,
                },
            )
        else:
            self.counts["unchanged"] += 1
        return None

    def forget_recorded(self) -> None:
        ids = list(self.result.fetched_from)
        if not ids:
            return
        try:
            self.state.forget(ids, [self.result.fetched_from[i] for i in ids])
        except Exception:
            log.exception("could not forget unpublished articles", extra={"source": self.source.id})
        else:
            log.warning(
                "scrape aborted: its new articles forgotten by the crawl state",
                extra={"source": self.source.id, "count": len(ids)},
            )

    def run(self, limit: int | None) -> ScrapeResult:
        source, counts = self.source, self.counts
        started = time.monotonic()
        log.info("scraping source", extra={"source": source.id})
        found = discover(source, self.fetcher, self.state)
        self.result.errors.extend(found.errors)
        counts["found"] = len(found.candidates)
        counts["discovery_documents"] = found.documents
        counts["discovery_not_modified"] = found.not_modified
        now = datetime.now(UTC)
        todo = [c for c in found.candidates if not _should_skip(c, self.state, now)]
        if limit is not None:
            todo = todo[: max(0, limit)]
        counts["skipped"] = counts["found"] - len(todo)
        last_log = time.monotonic()
        for done, candidate in enumerate(todo, 1):
            try:
                self.page(candidate)
            except BaseException:
                # Stopped half-way (crawl-state database down, interrupted): what this run recorded
                # as seen was never handed to the publisher, so the next run must see it as new.
                self.forget_recorded()
                raise
            if done % _PROGRESS_EVERY == 0 or time.monotonic() - last_log > _PROGRESS_SECONDS:
                last_log = time.monotonic()
                log.info(
                    "scrape progress %d/%d",
                    done,
                    len(todo),
                    extra={"source": source.id, "new": counts["new"], "failed": len(self.result.errors)},
                )
        counts["failed"] = len(self.result.errors)
        counts["failed_by_reason"] = dict(Counter(e.reason for e in self.result.errors))
        log.info(
            "source scraped",
            extra={"source": source.id, "seconds": round(time.monotonic() - started, 2), **counts},
        )
        return self.result


def scrape_source(
    source: SourceConfig,
    settings: Settings,
    *,
    state: CrawlState | None = None,
    client: Fetcher | None = None,
    limit: int | None = None,
    hold_until_published: bool = False,
) -> ScrapeResult:
    """Discover, fetch and extract one source; ``limit`` caps the article pages fetched this run.

    ``state`` defaults to ``Settings.state_db_url``, ``client`` to a new :class:`Fetcher`; both
    are closed here only if created here. ``hold_until_published``: new articles stay pending in
    the crawl state until the caller confirms them (:meth:`CrawlState.confirm`).
    """
    own_state, own_client = state is None, client is None
    state = state or CrawlState.from_settings(settings)
    client = client or Fetcher(settings)
    try:
        return _Scrape(source, settings, state, client, hold_until_published=hold_until_published).run(limit)
    finally:
        if own_client:
            client.close()
        if own_state:
            state.close()
