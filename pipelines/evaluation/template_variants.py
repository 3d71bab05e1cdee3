"""Changes to the index template's body, shared by the quality harness (``configs.py``) and the cost
ablation (``bench/search/template_ablation.py``), so both tables measure the same indices.

Each function takes an index body (``{"settings": ..., "mappings": ...}``, as
:func:`pipelines.evaluation.configs.khabar_index` returns it) and changes it in place.
"""

from __future__ import annotations

from typing import Any

IndexBody = dict[str, Any]
TEXT_FIELDS = ("title", "lead", "body")

# The three proclitic patterns of the template's ``pattern_capture`` filters (version 3's
# ``pattern_replace`` ones as capture groups): the rest of the word, at least 3 letters.
ARTICLE = "^(?:[\u0648\u0641]?[\u0628\u0643]?\u0627\u0644|[\u0648\u0641]?\u0644\u0644)(.{3,})"
CONJUNCTION = "^[\u0648\u0641](.{3,})"
CLITIC = "^[\u0648\u0641]?[\u0628\u0643\u0644](.{3,})"


def _analysis(body: IndexBody) -> dict[str, Any]:
    return body["settings"]["analysis"]


def _fields(body: IndexBody) -> dict[str, Any]:
    return body["mappings"]["properties"]


def _replace_in_chains(body: IndexBody, old: str, new: list[str]) -> None:
    for analyzer in _analysis(body)["analyzer"].values():
        chain = analyzer.get("filter", [])
        if old in chain:
            i = chain.index(old)
            chain[i : i + 1] = new


def multiplexer_clitics(body: IndexBody) -> None:
    """The chain before issue 15: two ``multiplexer`` filters (three ``pattern_replace`` branches
    each, the stem branches each re-running the override and the stemmer), then
    ``remove_duplicates``. Same tokens as :func:`capture_clitics`, at a higher indexing cost
    (docs/search-quality.md, "Template cost ablation")."""
    analysis = _analysis(body)
    filters = analysis["filter"]
    filters.update(
        {
            "khabar_strip_conjunction": {
                "type": "pattern_replace",
                "pattern": "^[\u0648\u0641](?=...)",
                "replacement": "",
                "all": False,
            },
            "khabar_strip_clitic": {
                "type": "pattern_replace",
                "pattern": "^[\u0648\u0641]?[\u0628\u0643\u0644](?=...)",
                "replacement": "",
                "all": False,
            },
            "khabar_strip_article": {
                "type": "pattern_replace",
                "pattern": "^(?:[\u0648\u0641]?[\u0628\u0643]?\u0627\u0644|[\u0648\u0641]?\u0644\u0644)(?=...)",
                "replacement": "",
                "all": False,
            },
            "khabar_strip_clitics": {
                "type": "multiplexer",
                "filters": ["khabar_strip_article", "khabar_strip_conjunction", "khabar_strip_clitic"],
                "preserve_original": True,
            },
            "khabar_arabic_stems": {
                "type": "multiplexer",
                "filters": [
                    "khabar_stem_overrides, arabic_stem",
                    "khabar_strip_conjunction, khabar_stem_overrides, arabic_stem",
                    "khabar_strip_clitic, khabar_stem_overrides, arabic_stem",
                ],
                "preserve_original": False,
            },
        }
    )
    _replace_in_chains(body, "khabar_stem_forms", ["khabar_arabic_stems"])
    for name in ("khabar_stem_overrides", "arabic_stem"):
        for analyzer in analysis["analyzer"].values():
            chain = analyzer.get("filter", [])
            if "khabar_arabic_stems" in chain and name in chain:
                chain.remove(name)
    _replace_in_chains(body, "khabar_word_forms", ["khabar_strip_clitics"])
    for name in ("khabar_stem_forms", "khabar_word_forms"):
        filters.pop(name, None)


