"""to_document: the ES source built from an Article fits the strict index mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pipelines.elastic.template import load_template
from pipelines.indexer.enrich import to_document
from pipelines.model import Article, Block, article_id_for, content_hash_for

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)


def _seed_article() -> Article:
    lines = SEED.splitlines()
    url = "https://news.example.org/ar/politics/lavrov-shaibani"
    blocks = [Block(kind="h2" if len(line) < 80 else "p", text=line) for line in lines[1:]]
    return Article(
        article_id=article_id_for(url),
        url=url,
        canonical_url=url,
        source_id="example",
        title="لافروف يستضيف الشيباني في موسكو",
        lead=lines[0],
        body=blocks,
        body_text="\n".join(lines[1:]),
        published_at=datetime(2025, 7, 29, 8, 0, tzinfo=UTC),
        published_at_source="json-ld",
        fetched_at=datetime(2025, 7, 29, 9, 0, tzinfo=UTC),
        content_hash=content_hash_for("t", *lines),
        extraction_method="test",
        section="سياسة",
    )


def test_document_fields_fit_the_strict_mapping() -> None:
    doc = to_document(_seed_article())
    properties = load_template()["template"]["mappings"]["properties"]
    assert set(doc) <= set(properties), set(doc) - set(properties)
    json.dumps(doc)  # serializable as is


def test_document_enrichment() -> None:
    article = _seed_article()
    doc = to_document(article, indexed_at=datetime(2025, 7, 29, 10, 0, tzinfo=UTC))
    assert doc["language"] == "ar"
    assert doc["word_count"] > 400
    assert doc["reading_time_minutes"] >= 3
    assert "سوريا" in doc["keywords"]
    assert doc["places"][:2] == ["موسكو", "سوريا"]
    assert "RU" in doc["place_codes"]
    assert doc["cluster_id"] == article.article_id
    assert len(doc["minhash_bands"]) == 32
    assert doc["published_at"] == "2025-07-29T08:00:00+00:00"
    assert doc["indexed_at"] == "2025-07-29T10:00:00+00:00"
    assert doc["blocks"][0]["kind"] in {"p", "h2"}
