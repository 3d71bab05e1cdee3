"""Articles, pages and Arabic text for publish/topic tests, built with the real models.

Importable from any test module (pytest puts tests/ on sys.path for tests/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.kafka.clients import headers_dict, message_headers
from pipelines.model import (
    ARTICLE_SCHEMA,
    ARTICLE_SCHEMA_VERSION,
    Article,
    Block,
    RawPage,
    article_id_for,
    content_hash_for,
)

PARAGRAPHS = [
    "استقبل وزير الخارجية الروسي سيرغي لافروف نظيره السوري أسعد الشيباني في موسكو.",
    "وبحث الجانبان العلاقات الثنائية والأوضاع في سوريا والمنطقة.",
    "وأكد لافروف دعم بلاده لوحدة الأراضي السورية وسيادتها.",
]


def make_article(i: int, *, source_id: str = "test-source", body: str | None = None, **changes) -> Article:
    """The i-th test article: a stable URL (so the same i gives the same article_id)."""
    url = f"https://news.example.org/ar/{source_id}/{i}"
    paragraphs = [body] if body is not None else [f"{p} ({i})" for p in PARAGRAPHS]
    title = f"لافروف يستقبل الشيباني في موسكو — {i}"
    fields = {
        "article_id": article_id_for(url),
        "url": url,
        "canonical_url": url,
        "source_id": source_id,
        "title": title,
        "lead": paragraphs[0][:200],
        "body": [Block(kind="p", text=p) for p in paragraphs],
        "body_text": "\n\n".join(paragraphs),
        "authors": ["مراسل"],
        "published_at": datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=i),
        "published_at_source": "json-ld",
        "section": "سياسة",
        "tags": ["روسيا", "سوريا"],
        "fetched_at": datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=i),
        "content_hash": content_hash_for(title, *paragraphs),
        "extraction_method": "test",
    }
    fields.update(changes)
    return Article(**fields)


def make_page(article: Article, *, size: int = 0) -> RawPage:
    """The raw page an article came from (``size`` pads the body to about that many bytes)."""
    html = f"<html lang='ar'><head><title>{article.title}</title></head><body>"
    html += "".join(f"<p>{b.text}</p>" for b in article.body)
    html += "</body></html>"
    body = html.encode("utf-8")
    if size > len(body):
        body += b" " * (size - len(body))
    return RawPage(
        url=article.url,
        final_url=article.canonical_url,
        status=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Last-Modified": "Sun, 01 Nov 2026 09:00:00 GMT",
        },
        content_type="text/html",
        charset="utf-8",
        body=body,
        text=html,
        fetched_at=article.fetched_at,
        source_id=article.source_id,
    )


def article_headers(article: Article, trace_id: str | None = None) -> dict[str, str]:
    """The headers the publisher sets on ``article``'s record (khabar's, CloudEvents, traceparent)."""
    return headers_dict(
        message_headers(
            ARTICLE_SCHEMA,
            ARTICLE_SCHEMA_VERSION,
            source_id=article.source_id,
            trace_id=trace_id,
            value=article.to_message(),
            key=article.article_id,
        )
    )
