"""Topic messages besides the Article: raw pages (``news.pages.v1``), dead letters (``news.dlq.v1``)
and enriched articles (``news.articles.enriched.v1``, what ``khabar index --publish-enriched`` emits).

Like :class:`pipelines.model.Article` they are frozen pydantic models that ignore unknown fields
(a v1 reader accepts what a later v1 producer adds) and carry ``schema`` and ``schema_version``;
the JSON Schemas in ``schemas/`` are generated from them (:mod:`pipelines.kafka.contracts`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any, Literal

import zstandard
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pipelines.model import Block, DateSource, ErrorRecord, RawPage, Stage, article_id_for, utcnow

PAGES_SCHEMA = "news.pages.v1"
PAGES_SCHEMA_VERSION = "1.0.0"
DLQ_SCHEMA = "news.dlq.v1"
DLQ_SCHEMA_VERSION = "1.0.0"
ENRICHED_SCHEMA = "news.articles.enriched.v1"
ENRICHED_SCHEMA_VERSION = "1.0.0"

#: The response headers worth keeping to re-extract a page later (dates, language, caching, type).
KEPT_HEADERS = (
    "content-type",
    "content-language",
    "last-modified",
    "etag",
    "date",
    "cache-control",
    "expires",
    "x-robots-tag",
    "link",
)

# zstd level 10: pages are written once and read rarely; ~8x smaller than HTML at modest CPU.
_ZSTD_LEVEL = 10


class _Message(BaseModel):
    # extra="ignore" keeps v1 readers forward compatible (additive changes only within a major).
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    def to_message(self) -> dict[str, Any]:
        """The JSON-ready dict published to Kafka (aliases applied, datetimes ISO 8601)."""
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_message(cls, value: dict[str, Any]) -> Any:
        return cls.model_validate(value)


def page_key(url: str) -> str:
    """Kafka key of a page: the same hash as ``article_id`` (of the URL as fetched), so the
    compacted pages topic keeps the latest fetch of every URL."""
    return article_id_for(url)


class PageMessage(_Message):
    """A fetched page, kept raw so articles can be re-extracted without fetching again."""

    schema_: Literal["news.pages.v1"] = Field(default=PAGES_SCHEMA, alias="schema")
    schema_version: str = PAGES_SCHEMA_VERSION

    page_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="Kafka key: hash of url")
    url: str = Field(min_length=1, description="The URL requested (after canonicalization)")
    final_url: str = Field(min_length=1, description="The URL after redirects")
    source_id: str
    fetched_at: AwareDatetime
    status: int = Field(ge=100, le=599)
    headers: dict[str, str] = Field(
        default_factory=dict, description="Response headers that matter, lower-cased names"
    )
    content_type: str = ""
    charset: str | None = Field(default=None, description="Charset the body was decoded with")
    body_encoding: Literal["zstd+base64"] = Field(
        default="zstd+base64",
        description="body is the raw response bytes, zstd-compressed (one frame), then base64 (RFC 4648)",
    )
    body: str = Field(description="The raw response body, encoded as body_encoding says")
    body_size: int = Field(ge=0, description="Size in bytes of the raw body before compression")
    body_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw body")

    @classmethod
    def from_raw_page(cls, page: RawPage) -> PageMessage:
        raw = page.body or page.text.encode(page.charset or "utf-8", errors="replace")
        compressed = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress(raw)
        headers = {k.lower(): v for k, v in page.headers.items() if k.lower() in KEPT_HEADERS}
        return cls(
            page_id=page_key(page.url),
            url=page.url,
            final_url=page.final_url or page.url,
            source_id=page.source_id,
            fetched_at=page.fetched_at,
            status=page.status,
            headers=headers,
            content_type=page.content_type,
            charset=page.charset,
            body=base64.b64encode(compressed).decode("ascii"),
            body_size=len(raw),
            body_sha256=hashlib.sha256(raw).hexdigest(),
        )

    def raw_body(self) -> bytes:
        return zstandard.ZstdDecompressor().decompress(base64.b64decode(self.body))

    def to_raw_page(self) -> RawPage:
        body = self.raw_body()
        text = body.decode(self.charset or "utf-8", errors="replace")
        return RawPage(
            url=self.url,
            final_url=self.final_url,
            status=self.status,
            headers=dict(self.headers),
            content_type=self.content_type,
            charset=self.charset,
            body=body,
            text=text,
            fetched_at=self.fetched_at,
            source_id=self.source_id,
        )


class TopicPosition(_Message):
    """Where a message was read from."""

    topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class PayloadRef(_Message):
    """A payload too large to carry inline: its hash, size and where it can be found."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, description="Size in bytes of the payload (as it would have been published)")
    location: str = Field(
        description="Where the payload is: file:///… (zstd-compressed copy) or kafka://topic/partition/offset"
    )
    content_type: str = "application/json"


PayloadFormat = Literal["json", "text", "base64", "ref", "none"]


