"""Article -> the Elasticsearch source document (every field of ``schemas/index-template.json``).

Pure and offline: no network, no model download (py3langid and yake ship their data, the places
gazetteer is committed). The only enrichment that needs other documents, the near-duplicate
``cluster_id``, starts as the article's own id and is settled per batch by
:func:`pipelines.indexer.enrich.dedup.assign_clusters`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines.indexer.enrich.dedup import dedup_fields
from pipelines.indexer.enrich.keywords import extract_keywords
from pipelines.indexer.enrich.language import detect_language
from pipelines.indexer.enrich.places import find_places
from pipelines.indexer.enrich.reading import reading_time_minutes, word_count
from pipelines.model import Article, utcnow
from pipelines.normalize.arabic import normalize_text


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def to_document(article: Article, *, indexed_at: datetime | None = None) -> dict[str, Any]:
    """The ES ``_source`` for ``article`` (its ``_id`` is ``article.article_id``)."""
    body = article.body_text
    full_text = "\n".join(part for part in (article.title, article.lead, body) if part)
    # Folded once per part, shared by places (title + lead + body) and dedup (title + body):
    # normalize_text of texts joined by a newline is their folded forms joined by a space.
    title_f, lead_f, body_f = (normalize_text(part) for part in (article.title, article.lead, body))
    language = detect_language(full_text, default=article.language or "ar")
    words = word_count(body)
    places, place_codes = find_places(full_text, folded=_joined(title_f, lead_f, body_f))
    doc: dict[str, Any] = {
        "article_id": article.article_id,
        "schema_version": article.schema_version,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source_id": article.source_id,
        "title": article.title,
        "lead": article.lead,
        "body": body,
        "blocks": [{"kind": block.kind, "text": block.text} for block in article.body],
        "authors": list(article.authors),
        "section": article.section,
        "tags": list(article.tags),
        "language": language,
        "image": article.image,
        "published_at": _iso(article.published_at),
        "published_at_source": article.published_at_source,
        "updated_at": _iso(article.updated_at),
        "updated_at_source": article.updated_at_source,
        "fetched_at": _iso(article.fetched_at),
        "indexed_at": _iso(indexed_at or utcnow()),
        "content_hash": article.content_hash,
        "extraction_method": article.extraction_method,
        "word_count": words,
        "reading_time_minutes": reading_time_minutes(words, language),
        "keywords": extract_keywords(full_text, language=language),
        "places": places,
        "place_codes": place_codes,
        "cluster_id": article.article_id,
    }
    doc.update(dedup_fields(article.title, body, folded=_joined(title_f, body_f)))
    return doc


def _joined(*folded: str) -> str:
    return " ".join(part for part in folded if part)
