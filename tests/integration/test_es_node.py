"""The local Elasticsearch node behaves like a real one for khabar's clients.

It is assembled from Maven Central jars (infra/local/elasticsearch), so what a distribution gets
from its modules is checked here: ``GET /`` / ``HEAD /`` with the product header the Python client
insists on, cluster health, and an index using the Arabic analysis components end to end.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

pytestmark = pytest.mark.integration

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)


def _raw(es_url: str, method: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"{es_url}/", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback URL from the fixture
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_root_answers_like_elasticsearch(es_url: str) -> None:
    status, headers, body = _raw(es_url, "GET")
    assert status == 200
    assert headers["x-elastic-product"] == "Elasticsearch"
    info = json.loads(body)
    assert info["version"]["number"].startswith("9.")
    assert info["version"]["lucene_version"].startswith("10.")
    assert info["tagline"] == "You Know, for Search"
    assert info["cluster_uuid"] and info["cluster_uuid"] != "_na_"

    status, headers, _ = _raw(es_url, "HEAD")
    assert status == 200
    assert headers["x-elastic-product"] == "Elasticsearch"


def test_python_client_info_ping_and_health(es: Elasticsearch) -> None:
    info = es.info()
    assert info["version"]["number"].startswith("9.")
    assert info["cluster_name"]
    assert es.ping() is True
    health = es.cluster.health(wait_for_status="yellow", timeout="30s")
    assert health["status"] in {"yellow", "green"}
    assert health["timed_out"] is False


@pytest.fixture
def arabic_index(es: Elasticsearch) -> Iterator[str]:
    name = f"khabar-test-esnode-{uuid.uuid4().hex[:8]}"
    es.indices.create(
        index=name,
        settings={
            "number_of_shards": 1,
            "number_of_replicas": 0,
            "analysis": {
                "char_filter": {
                    "tatweel": {"type": "mapping", "mappings": ["\\u0640 => "]},
                    "harakat": {
                        "type": "pattern_replace",
                        "pattern": "[\\u064B-\\u065F\\u0670]",
                        "replacement": "",
                    },
                },
                "filter": {
                    "ar_stop": {"type": "stop", "stopwords": "_arabic_"},
                    "names": {"type": "stemmer_override", "rules": ["الشيباني, والشيباني => شيباني"]},
                    "latin": {"type": "icu_transform", "id": "Arabic-Latin; Latin-ASCII"},
                    "forms": {"type": "multiplexer", "filters": ["arabic_stem", "latin"]},
                },
                "analyzer": {
                    "khabar_ar": {
                        "type": "custom",
                        "char_filter": ["icu_normalizer", "tatweel", "harakat"],
                        "tokenizer": "icu_tokenizer",
                        "filter": [
                            "lowercase",
                            "decimal_digit",
                            "ar_stop",
                            "arabic_normalization",
                            "names",
                            "forms",
                        ],
                    }
                },
                "normalizer": {
                    "folded": {"type": "custom", "filter": ["icu_folding", "arabic_normalization"]}
                },
            },
        },
        mappings={
            "properties": {
                "title": {"type": "text", "analyzer": "arabic"},
                "body": {"type": "text", "analyzer": "khabar_ar"},
                "source": {"type": "keyword", "normalizer": "folded"},
            }
        },
    )
    yield name
    es.indices.delete(index=name, ignore_unavailable=True)


def _ids(es: Elasticsearch, index: str, query: dict) -> list[str]:
    return [hit["_id"] for hit in es.search(index=index, query=query)["hits"]["hits"]]


def test_seed_article_is_found_by_arabic_forms(es: Elasticsearch, arabic_index: str) -> None:
    es.index(
        index=arabic_index,
        id="seed",
        document={"title": "لافروف يستضيف نظيره السوري في موسكو", "body": SEED, "source": "وكالة تاس"},
        refresh=True,
    )
    es.index(
        index=arabic_index,
        id="other",
        document={"title": "مباراة كرة القدم", "body": "فاز الفريق في المباراة النهائية", "source": "رياضة"},
        refresh=True,
    )

    assert _ids(es, arabic_index, {"match": {"body": "سوريا"}}) == ["seed"]
    assert _ids(es, arabic_index, {"match": {"title": "موسكو"}}) == ["seed"]
    # tatweel, diacritics and the stemmer_override'd name all reach the same terms
    assert _ids(es, arabic_index, {"match": {"body": "سـوريـا"}}) == ["seed"]
    assert _ids(es, arabic_index, {"match": {"body": "لافْرُوف"}}) == ["seed"]
    assert _ids(es, arabic_index, {"match": {"body": "الشيباني"}}) == ["seed"]
    # the icu_transform branch of the multiplexer: a Latin-script query finds Arabic text
    assert _ids(es, arabic_index, {"match": {"body": "mwskw"}}) == ["seed"]
    # keyword normalizer: folding and alef/ta-marbuta normalization on exact values
    assert _ids(es, arabic_index, {"term": {"source": "وكاله تاس"}}) == ["seed"]
    assert _ids(es, arabic_index, {"match": {"body": "بطيخ"}}) == []
