"""The shipped analyzers (version 4: one ``pattern_capture`` pass for the clitic forms, the ICU
normalizer as a token filter) give the tokens of template version 3 (two ``multiplexer`` filters,
the ICU normalizer as a char filter), on the real local Elasticsearch.

Version 4 changed how the tokens are made, to cut the indexing cost, not which: every analyzer
must give the same terms at the same positions with the same offsets, so the search-quality
numbers measured with version 3 still hold (docs/search-quality.md). (``.exact`` differs only on
accented Latin letters, which version 4 folds there; none occur in these texts.)
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipelines.evaluation import template_variants
from pipelines.evaluation.configs import khabar_index

pytestmark = pytest.mark.integration

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)
TEXTS = [
    # every proclitic pattern, a word that only looks like one (بريطانيا, لبنان), too short to strip
    "وسوريا بسوريا لسوريا فسوريا وبسوريا كسوريا والسورية بالسورية للوزير وللوزير فالرئيس",
    "بريطانيا لبنان وكان فلسطين ولد بلد سورية وسورية",
    "Lavrov Saudi Arabia لافروف",  # the search analyzers' name aliases run before the clitic forms
    "\ufefb \ufe8d\ufedf\ufeb4\ufeee\ufead\ufef3\ufe94 ＡＢＣ ١٢٣ ﬁn ﷲ",  # presentation forms, fullwidth, ligatures
    "مسو\u0654ول هي\u0654ة \u200fسوريا\u200e سـوريا",  # combining hamza, bidi marks, tatweel
    SEED,
]
ANALYZERS = [
    "khabar_arabic",
    "khabar_arabic_search",
    "khabar_arabic_words",
    "khabar_arabic_words_search",
    "khabar_arabic_exact",  # the ICU normalizer moved from char filter to token filter in every chain
]


@pytest.fixture(scope="module")
def index(es: Elasticsearch) -> Iterator[str]:
    shipped = khabar_index()["settings"]["analysis"]
    version3 = template_variants.apply(khabar_index(), template_variants.template_v3)["settings"]["analysis"]
    analysis = copy.deepcopy(shipped)
    analysis["filter"].update(version3["filter"])
    analysis["char_filter"]["v3_chars"] = version3["char_filter"]["khabar_arabic_chars"]
    for name in ANALYZERS:
        spec = copy.deepcopy(version3["analyzer"][name])
        spec["char_filter"] = ["v3_chars" if c == "khabar_arabic_chars" else c for c in spec["char_filter"]]
        analysis["analyzer"][f"v3_{name}"] = spec
    name = f"khabar-test-analysis-{uuid.uuid4().hex[:8]}"
    es.indices.create(index=name, settings={"index": {"number_of_replicas": 0}, "analysis": analysis})
    yield name
    es.indices.delete(index=name, ignore_unavailable=True)


def _tokens(es: Elasticsearch, index: str, analyzer: str, text: str) -> set[tuple[int, str, int, int]]:
    response = es.indices.analyze(index=index, analyzer=analyzer, text=text)
    return {(t["position"], t["token"], t["start_offset"], t["end_offset"]) for t in response["tokens"]}


@pytest.mark.parametrize("analyzer", ANALYZERS)
def test_same_tokens_as_the_multiplexer_chain(es: Elasticsearch, index: str, analyzer: str) -> None:
    for text in TEXTS:
        shipped = _tokens(es, index, analyzer, text)
        assert shipped == _tokens(es, index, f"v3_{analyzer}", text), text[:60]
        assert len(shipped) > len(text.split()) // 2  # not an empty or truncated analysis


def test_clitic_forms_are_there(es: Elasticsearch, index: str) -> None:
    words = {t for _, t, _, _ in _tokens(es, index, "khabar_arabic_words", "وبسوريا للوزير بريطانيا")}
    assert {"وبسوريا", "سوريا", "للوزير", "وزير", "بريطانيا", "ريطانيا"} <= words
    stems = {t for _, t, _, _ in _tokens(es, index, "khabar_arabic", "وبسوريا لسورية")}
    assert "سوريا" in stems  # the conjunction and the preposition stripped, the override applied
