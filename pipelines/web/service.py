"""One search for the page and the API: :func:`pipelines.search.query.search` with the page's parameters,
then the same-story lookup and, for an empty result, a spelling suggestion.

Bounded in time: every Elasticsearch request carries a server-side ``timeout`` and a client
``request_timeout``. An unreachable or failing Elasticsearch becomes :class:`SearchUnavailableError`
(HTTP 503 with a sentence), never a traceback.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from pipelines.config import Settings
from pipelines.errors import KhabarError
from pipelines.redact import redact_url
from pipelines.search.query import SearchResult, search
from pipelines.search.suggest import suggest
from pipelines.web.models import BucketOut, HitOut, Related, SearchResponse, SuggestionOut
from pipelines.web.params import MAX_PAGE, SearchParams

log = logging.getLogger(__name__)

#: Seconds Elasticsearch may spend on one request (then the client gives up one second later).
SEARCH_TIMEOUT = 5.0
#: Other copies listed per result.
SAME_STORY_PER_HIT = 5
T = TypeVar("T")


class SearchUnavailableError(KhabarError):
    reason = "search_unavailable"
    transient = True


@contextmanager
def _unavailable_as_error(settings: Settings) -> Iterator[None]:
    try:
        yield
    except NotFoundError as exc:
        raise SearchUnavailableError(
            f"there is no index {settings.index_alias!r} yet: run `make demo` (or `khabar index setup` "
            "and the indexer) first"
        ) from exc
    except TransportError as exc:  # connection refused, timeout, TLS
        log.warning("elasticsearch unreachable", extra={"error": type(exc).__name__})
        raise SearchUnavailableError(
            f"search is unavailable: Elasticsearch at {redact_url(settings.es_url)} cannot be reached "
            f"({type(exc).__name__}); try again shortly"
        ) from exc
    except ApiError as exc:
        if exc.meta.status in (429,) or exc.meta.status >= 500:
            log.warning("elasticsearch failed", extra={"status": exc.meta.status})
            raise SearchUnavailableError(
                f"search is unavailable: Elasticsearch answered {exc.meta.status}; try again shortly"
            ) from exc
        raise


def _guarded(settings: Settings, call: Callable[[], T]) -> T:
    with _unavailable_as_error(settings):
        return call()


def run_search(
    es: Elasticsearch, settings: Settings, params: SearchParams, *, timeout: float = SEARCH_TIMEOUT
) -> SearchResponse:
    def find(query: str, size: int, page: int) -> SearchResult:
        return search(
            es,
            settings,
            query,
            sources=params.source or None,
            sections=params.section or None,
            places=params.place or None,
            since=params.since,
            until=params.until,
            sort=params.sort,
            size=size,
            page=page,
            timeout=timeout,
        )

    result = _guarded(settings, lambda: find(params.q, params.size, params.page))
    related = _guarded(settings, lambda: same_story(es, settings, result, timeout=timeout))
    suggestion = None
    if result.total == 0 and result.query:
        found = _guarded(settings, lambda: suggest(result.query, lambda q: find(q, 0, 1).total))
        suggestion = SuggestionOut(query=found.query, total=found.total) if found else None
    hits = [
        HitOut(
            article_id=h.article_id,
            title=h.title,
            url=h.url,
            source_id=h.source_id,
            section=h.section,
            published_at=h.published_at,
            places=h.places,
            cluster_id=h.cluster_id,
            score=h.score,
            highlights=h.highlights,
            same_story=related.get(h.article_id, []),
        )
        for h in result.hits
    ]
    return SearchResponse(
        query=result.query,
        total=result.total,
        took_ms=result.took_ms,
        page=params.page,
        size=params.size,
        pages=min(MAX_PAGE, math.ceil(result.total / params.size)),
        sort=params.sort,
        hits=hits,
        facets={
            name: [BucketOut(key=b.key, count=b.count) for b in buckets]
            for name, buckets in result.facets.items()
        },
        suggestion=suggestion,
        permalink="/?" + params.query_string(),
    )


def same_story(
    es: Elasticsearch, settings: Settings, result: SearchResult, *, timeout: float = SEARCH_TIMEOUT
) -> dict[str, list[Related]]:
    """article_id -> the other articles of its near-duplicate cluster (one small terms query)."""
    clusters = {h.cluster_id for h in result.hits if h.cluster_id}
    if not clusters:
        return {}
    response = es.options(request_timeout=timeout + 1).search(
        index=settings.index_alias,
        query={"bool": {"filter": [{"terms": {"cluster_id": sorted(clusters)}}]}},
        size=min(100, len(clusters) * (SAME_STORY_PER_HIT + 1)),
        sort=[{"published_at": {"order": "asc", "missing": "_last"}}],
        source=["article_id", "title", "url", "source_id", "published_at", "cluster_id"],
        timeout=f"{int(timeout * 1000)}ms",
    )
    members: dict[str, list[dict]] = {}
    for raw in response["hits"]["hits"]:
        src = raw["_source"]
        members.setdefault(src.get("cluster_id", ""), []).append(src)
    out: dict[str, list[Related]] = {}
    for hit in result.hits:
        others = [m for m in members.get(hit.cluster_id or "", []) if m.get("article_id") != hit.article_id]
        if others:
            out[hit.article_id] = [
                Related(
                    article_id=m["article_id"],
                    title=m.get("title", ""),
                    url=m.get("url", ""),
                    source_id=m.get("source_id", ""),
                    published_at=m.get("published_at"),
                )
                for m in others[:SAME_STORY_PER_HIT]
            ]
    return out
