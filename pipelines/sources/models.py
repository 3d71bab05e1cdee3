"""What a news source is: the typed entry a data engineer writes in ``sources.yaml``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_PRESETS = {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly"}
# Five cron fields: minute hour day-of-month month day-of-week (digits, names, * , - /).
_CRON_FIELD = re.compile(r"^[\w*,/\-?LW#]+$")


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return value


class _Strict(BaseModel):
    # A misspelt key ("feed:" for "feeds:") must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ListingPage(_Strict):
    """A section or home page whose article links match a CSS selector."""

    url: str
    selector: str = Field(min_length=1, description="CSS selector of the <a> elements linking to articles")

    _url = field_validator("url")(_check_http_url)


class Discovery(_Strict):
    """Where new article URLs come from. At least one kind is required."""

    feeds: list[str] = Field(default_factory=list, description="RSS 2.0 / Atom feed URLs")
    sitemaps: list[str] = Field(default_factory=list, description="news sitemaps or sitemap indexes")
    listings: list[ListingPage] = Field(default_factory=list)

    @field_validator("feeds", "sitemaps")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        return [_check_http_url(v) for v in values]

    @model_validator(mode="after")
    def _not_empty(self) -> Discovery:
        if not (self.feeds or self.sitemaps or self.listings):
            raise ValueError("needs at least one of feeds, sitemaps, listings")
        return self


class Selectors(_Strict):
    """CSS selectors overriding automatic extraction for sites where it goes wrong."""

    title: str | None = None
    body: str | None = None
    lead: str | None = None
    date: str | None = None
    author: str | None = None
    section: str | None = None
    remove: str | None = Field(default=None, description="elements to drop from the body (ads, 'read also')")

    def as_mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class SourceConfig(_Strict):
    """One news source. Only ``id``, ``name``, ``homepage`` and ``discovery`` are required."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="stable id: lowercase, digits, - or _")
    name: str = Field(min_length=1)
    language: str = Field(default="ar", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    homepage: str
    enabled: bool = True
    schedule: str | None = Field(default=None, description="cron expression or preset; default: the DAG's")
    rate_limit: float = Field(
        default=1.0, ge=0, le=3600, description="minimum seconds between two requests to one host"
    )
    allow_private_network: bool = Field(
        default=False, description="allow private/loopback addresses (the local sample site only)"
    )
    discovery: Discovery
    selectors: Selectors | None = None
    timezone: str | None = Field(default=None, description="IANA zone of dates printed without an offset")

    _homepage = field_validator("homepage")(_check_http_url)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("@"):
            if value not in _PRESETS:
                raise ValueError(f"unknown preset {value!r}; one of {', '.join(sorted(_PRESETS))}")
            return value
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError(f"{value!r} is not a 5-field cron expression (minute hour day month weekday)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Riyadh)") from None
        return value

    @property
    def selector_map(self) -> dict[str, str] | None:
        return self.selectors.as_mapping() if self.selectors else None

    def rebased(self, old_base: str, new_base: str) -> SourceConfig:
        """The same source with every URL starting with ``old_base`` moved to ``new_base``."""

        def move(url: str) -> str:
            return new_base + url[len(old_base) :] if url.startswith(old_base) else url

        d = self.discovery
        discovery = Discovery(
            feeds=[move(u) for u in d.feeds],
            sitemaps=[move(u) for u in d.sitemaps],
            listings=[ListingPage(url=move(x.url), selector=x.selector) for x in d.listings],
        )
        return self.model_copy(update={"homepage": move(self.homepage), "discovery": discovery})
