"""Analysis configurations compared by the harness.

A configuration is a name, a function giving the index body (``settings`` + ``mappings``) and a
function turning a query string into a search request. Every configuration indexes the same
documents (``title``, ``lead``, ``body``, ``article_id``) and its request must return ``_id`` only.

- ``standard``: the standard analyzer, ``multi_match`` over title+body (best_fields).
- ``arabic``: Elasticsearch's built-in ``arabic`` analyzer, same query.
- ``khabar``: whatever khabar ships, read at run time: the index template's settings and mappings
  (:func:`~pipelines.elastic.template.load_template`) and the relevance query
  (:func:`~pipelines.search.query.build_request`) without aggregations, highlight and sort.

To try an idea, add a :class:`Config` to :data:`EXPERIMENTS` (run with ``--config NAME``) or to
:data:`CONFIGS` (run by default): e.g. the template with one filter changed, or ``build_request``
with other field boosts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.elastic.template import load_template
from pipelines.evaluation import template_variants as variants
from pipelines.search.query import SearchQuery, build_request

IndexBody = dict[str, Any]
Request = dict[str, Any]

#: Applied on top of every configuration's index settings: one shard, no replica (one node).
BASE_INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


@dataclass(frozen=True)
class Config:
    name: str
    description: str
    #: -> {"settings": {...}, "mappings": {...}}
    index_body: Callable[[], IndexBody]
    #: (query, size) -> request body for ``search``/``msearch`` (``_source`` off)
    request: Callable[[str, int], Request]


def _plain_index(analyzer: str) -> IndexBody:
    text = {"type": "text", "analyzer": analyzer}
    return {
        "settings": {"index": dict(BASE_INDEX_SETTINGS)},
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "article_id": {"type": "keyword"},
                "title": text,
                "lead": text,
                "body": text,
            },
        },
    }


def multi_match_request(query: str, size: int) -> Request:
    return {
        "query": {"multi_match": {"query": query, "fields": ["title", "body"]}},
        "size": size,
        "_source": False,
    }


def khabar_index() -> IndexBody:
    template = copy.deepcopy(load_template()["template"])
    settings = template.get("settings", {})
    index = settings.setdefault("index", {})
    index.pop("auto_expand_replicas", None)  # fixed 0 replicas instead
    index.update(BASE_INDEX_SETTINGS)
    return {"settings": settings, "mappings": template["mappings"]}


def khabar_request(query: str, size: int) -> Request:
    request = build_request(SearchQuery(query, size=size))
    for key in ("aggs", "highlight", "sort", "track_total_hits", "collapse"):
        request.pop(key, None)
    request["_source"] = False
    return request


def _by_name(*configs: Config) -> dict[str, Config]:
    return {config.name: config for config in configs}


CONFIGS: dict[str, Config] = _by_name(
    Config(
        "standard",
        "standard analyzer, multi_match title+body",
        lambda: _plain_index("standard"),
        multi_match_request,
    ),
    Config(
        "arabic",
        "built-in arabic analyzer, multi_match title+body",
        lambda: _plain_index("arabic"),
        multi_match_request,
    ),
    Config(
        "khabar",
        "shipped index template + pipelines.search.query.build_request",
        khabar_index,
        khabar_request,
    ),
)
Clause = dict[str, Any]


def _should(request: Request) -> list[Clause]:
    return request["query"]["bool"]["should"]


def _sqs_on(field: str) -> Callable[[Clause], bool]:
    return lambda clause: clause.get("simple_query_string", {}).get("fields") == [field]


def _without(pred: Callable[[Clause], bool]) -> Callable[[str, int], Request]:
    """The shipped request with the scoring clauses ``pred`` picks dropped."""

    def request(query: str, size: int) -> Request:
        out = khabar_request(query, size)
        out["query"]["bool"]["should"] = [c for c in _should(out) if not pred(c)]
        return out

    return request


def _plus(clause: Callable[[str], Clause]) -> Callable[[str, int], Request]:
    """The shipped request with one more scoring clause."""

    def request(query: str, size: int) -> Request:
        out = khabar_request(query, size)
        _should(out).append(clause(query))
        return out

    return request


def _khabar_index_without_aliases() -> IndexBody:
    """The shipped index whose fields search with their index analyzers: no name aliases."""
    body = khabar_index()
    for spec in body["mappings"]["properties"].values():
        for field in (spec, *spec.get("fields", {}).values()):
            if "search_analyzer" in field:
                field["search_analyzer"] = field["analyzer"]
    return body


def _khabar_index_bm25(b: float) -> Callable[[], IndexBody]:
    def index_body() -> IndexBody:
        body = khabar_index()
        body["settings"]["index"]["similarity"] = {"default": {"type": "BM25", "k1": 1.2, "b": b}}
        return body

    return index_body


def _khabar_index_without_subfields(*names: str) -> Callable[[], IndexBody]:
    """The shipped index without some subfields of the text fields (the template-cost ablation)."""

    def index_body() -> IndexBody:
        body = khabar_index()
        for spec in body["mappings"]["properties"].values():
            for name in names:
                spec.get("fields", {}).pop(name, None)
        return body

    return index_body


def _khabar_index_with(*changes: Callable[[IndexBody], None]) -> Callable[[], IndexBody]:
    """The shipped index with some of :mod:`~pipelines.evaluation.template_variants`' changes."""
    return lambda: variants.apply(khabar_index(), *changes)


