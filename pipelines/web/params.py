"""The search parameters of the page and of ``/api/search``: one model, so both validate alike and
the OpenAPI schema documents them, turned into a :class:`~pipelines.search.query.SearchQuery` by
:meth:`SearchParams.to_query`. Every size is bounded: the query length, the number of filter values,
the page size and the page number (no deep paging)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from pipelines.search.query import MAX_QUERY_CHARS, SearchQuery

MAX_PAGE = 50
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
MAX_FILTER_VALUES = 10
MAX_FILTER_CHARS = 100

FilterValue = Annotated[str, StringConstraints(max_length=MAX_FILTER_CHARS)]
FilterList = Annotated[list[FilterValue], Field(max_length=MAX_FILTER_VALUES)]
# An HTML form sends an empty date input as "since=": documented as "no bound", not refused.
OptionalDay = Annotated[
    date | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "maxLength": 0},
                {"type": "null"},
            ]
        }
    ),
]


class SearchParams(BaseModel):
    """What a search asks for; every field is a query-string parameter (repeat a filter to OR values)."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(
        "",
        max_length=MAX_QUERY_CHARS,
        description='Words to find, Arabic or Latin. Operators: "phrase", -exclude, a | b. '
        "Nothing else is search syntax: field names, wildcards and regexps are plain text.",
    )
    source: FilterList = Field(default_factory=list, description="Only these source ids (any of them).")
    section: FilterList = Field(default_factory=list, description="Only these sections (any of them).")
    place: FilterList = Field(
        default_factory=list, description="Only articles mentioning any of these places."
    )
    since: OptionalDay = Field(None, description="Published on or after this day (UTC); empty: no bound.")
    until: OptionalDay = Field(
        None,
        description="Published on or before this day (UTC), whole day included, not before since; empty: no bound.",
    )
    sort: Literal["relevance", "date"] = Field("relevance", description="Best match first, or newest first.")
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Result page, 1 to {MAX_PAGE}.")
    size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Results per page.")

    @field_validator("since", "until", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        if value == "":
            return None
        # only YYYY-MM-DD: pydantic would also read "0" as a Unix time (1970-01-01)
        if isinstance(value, str) and not _DAY.fullmatch(value):
            raise ValueError("expected a day as YYYY-MM-DD")
        return value

    @field_validator("source", "section", "place", mode="before")
    @classmethod
    def _drop_empty(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            if len(value) > MAX_FILTER_VALUES:  # counted before empty values are dropped, as documented
                raise ValueError(f"at most {MAX_FILTER_VALUES} values")
            return [v for v in value if not (isinstance(v, str) and not v.strip())]
        return value

    @model_validator(mode="after")
    def _ordered_dates(self) -> SearchParams:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def to_query(self) -> SearchQuery:
        return SearchQuery(
            text=self.q,
            sources=self.source,
            sections=self.section,
            places=self.place,
            since=self.since,
            until=self.until,
            sort=self.sort,
            size=self.size,
            page=self.page,
        )

    def query_string(self, **changes: Any) -> str:
        """This search as a canonical query string (defaults left out), with ``changes`` applied.

        Used for permalinks, facet links and pagination: the URL is the whole state.
        """
        values = self.model_dump()
        values.update(changes)
        pairs: list[tuple[str, str]] = []
        defaults = SearchParams().model_dump()
        for name in type(self).model_fields:
            value = values[name]
            if value in (None, "", []) or value == defaults[name]:
                continue
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, str(item)))
        return urlencode(pairs)

    def toggled(self, name: str, value: str) -> str:
        """The query string with ``value`` added to (or removed from) filter ``name``, back to page 1."""
        current: list[str] = list(getattr(self, name))
        new = [v for v in current if v != value] if value in current else [*current, value]
        return self.query_string(**{name: new, "page": 1})
