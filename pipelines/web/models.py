"""The JSON shapes of ``/api/search`` (and what the page template reads): they make the OpenAPI schema."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Related(BaseModel):
    """Another outlet's copy of the same story (same near-duplicate ``cluster_id``)."""

    article_id: str
    title: str
    url: str
    source_id: str
    published_at: str | None = None


class HitOut(BaseModel):
    article_id: str
    title: str
    url: str
    source_id: str
    section: str | None = None
    published_at: str | None = None
    places: list[str] = Field(default_factory=list)
    cluster_id: str | None = None
    score: float | None = None
    highlights: dict[str, list[str]] = Field(
        default_factory=dict,
        description="field -> fragments: HTML-escaped text, matches wrapped in <mark>...</mark>",
    )
    same_story: list[Related] = Field(default_factory=list)


class BucketOut(BaseModel):
    key: str
    count: int


class SuggestionOut(BaseModel):
    query: str
    total: int


class SearchResponse(BaseModel):
    query: str = Field(description="the query as searched (control characters out, whitespace collapsed)")
    total: int
    took_ms: int
    page: int
    size: int
    pages: int = Field(description="pages reachable for this search (capped)")
    sort: str
    hits: list[HitOut]
    facets: dict[str, list[BucketOut]] = Field(description="source, section, place, published (per day)")
    suggestion: SuggestionOut | None = Field(None, description="another spelling that finds results")
    permalink: str = Field(description="the search page for this search (all state in the query string)")


class ErrorOut(BaseModel):
    detail: str
