"""The index template: stock Elasticsearch components only, strict mappings, index naming."""

from __future__ import annotations

import re

from pipelines.config import Settings
from pipelines.elastic import aliases
from pipelines.elastic.template import first_index_name, load_template, next_index_name, template_body

# What a stock Elasticsearch 9 with analysis-icu has (and the local node registers under the same names).
STOCK_FILTERS = {
    "lowercase", "decimal_digit", "stop", "arabic_normalization", "arabic_stem", "keyword_marker",
    "stemmer_override", "pattern_replace", "pattern_capture", "multiplexer", "remove_duplicates", "unique", "edge_ngram",
    "asciifolding", "snowball", "stemmer", "icu_normalizer", "icu_folding", "synonym_graph",
}  # fmt: skip
STOCK_CHAR_FILTERS = {"mapping", "pattern_replace", "icu_normalizer"}
STOCK_TOKENIZERS = {"standard", "icu_tokenizer", "keyword", "whitespace"}
CORE_FIELD_TYPES = {"keyword", "text", "date", "integer", "long", "float", "binary", "object", "boolean"}


def test_only_stock_analysis_components() -> None:
    analysis = load_template()["template"]["settings"]["analysis"]
    custom_filters = analysis["filter"]
    custom_chars = analysis["char_filter"]
    assert {f["type"] for f in custom_filters.values()} <= STOCK_FILTERS
    assert {c["type"] for c in custom_chars.values()} <= STOCK_CHAR_FILTERS
    for analyzer in analysis["analyzer"].values():
        assert analyzer["tokenizer"] in STOCK_TOKENIZERS
        assert set(analyzer["filter"]) <= STOCK_FILTERS | set(custom_filters)
        assert set(analyzer["char_filter"]) <= STOCK_CHAR_FILTERS | set(custom_chars)


def test_mapping_is_strict_and_uses_core_types() -> None:
    mappings = load_template()["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    properties = mappings["properties"]
    assert {p["type"] for p in properties.values()} <= CORE_FIELD_TYPES
    assert properties["published_at"]["type"] == "date"
    for field in ("title", "lead", "body"):
        assert properties[field]["analyzer"] == "khabar_arabic"
        assert properties[field]["search_analyzer"] == "khabar_arabic_search"
        assert properties[field]["index_options"] == "offsets"  # highlighting from postings
    # .words where the query scores it (lead and body as one text); .exact everywhere: the exact
    # form, phrases, and Latin-script words. No .latin: it was worth nothing (docs/search-quality.md)
    assert set(properties["title"]["fields"]) == {"exact"}
    assert set(properties["lead"]["fields"]) == set(properties["body"]["fields"]) == {"exact", "words"}


def test_clitic_forms_take_one_pattern_pass() -> None:
    # one pattern_capture per chain, original kept; the multiplexers (three branches each) cost
    # twice the indexing time for the same tokens (tests/integration/test_template_analysis.py)
    analysis = load_template()["template"]["settings"]["analysis"]
    filters = analysis["filter"]
    assert "multiplexer" not in {f["type"] for f in filters.values()}
    for name in ("khabar_stem_forms", "khabar_word_forms"):
        assert filters[name]["type"] == "pattern_capture" and filters[name]["preserve_original"] is True
        for pattern in filters[name]["patterns"]:
            assert re.compile(pattern).groups == 1  # one capture: the word without its proclitics
    stems = analysis["analyzer"]["khabar_arabic"]["filter"]
    assert stems[stems.index("khabar_stem_forms") :] == [
        "khabar_stem_forms", "khabar_stem_overrides", "arabic_stem", "remove_duplicates"
    ]  # fmt: skip


def test_template_follows_the_alias() -> None:
    assert load_template()["index_patterns"] == ["news-articles-*"]
    body = template_body(Settings().with_overrides(index_alias="khabar-test-abc"))
    assert body["index_patterns"] == ["khabar-test-abc-*"]


def test_index_names() -> None:
    assert first_index_name("news-articles") == "news-articles-000001"
    assert next_index_name("news-articles-000001") == "news-articles-000002"
    assert next_index_name("news-articles-000099") == "news-articles-000100"
    assert next_index_name("news-articles") == "news-articles-000001"


def test_search_analyzer_is_the_index_chain_plus_name_aliases() -> None:
    analyzers = load_template()["template"]["settings"]["analysis"]["analyzer"]
    index, search = analyzers["khabar_arabic"], analyzers["khabar_arabic_search"]
    assert [f for f in search["filter"] if f != "khabar_name_aliases"] == index["filter"]
    assert search["char_filter"] == index["char_filter"] and search["tokenizer"] == index["tokenizer"]
    words, words_search = analyzers["khabar_arabic_words"], analyzers["khabar_arabic_words_search"]
    assert [f for f in words_search["filter"] if f != "khabar_name_aliases"] == words["filter"]


def test_name_aliases_are_filled_in_and_current() -> None:
    rules = load_template()["template"]["settings"]["analysis"]["filter"]["khabar_name_aliases"]["synonyms"]
    assert "lavrov => لافروف" in rules
    assert any(rule.startswith("syria, ") and rule.endswith("=> سوريا, سورية") for rule in rules)
    # the committed file is what the builder makes now (rebuild: python -m pipelines.elastic.aliases)
    assert aliases.OUTPUT.read_text(encoding="utf-8") == aliases.render()
    for rule in rules:
        latin, arabic = rule.split(" => ")
        assert latin == latin.lower() and not set(latin.split(", ")) & aliases.LATIN_STOP
        assert arabic.strip()


def test_length_normalization_is_full() -> None:
    # b=1: on the question task long news articles otherwise outrank the short paragraph that
    # answers (docs/search-quality.md)
    similarity = load_template()["template"]["settings"]["index"]["similarity"]["default"]
    assert similarity == {"type": "BM25", "k1": 1.2, "b": 1.0}


def test_icu_normalizer_runs_on_tokens() -> None:
    # as a token filter it skips tokens already normalized; as the first char filter it cost ~15 %
    # of the indexing time for the same tokens (tests/integration/test_template_analysis.py)
    analysis = load_template()["template"]["settings"]["analysis"]
    mappings = analysis["char_filter"]["khabar_arabic_chars"]["mappings"]
    assert "\\u0648\\u0654=>\\u0648" in mappings  # و + combining hamza: the normalizer would make ؤ
    for name, analyzer in analysis["analyzer"].items():
        assert analyzer["char_filter"] == ["khabar_arabic_chars"], name
        assert analyzer["filter"][0] == "icu_normalizer", name