def capture_clitics(body: IndexBody) -> None:
    """One ``pattern_capture`` pass per chain instead of the multiplexers: the token plus its forms
    without the proclitics, at the same position, then the override and the stemmer once each."""
    filters = _analysis(body)["filter"]
    if "khabar_arabic_stems" not in filters:
        return  # already the capture chain
    filters["khabar_stem_forms"] = {
        "type": "pattern_capture",
        "preserve_original": True,
        "patterns": [CONJUNCTION, CLITIC],
    }
    filters["khabar_word_forms"] = {
        "type": "pattern_capture",
        "preserve_original": True,
        "patterns": [ARTICLE, CONJUNCTION, CLITIC],
    }
    _replace_in_chains(
        body, "khabar_arabic_stems", ["khabar_stem_forms", "khabar_stem_overrides", "arabic_stem"]
    )
    _replace_in_chains(body, "khabar_strip_clitics", ["khabar_word_forms"])
    for name in (
        "khabar_arabic_stems",
        "khabar_strip_clitics",
        "khabar_strip_article",
        "khabar_strip_conjunction",
        "khabar_strip_clitic",
    ):
        filters.pop(name, None)


def one_form(body: IndexBody) -> None:
    """No clitic forms at all: one stem per word in the main fields, ``.words`` as written (either
    chain: the multiplexers or the ``pattern_capture`` filters)."""
    analysis = _analysis(body)
    filters = analysis["filter"]
    if "khabar_arabic_stems" in filters:  # the multiplexer chain: its stems branch alone
        _replace_in_chains(body, "khabar_arabic_stems", ["khabar_stem_overrides", "arabic_stem"])
    for name in ("khabar_arabic_stems", "khabar_strip_clitics", "khabar_stem_forms", "khabar_word_forms"):
        for analyzer in analysis["analyzer"].values():
            chain = analyzer.get("filter", [])
            if name in chain:
                chain.remove(name)
        filters.pop(name, None)


def without_subfield(name: str, fields: tuple[str, ...] = TEXT_FIELDS) -> Any:
    def change(body: IndexBody) -> None:
        for field in fields:
            _fields(body)[field].get("fields", {}).pop(name, None)

    return change


def positions_only(fields: tuple[str, ...] = TEXT_FIELDS) -> Any:
    """No offsets in the postings: the highlighter re-analyzes those fields' text instead."""

    def change(body: IndexBody) -> None:
        for field in fields:
            spec = _fields(body)[field]
            for sub in (spec, *spec.get("fields", {}).values()):
                if sub.get("index_options") == "offsets":
                    sub["index_options"] = "positions"

    return change


def subfield_postings(name: str, option: str, fields: tuple[str, ...] = TEXT_FIELDS) -> Any:
    """``index_options`` of one subfield: what its postings keep (``docs``, ``freqs``,
    ``positions``, ``offsets``). No change to any score when no query needs what is dropped."""

    def change(body: IndexBody) -> None:
        for field in fields:
            sub = _fields(body)[field].get("fields", {}).get(name)
            if sub is not None:
                sub["index_options"] = option

    return change


def without_filter(name: str) -> Any:
    """A char or token filter taken out of every chain (to see what it costs; changes the tokens)."""

    def change(body: IndexBody) -> None:
        for analyzer in _analysis(body)["analyzer"].values():
            for key in ("char_filter", "filter"):
                if name in analyzer.get(key, []):
                    analyzer[key] = [f for f in analyzer[key] if f != name]

    return change


def fold_words(body: IndexBody) -> None:
    """The ``.words`` forms indexed in the stemmed field itself (one analysis instead of two):
    the word forms, then ``keyword_repeat`` so that each form is kept unstemmed and stemmed at
    the same position; no ``.words`` subfields (:func:`words_on_main` is the matching request)."""
    for analyzer in _analysis(body)["analyzer"].values():
        chain = analyzer.get("filter", [])
        if "khabar_stem_forms" in chain and "arabic_stem" in chain:
            i = chain.index("khabar_stem_forms")
            chain[i : i + 2] = ["khabar_word_forms", "khabar_stem_overrides", "keyword_repeat"]
    without_subfield("words")(body)


def words_on_main(request: dict[str, Any]) -> dict[str, Any]:
    """The request for a :func:`fold_words` index: the ``.words`` clause reads the main fields."""
    for clause in request["query"]["bool"]["should"]:
        fields = clause.get("combined_fields", {}).get("fields")
        if fields:
            clause["combined_fields"]["fields"] = [f.removesuffix(".words") for f in fields]
    return request


