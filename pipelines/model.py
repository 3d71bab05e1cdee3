"""The typed records that pass between stages.

``RawPage`` (fetch) -> ``Article`` (extract + normalize) -> Kafka ``news.articles.v1`` -> indexer.
Failures anywhere become an ``ErrorRecord`` (stage-level) or a ``DeadLetter`` (topic-level).

The models are frozen pydantic models so the JSON Schemas in ``schemas/`` are generated from them
(a test fails on drift) and every topic message carries ``schema`` and ``schema_version``.
Unknown fields are ignored on read, so a v1 reader accepts what a later v1 producer writes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ARTICLE_SCHEMA = "news.articles.v1"
ARTICLE_SCHEMA_VERSION = "1.1.0"  # 1.1.0: optional extracted_at (khabar rebuild)


def utcnow() -> datetime:
    return datetime.now(UTC)


def article_id_for(canonical_url: str) -> str:
    """Stable id of an article: the first 128 bits of SHA-256 of its canonical URL, hex.

    It is the Kafka key and the Elasticsearch ``_id``: a replay or a re-scrape overwrites.
    """
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def content_hash_for(*parts: str) -> str:
    """Hash of what a reader sees (title, lead, body): tells an update from an unchanged re-scrape."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


class _Record(BaseModel):
    # extra="ignore": additive fields from newer v1 producers must not break older readers.
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)


BlockKind = Literal["p", "h2", "h3", "h4", "quote", "li"]


class Block(_Record):
    """One structural unit of an article body, as published (display text)."""

    kind: BlockKind = "p"
    text: str


DateSource = Literal[
    "json-ld", "opengraph", "meta", "time-element", "selector", "htmldate", "text", "feed", "sitemap", "url"
]


class Article(_Record):
    """One news article, extracted and normalized. The value of ``news.articles.v1``."""

    schema_: Literal["news.articles.v1"] = Field(default=ARTICLE_SCHEMA, alias="schema")
    schema_version: str = ARTICLE_SCHEMA_VERSION

    article_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    url: str
    canonical_url: str
    source_id: str
    title: str = Field(min_length=1)
    lead: str = ""
    body: list[Block] = Field(default_factory=list)
    body_text: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    published_at: AwareDatetime | None = None
    published_at_source: DateSource | None = None
    updated_at: AwareDatetime | None = None
    updated_at_source: DateSource | None = None
    language: str = "ar"
    section: str | None = None
    tags: list[str] = Field(default_factory=list)
    image: str | None = None
    fetched_at: AwareDatetime
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    extraction_method: str
    extracted_at: AwareDatetime | None = Field(
        default=None, description="Set by `khabar rebuild`: when a stored page was extracted again"
    )

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @property
    def version(self) -> int:
        """External document version: the article's own time, in ms.

        The newest of updated_at, fetched_at and extracted_at: a re-scrape that found changed content
        carries a later fetched_at, and a rebuild (same page, better extractor) a later extracted_at,
        so they win; a replayed or reordered older message carries an earlier one, so Elasticsearch
        rejects it as a version conflict instead of overwriting newer content.
        """
        newest = max(t for t in (self.updated_at, self.fetched_at, self.extracted_at) if t is not None)
        return int(newest.timestamp() * 1000)

    def to_message(self) -> dict:
        """The JSON-ready dict published to Kafka (aliases applied, datetimes ISO 8601)."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_message(cls, value: dict) -> Article:
        return cls.model_validate(value)


class RawPage(_Record):
    """A fetched HTTP response, kept raw so articles can be re-extracted without fetching again."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    text: str = ""
    fetched_at: AwareDatetime = Field(default_factory=utcnow)
    source_id: str = ""
    not_modified: bool = False
    #: bytes that did not decode with ``charset`` and were replaced by U+FFFD (stray bytes)
    decode_errors: int = 0


Stage = Literal[
    "discover", "fetch", "extract", "normalize", "publish", "consume", "validate", "enrich", "index"
]


class ErrorRecord(_Record):
    """A structured failure of one item (page, feed, message): counted, logged, never fatal to a run."""

    source_id: str
    url: str | None = None
    stage: Stage
    error_class: str
    reason: str
    message: str
    at: AwareDatetime = Field(default_factory=utcnow)

    @classmethod
    def from_exception(
        cls, exc: BaseException, *, source_id: str, stage: Stage, url: str | None = None
    ) -> ErrorRecord:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return cls(
            source_id=source_id,
            url=url,
            stage=stage,
            error_class=type(exc).__name__,
            reason=str(reason),
            message=str(exc)[:2000] or type(exc).__name__,
        )
