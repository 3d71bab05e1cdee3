"""Every field khabar's Kibana saved objects name exists in the mapping khabar installs, read from
the REAL local Elasticsearch (``setup_index`` on a test alias), and the Lens charts' aggregations
return data on a document the indexer really builds (``to_document`` of the seed article)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipelines.config import Settings
from pipelines.elastic.template import delete_alias_and_indices, setup_index
from pipelines.indexer.enrich import to_document
from pipelines.kibana.checks import RECORDS, check_against_elasticsearch, field_caps
from pipelines.kibana.objects import load_objects
from pipelines.model import Article, Block, article_id_for, content_hash_for

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt"


def _seed_document() -> dict[str, Any]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    url = "https://news.example.org/ar/politics/lavrov-shaibani"
    article = Article(
        article_id=article_id_for(url),
        url=url,
        canonical_url=url,
        source_id="example",
        title="لافروف يستضيف الشيباني في موسكو",
        lead=lines[0],
        body=[Block(kind="p", text=line) for line in lines[1:]],
        body_text="\n".join(lines[1:]),
        published_at=datetime(2025, 7, 29, 8, 0, tzinfo=UTC),
        published_at_source="json-ld",
        fetched_at=datetime(2025, 7, 29, 9, 0, tzinfo=UTC),
        content_hash=content_hash_for("kibana", *lines),
        extraction_method="selectors",
        section="سياسة",
    )
    return to_document(article)


@pytest.fixture(scope="module")
def alias(es: Elasticsearch) -> Iterator[str]:
    settings = Settings().with_overrides(index_alias=f"khabar-test-kibana-{uuid.uuid4().hex[:8]}")
    setup_index(es, settings)
    doc = _seed_document()
    es.index(index=settings.index_alias, id=doc["article_id"], document=doc, refresh=True)
    yield settings.index_alias
    delete_alias_and_indices(es, settings.index_alias)


def test_every_field_the_saved_objects_name_is_in_the_live_mapping(es: Elasticsearch, alias: str) -> None:
    assert check_against_elasticsearch(es, alias, load_objects()) == []


def test_the_live_mapping_is_what_the_check_reads(es: Elasticsearch, alias: str) -> None:
    caps = field_caps(es, alias)
    assert caps["published_at"]["type"] == "date" and caps["published_at"]["aggregatable"]
    assert caps["title"]["searchable"] and not caps["title"]["aggregatable"]
    assert "title.exact" in caps  # subfields are there for queries that name them
    assert caps["blocks"]["type"] == "object"  # disabled object: in the mapping, not in _field_caps
    # a misspelt field in an object is caught against this mapping
    broken = load_objects()
    search = next(o for o in broken if o["type"] == "search")
    search["attributes"]["columns"].append("sources_id")
    lens = next(o for o in broken if o["type"] == "lens")
    column = next(iter(lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()))
    next(c for c in column["columns"].values() if c["operationType"] == "terms")["sourceField"] = "title"
    problems = check_against_elasticsearch(es, alias, broken)
    assert any("'sources_id'" in p and "not in the index mapping" in p for p in problems)
    assert any("'title'" in p and "aggregatable" in p for p in problems)


def _aggregation(column: dict[str, Any]) -> dict[str, Any] | None:
    """The Elasticsearch aggregation a Lens column stands for (count needs none)."""
    op, field = column["operationType"], column.get("sourceField")
    if op == "terms":
        return {"terms": {"field": field, "size": column["params"]["size"]}}
    if op == "date_histogram":
        return {"date_histogram": {"field": field, "calendar_interval": "day", "min_doc_count": 1}}
    if op == "median":
        return {"percentiles": {"field": field, "percents": [50]}}
    if op == "unique_count":
        return {"cardinality": {"field": field}}
    assert op == "count" and field == RECORDS, f"no translation for {op}"
    return None


def test_every_lens_column_aggregates_data_the_indexer_fills(es: Elasticsearch, alias: str) -> None:
    """The charts are not empty on khabar's own documents: each column's aggregation finds the seed."""
    for obj in (o for o in load_objects() if o["type"] == "lens"):
        for layer in obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values():
            aggs = {cid: agg for cid, c in layer["columns"].items() if (agg := _aggregation(c))}
            body = es.search(index=alias, size=0, aggs=aggs).body
            assert body["hits"]["total"]["value"] == 1
            for cid, result in body["aggregations"].items():
                if "buckets" in result:
                    assert result["buckets"], f"{obj['id']} column {cid}: no bucket"
                elif "values" in result:
                    assert result["values"]["50.0"] is not None, f"{obj['id']} column {cid}: no value"
                else:
                    assert result["value"] == 1, f"{obj['id']} column {cid}"
