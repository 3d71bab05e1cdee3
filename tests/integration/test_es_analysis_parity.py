"""The local node's analysis components give exactly Lucene's tokens.

The local Elasticsearch lacks the stock analysis-common module and the analysis-icu plugin, so
infra/local/elasticsearch registers those names again on the same Lucene classes. Each case of
``khabar.local.LuceneTokens`` builds one analysis chain directly from Lucene (no Elasticsearch
code) and names the ``_analyze`` request that should give the same tokens. The request only uses
Elasticsearch's documented names and parameters, so the same chain holds on a stock node.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipelines.config import get_settings
from pipelines.stack import maven
from pipelines.stack.elastic import ElasticService

pytestmark = pytest.mark.integration

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)

TEXTS = {
    "clitics": "والوزير لـ سوريا",
    "diacritics": "وَزِيرُ الخَارِجِيَّةِ الرُّوسِيُّ سيرغي لافروف",
    "tatweel": "سـوريـا الجـديـدة والشـيبـانـي لـسوريا",
    "hamza_alef": "أحمد إبراهيم آمنة احمد ابراهيم امنة مسؤول مسئول رئيسة رئيسه على علي",
    "digits": "عام ٢٠٢٥ و۲۰۲۵ و2025 في ١٢/٠٥",
    "mixed_script": "Lavrov لافروف met Al-Shaibani الشيباني in Moscow موسكو Café",
    "punctuation": "«سوريا»، (دمشق)؛ الرئيس: نعم! هل؟",
    "seed_paragraph": SEED.strip().split("\n")[0][:600],
}

# The components khabar's index relies on; each must be covered by at least one case.
REQUIRED = {
    '"analyzer":"arabic"',
    '"lowercase"',
    '"decimal_digit"',
    '"_arabic_"',
    '"arabic_normalization"',
    '"arabic_stem"',
    '"type":"stemmer"',
    '"type":"snowball"',
    '"type":"keyword_marker"',
    '"type":"stemmer_override"',
    '"type":"pattern_replace"',
    '"type":"pattern_capture"',
    '"type":"mapping"',
    '"type":"multiplexer"',
    '"type":"edge_ngram"',
    '"asciifolding"',
    '"icu_normalizer"',
    '"icu_folding"',
    '"icu_tokenizer"',
    '"type":"icu_transform"',
    '"tokenizer":"keyword"',
    '"tokenizer":"whitespace"',
    '"type":"synonym_graph"',
    '"remove_duplicates"',
}


@cache
def _lucene_command() -> tuple[str, ...]:
    """``java -cp <launcher classpath> khabar.local.LuceneTokens``: the jar the local node runs.

    The ``es`` fixture has built it (``khabar stack up``); it is only built here when missing (an
    external node), never rebuilt under a running node.
    """
    settings = get_settings()
    service = ElasticService(settings)
    java_home = maven.find_java21(settings.java21_home)
    if not service.jar.is_file():
        maven.build_jar(service.paths.project, service.jar, java_home)
    classpath = f"{service.jar}:{service.paths.target / 'lib' / '*'}"
    return (str(java_home / "bin" / "java"), "-cp", classpath, "khabar.local.LuceneTokens")


def _lucene(*args: str) -> object:
    done = subprocess.run(
        [*_lucene_command(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def cases(es: Elasticsearch) -> list[dict]:
    return _lucene("--list")


@pytest.fixture(scope="module")
def lucene_tokens(es: Elasticsearch) -> dict[str, list[list[str]]]:
    # One JVM for every case and text: {case: [tokens of text 1, tokens of text 2, ...]}
    return _lucene("--dump", *TEXTS.values())


@pytest.fixture(scope="module")
def parity_index(es: Elasticsearch, cases: list[dict]) -> Iterator[str]:
    """An index defining the filters some cases refer to by name (as khabar's template does)."""
    name = f"khabar-test-parity-{uuid.uuid4().hex[:8]}"
    filters: dict[str, dict] = {}
    for case in cases:
        filters.update(case.get("index_filters", {}))
    es.indices.create(index=name, settings={"number_of_replicas": 0, "analysis": {"filter": filters}})
    yield name
    es.indices.delete(index=name, ignore_unavailable=True)


def _es_tokens(es: Elasticsearch, request: dict, text: str, index: str | None = None) -> list[str]:
    response = es.indices.analyze(index=index, **request, text=text)
    return [t["token"] for t in response["tokens"]]


def test_cases_cover_the_components_khabar_uses(cases: list[dict]) -> None:
    requests = " ".join(json.dumps(c["analyze"], ensure_ascii=False, separators=(",", ":")) for c in cases)
    missing = sorted(r for r in REQUIRED if r not in requests)
    assert not missing, f"no parity case uses {missing}"


@pytest.mark.parametrize("text_name", list(TEXTS))
def test_es_analyze_equals_lucene(
    es: Elasticsearch,
    cases: list[dict],
    lucene_tokens: dict[str, list[list[str]]],
    parity_index: str,
    text_name: str,
) -> None:
    index = list(TEXTS).index(text_name)
    text = TEXTS[text_name]
    mismatches = {}
    for case in cases:
        expected = lucene_tokens[case["name"]][index]
        # Index-level analysis (how documents are indexed); node-level too where nothing is index-defined.
        targets = [parity_index] if "index_filters" in case else [parity_index, None]
        for target in targets:
            actual = _es_tokens(es, case["analyze"], text, index=target)
            if actual != expected:
                mismatches[f"{case['name']} @ {target or '_analyze'}"] = {
                    "elasticsearch": actual,
                    "lucene": expected,
                }
    assert not mismatches, json.dumps(mismatches, ensure_ascii=False, indent=1)


def test_single_case_command_matches_dump(lucene_tokens: dict[str, list[list[str]]]) -> None:
    # `LuceneTokens CASE TEXT` is the form people use by hand; it must agree with --dump.
    assert _lucene("arabic", TEXTS["clitics"]) == lucene_tokens["arabic"][0] == ["وزير", "ل", "سوريا"]


def test_arabic_chain_folds_the_variants_searchers_type(es: Elasticsearch, cases: list[dict]) -> None:
    # Behaviour the search relies on, stated plainly (parity alone would accept a broken chain).
    chain = next(c["analyze"] for c in cases if c["name"] == "khabar_arabic_chain")
    assert _es_tokens(es, chain, "سـوريـا") == _es_tokens(es, chain, "سوريا") == ["سوريا"]
    assert _es_tokens(es, chain, "وَالوَزِيرُ") == _es_tokens(es, chain, "الوزير") == ["وزير"]
    assert _es_tokens(es, chain, "أحمد") == _es_tokens(es, chain, "احمد")
    assert _es_tokens(es, chain, "٢٠٢٥") == ["2025"]
