"""The JSON shapes of ``/api/search`` (and what the page template reads): they make the OpenAPI schema.

They are the search result types of :mod:`pipelines.search` plus what only the page adds (paging, the
permalink, each hit's other copies of the story).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from pipelines.search.query import Hit, SearchResult
from pipelines.search.related import Related
from pipelines.search.suggest import Suggestion


class HitOut(Hit):
    same_story: list[Related] = Field(default_factory=list)


class SearchResponse(SearchResult):
    page: int
    size: int
    pages: int = Field(description="pages reachable for this search (capped)")
    sort: str
    hits: list[HitOut]  # type: ignore[assignment]  # a Hit with its related stories
    suggestion: Suggestion | None = Field(None, description="another spelling that finds results")
    permalink: str = Field(description="the search page for this search (all state in the query string)")


class ErrorOut(BaseModel):
    detail: str