class DeadLetter(_Message):
    """Something that failed and why: enough to list, count, inspect and replay it."""

    schema_: Literal["news.dlq.v1"] = Field(default=DLQ_SCHEMA, alias="schema")
    schema_version: str = DLQ_SCHEMA_VERSION

    dead_letter_id: str = Field(default_factory=lambda: uuid.uuid4().hex, pattern=r"^[0-9a-f]{32}$")
    stage: Stage
    error_class: str = Field(min_length=1)
    reason: str = Field(min_length=1, description="Short machine-readable reason, e.g. message_too_large")
    message: str = Field(description="Human-readable detail (truncated to 2000 characters)")
    attempts: int = Field(default=1, ge=1)
    first_failed_at: AwareDatetime = Field(default_factory=utcnow)
    last_failed_at: AwareDatetime = Field(default_factory=utcnow)
    source_id: str | None = None
    article_id: str | None = None
    url: str | None = None
    key: str | None = Field(default=None, description="Kafka key the payload was (or would be) sent with")
    target_topic: str | None = Field(
        default=None, description="Topic the payload belongs in: replays go there"
    )
    origin: TopicPosition | None = Field(
        default=None, description="Set when the payload was read from a topic"
    )
    payload_format: PayloadFormat = "none"
    payload: Any = Field(
        default=None,
        description="The original payload: a JSON value (json), a string (text) or base64 bytes (base64); "
        "null when payload_format is ref or none",
    )
    payload_ref: PayloadRef | None = None
    trace_id: str | None = None

    @classmethod
    def from_error(
        cls,
        error: ErrorRecord,
        *,
        payload: Any = None,
        target_topic: str | None = None,
        article_id: str | None = None,
        **fields: Any,
    ) -> DeadLetter:
        """A dead letter from a stage's ErrorRecord (same stage, class, reason, message, times)."""
        fmt = _payload_format(payload)
        return cls(
            stage=error.stage,
            error_class=error.error_class,
            reason=error.reason,
            message=error.message,
            first_failed_at=error.at,
            last_failed_at=error.at,
            source_id=error.source_id,
            url=error.url,
            article_id=article_id,
            target_topic=target_topic,
            payload_format=fmt,
            payload=_payload_value(payload),
            **fields,
        )


def _payload_format(payload: Any) -> PayloadFormat:
    if payload is None:
        return "none"
    if isinstance(payload, bytes | bytearray | memoryview):
        return "base64"
    if isinstance(payload, str):
        return "text"
    return "json"


def _payload_value(payload: Any) -> Any:
    if isinstance(payload, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(payload)).decode("ascii")
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json", by_alias=True)
    return payload


def inline_payload(payload: Any) -> tuple[PayloadFormat, Any]:
    """(payload_format, payload) for a DeadLetter carrying ``payload`` inline."""
    return _payload_format(payload), _payload_value(payload)


def payload_bytes(letter: DeadLetter) -> bytes | None:
    """The original payload as bytes to re-publish, when it is carried inline."""
    if letter.payload_format == "json":
        return json.dumps(letter.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if letter.payload_format == "text":
        return str(letter.payload).encode("utf-8")
    if letter.payload_format == "base64":
        return base64.b64decode(letter.payload)
    return None


# Internal to the index (near-duplicate signature): not part of the enriched contract, so its
# encoding can change without a new major version. cluster_id is the public near-duplicate signal.
_INDEX_ONLY = frozenset({"minhash", "minhash_bands"})


class EnrichedArticle(_Message):
    """An article as the indexer indexed it: the article's fields plus the enrichment."""

    schema_: Literal["news.articles.enriched.v1"] = Field(default=ENRICHED_SCHEMA, alias="schema")
    schema_version: str = ENRICHED_SCHEMA_VERSION

    article_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    article_schema_version: str = Field(description="schema_version of the news.articles.v1 message")
    url: str
    canonical_url: str
    source_id: str
    title: str = Field(min_length=1)
    lead: str = ""
    body: str = Field(description="The body as plain text (blocks joined)")
    blocks: list[Block] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    section: str | None = None
    tags: list[str] = Field(default_factory=list)
    language: str = Field(description="Detected language (ISO 639-1)")
    image: str | None = None
    published_at: AwareDatetime | None = None
    published_at_source: DateSource | None = None
    updated_at: AwareDatetime | None = None
    updated_at_source: DateSource | None = None
    fetched_at: AwareDatetime
    indexed_at: AwareDatetime
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    extraction_method: str
    word_count: int = Field(ge=0)
    reading_time_minutes: int = Field(ge=0)
    keywords: list[str] = Field(default_factory=list, description="Key phrases, best first")
    places: list[str] = Field(default_factory=list, description="Place names mentioned")
    place_codes: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2 codes of places")
    cluster_id: str = Field(
        description="Near-duplicate cluster: the article_id of the first article of the story"
    )

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> EnrichedArticle:
        """From the indexer's Elasticsearch source document (:func:`pipelines.indexer.enrich.to_document`)."""
        fields = {k: v for k, v in document.items() if k not in _INDEX_ONLY and k != "schema_version"}
        return cls(article_schema_version=document["schema_version"], **fields)
