"""One search for the page and the API: :func:`pipelines.search.query.search` with the page's query,
then the same-story lookup (:mod:`pipelines.search.related`) and, for an empty result, a spelling
suggestion (:mod:`pipelines.search.suggest`). This module only maps them to HTTP.

Bounded in time: every Elasticsearch request carries a server-side ``timeout`` and a client
``request_timeout``. An unreachable or failing Elasticsearch becomes :class:`SearchUnavailableError`
(HTTP 503 with a sentence), never a traceback.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TypeVar

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from pipelines.config import Settings
from pipelines.errors import KhabarError
from pipelines.search.query import search
from pipelines.search.related import same_story
from pipelines.search.suggest import suggest
from pipelines.web.models import HitOut, SearchResponse
from pipelines.web.params import MAX_PAGE, SearchParams

log = logging.getLogger(__name__)

#: Seconds Elasticsearch may spend on one request (then the client gives up one second later).
SEARCH_TIMEOUT = 5.0
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
            f"search is unavailable: Elasticsearch at {settings.es_url} cannot be reached "
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
    query = params.to_query()
    result = _guarded(settings, lambda: search(es, settings, query, timeout=timeout))
    related = _guarded(settings, lambda: same_story(es, settings.index_alias, result.hits, timeout=timeout))
    suggestion = None
    if result.total == 0 and result.query:

        def count(text: str) -> int:
            return search(es, settings, replace(query, text=text, size=0, page=1), timeout=timeout).total

        suggestion = _guarded(settings, lambda: suggest(result.query, count))
    return SearchResponse(
        **result.model_dump(exclude={"hits"}),
        hits=[HitOut(**h.model_dump(), same_story=related.get(h.article_id, [])) for h in result.hits],
        page=params.page,
        size=params.size,
        pages=min(MAX_PAGE, math.ceil(result.total / params.size)),
        sort=params.sort,
        suggestion=suggestion,
        permalink="/?" + params.query_string(),
    )