def apply(body: IndexBody, *changes: Any) -> IndexBody:
    for change in changes:
        change(body)
    return body


def latin_into_exact(body: IndexBody) -> None:
    """No ``.latin`` subfields: ``asciifolding`` in the ``.exact`` chain folds Latin accents there
    (``Lavróv`` -> ``lavrov``; Arabic letters pass unchanged), and the query's Latin-script words
    go to ``.exact`` (see :func:`latin_on_exact`)."""
    without_subfield("latin")(body)
    chain = _analysis(body)["analyzer"]["khabar_arabic_exact"]["filter"]
    if "asciifolding" not in chain:
        chain.insert(chain.index("lowercase") + 1, "asciifolding")
    _analysis(body)["analyzer"].pop("khabar_latin", None)


def latin_on_exact(request: dict[str, Any]) -> dict[str, Any]:
    """The request for an index without ``.latin``: ``x.latin`` becomes ``x.exact``, or goes where
    the same list already has ``x.exact``."""

    def fields(names: list[str]) -> list[str]:
        present = {f.split("^")[0] for f in names}
        return [
            f.replace(".latin", ".exact")
            for f in names
            if ".latin" not in f or f.split("^")[0].replace(".latin", ".exact") not in present
        ]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("fields"), list):
                node["fields"] = fields(node["fields"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(request)
    return request


#: Hamza carriers written as a letter + combining hamza (U+0654): the char filter folds them like the
#: precomposed ؤ/ئ, since the ``icu_normalizer`` that would compose them now runs after it.
DECOMPOSED_HAMZA = ["\\u0648\\u0654=>\\u0648", "\\u064A\\u0654=>\\u064A"]


def icu_token_filter(body: IndexBody) -> None:
    """The ``icu_normalizer`` (NFKC + case folding) as the first token filter instead of the first
    char filter: the tokenizer then sees the text before normalization, and tokens that are
    already normalized are passed through without the char filter's offset bookkeeping."""
    analysis = _analysis(body)
    for analyzer in analysis["analyzer"].values():
        chars = analyzer.get("char_filter", [])
        if chars and chars[0] == "icu_normalizer":
            analyzer["char_filter"] = chars[1:]
            analyzer["filter"] = ["icu_normalizer", *analyzer["filter"]]
    mappings = analysis["char_filter"]["khabar_arabic_chars"]["mappings"]
    mappings.extend(rule for rule in DECOMPOSED_HAMZA if rule not in mappings)


def template_v3(body: IndexBody) -> None:
    """The template before issue 15 (version 3) from the one after: the multiplexers, the
    ``icu_normalizer`` as a char filter, ``.latin`` subfields (``icu_folding``) on every text
    field, ``title.words``, ``.exact`` without ``asciifolding``. For the ablation's "before" row."""
    multiplexer_clitics(body)
    analysis = _analysis(body)
    for analyzer in analysis["analyzer"].values():
        chain = analyzer.get("filter", [])
        if chain and chain[0] == "icu_normalizer":
            analyzer["filter"] = chain[1:]
            analyzer["char_filter"] = ["icu_normalizer", *analyzer.get("char_filter", [])]
    mappings = analysis["char_filter"]["khabar_arabic_chars"]["mappings"]
    mappings[:] = [rule for rule in mappings if rule not in DECOMPOSED_HAMZA]
    analysis["analyzer"]["khabar_latin"] = {
        "type": "custom",
        "char_filter": ["icu_normalizer"],
        "tokenizer": "standard",
        "filter": ["lowercase", "decimal_digit", "icu_folding"],
    }
    exact = analysis["analyzer"]["khabar_arabic_exact"]["filter"]
    if "asciifolding" in exact:
        exact.remove("asciifolding")
    words = {
        "type": "text",
        "analyzer": "khabar_arabic_words",
        "search_analyzer": "khabar_arabic_words_search",
    }
    for field in TEXT_FIELDS:
        subfields = _fields(body)[field]["fields"]
        subfields.setdefault("words", dict(words))
        subfields["latin"] = {"type": "text", "analyzer": "khabar_latin"}


#: The leanest template the quality goals allow (issue 15, goal 2; docs/search-quality.md).
LEAN = (capture_clitics, latin_into_exact, without_subfield("words", ("title",)))