def _exact_on_title(request: Request) -> Request:
    """The request for an index with ``.exact`` on the title only: no clause reads the others.

    Needed, not tidying: a ``simple_query_string`` whose fields are all missing from the index
    falls back to ``index.query.default_field`` (every field), so a ``body.exact`` clause left in
    would score the whole document (``khabar-fold-title-exact``: qa nDCG@10 0.744 instead of 0.706).
    """
    should = []
    for clause in _should(request):
        text = str(clause)
        if "lead.exact" in text or "body.exact" in text:
            kind = next(iter(clause))
            fields = clause[kind].get("fields")
            if not fields:
                continue  # a one-field clause on body.exact
            clause[kind]["fields"] = [f for f in fields if not f.startswith(("lead.exact", "body.exact"))]
        should.append(clause)
    request["query"]["bool"]["should"] = should
    for clause in request["query"]["bool"]["filter"]:
        sqs = clause.get("simple_query_string")
        if sqs:
            sqs["fields"] = [f for f in sqs["fields"] if not f.startswith(("lead.exact", "body.exact"))]
    return request


#: Diagnostics and ideas: run only when named with ``--config``. The ``khabar-`` ones change one
#: thing in what ships (the ablation table of docs/search-quality.md).
EXPERIMENTS: dict[str, Config] = _by_name(
    Config(
        "khabar-analysis",
        "shipped index template, plain multi_match title+body (the chain without the shipped query)",
        khabar_index,
        multi_match_request,
    ),
    Config(
        "khabar-no-words",
        "shipped, without the .words clause (lead and body)",
        khabar_index,
        _without(lambda c: "combined_fields" in c),
    ),
    Config(
        "khabar-no-exact",
        "shipped, without the body.exact clause",
        khabar_index,
        _without(_sqs_on("body.exact")),
    ),
    Config(
        "khabar-no-title",
        "shipped, without the title clause",
        khabar_index,
        _without(lambda c: "title" in c.get("match", {})),
    ),
    Config(
        "khabar-no-phrases",
        "shipped, without the whole-text phrase clauses",
        khabar_index,
        _without(lambda c: "match_phrase" in c),
    ),
    Config(
        "khabar-no-aliases",
        "shipped, fields searched with their index analyzers (no name aliases)",
        _khabar_index_without_aliases,
        khabar_request,
    ),
    Config(
        "khabar-fuzzy",
        "shipped + a fuzzy match on the stems (boost 0.3)",
        khabar_index,
        _plus(
            lambda q: {"match": {"body": {"query": q, "fuzziness": "AUTO", "prefix_length": 1, "boost": 0.3}}}
        ),
    ),
    Config(
        "khabar-lead",
        "shipped + the lead's words as a clause of their own (boost 0.3)",
        khabar_index,
        _plus(lambda q: {"match": {"lead.words": {"query": q, "boost": 0.3}}}),
    ),
    Config(
        "khabar-no-latin-field",
        "shipped query, index without the .latin subfields",
        _khabar_index_without_subfields("latin"),
        khabar_request,
    ),
    Config(
        "khabar-no-exact-field",
        "shipped query, index without the .exact subfields",
        _khabar_index_without_subfields("exact"),
        khabar_request,
    ),
    Config(
        "khabar-one-stem",
        "shipped query, index without the clitic forms (one stem per word, .words as written)",
        _khabar_index_with(variants.one_form),
        khabar_request,
    ),
    Config(
        "khabar-capture",
        "shipped query, clitic forms by one pattern_capture pass instead of the multiplexers",
        _khabar_index_with(variants.capture_clitics),
        khabar_request,
    ),
    Config(
        "khabar-lean",
        "pattern_capture; Latin accents folded in .exact instead of a .latin subfield; no title.words",
        _khabar_index_with(*variants.LEAN),
        lambda query, size: variants.latin_on_exact(khabar_request(query, size)),
    ),
    Config(
        "khabar-lean-title-exact",
        "khabar-lean with .exact on the title only (Latin-script words then match only titles)",
        _khabar_index_with(*variants.LEAN, variants.without_subfield("exact", ("lead", "body"))),
        lambda query, size: variants.latin_on_exact(khabar_request(query, size)),
    ),
    Config(
        "khabar-icu-token",
        "shipped, the icu_normalizer as a token filter instead of a char filter",
        _khabar_index_with(variants.icu_token_filter),
        khabar_request,
    ),
    Config(
        "khabar-fold",
        "the .words forms in the stemmed fields (keyword_repeat), the .words clause on them",
        _khabar_index_with(variants.fold_words),
        lambda query, size: variants.words_on_main(khabar_request(query, size)),
    ),
    Config(
        "khabar-fold-title-exact",
        "khabar-fold with .exact on the title only",
        _khabar_index_with(variants.fold_words, variants.without_subfield("exact", ("lead", "body"))),
        lambda query, size: variants.words_on_main(_exact_on_title(khabar_request(query, size))),
    ),
    Config("khabar-b0.75", "shipped, BM25 b=0.75 (stock)", _khabar_index_bm25(0.75), khabar_request),
    Config("khabar-b0.9", "shipped, BM25 b=0.9", _khabar_index_bm25(0.9), khabar_request),
)
#: The peer the relative nDCG@10 difference is computed against.
BASELINE = "arabic"


def select(names: list[str] | None) -> list[Config]:
    """The configurations named (the default :data:`CONFIGS`, in order, if none); unknown names raise."""
    if not names:
        return list(CONFIGS.values())
    known = {**CONFIGS, **EXPERIMENTS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown configuration(s) {unknown}; known: {sorted(known)}")
    return [known[n] for n in dict.fromkeys(names)]
