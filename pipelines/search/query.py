"""Search: a query string and filters -> ranked articles with highlights and facets.

:class:`SearchQuery` is what a search asks for, built by every front end (``khabar search``, the
search page and API, the demo, the evaluation); :func:`build_request` turns it into an Elasticsearch
request (pure) and :func:`search` runs it. Adding a filter: a field here, a clause in
:func:`build_request`, an option in ``cli/search.py`` and a parameter in ``web/params.py``.

Safety: the text goes into a ``simple_query_string`` with a restricted set of operators
(``"phrase"``, ``|`` or, ``+`` and, parentheses); ``-word`` and ``-"phrase"`` are split off into a
``must_not`` clause of their own. That query type never fails on bad syntax and has no field,
wildcard, regexp, fuzzy or range syntax, so ``title:foo OR *`` is just words, and a stray ``"`` or
``(`` is ignored; a text made only of operators (a lone ``*``) matches nothing. Filters are
separate keyword/range clauses, never spliced into the text.

Matching: the fields carry khabar's Arabic analysis (see :mod:`pipelines.elastic.template`), so
``سوريا`` finds ``لـسوريا``/``وسوريا``/``بسوريا``; ``.exact`` subfields reward the exact written form and
a phrase match and fold the accents of Latin-script names (``Lavróv`` = ``Lavrov``). Sorted by relevance, any word
may match and documents with more (and rarer) words rank first; sorted by date, up to three words
must all match and longer queries need 75 % of them (see :data:`MINIMUM_SHOULD_MATCH`).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field

from pipelines.config import Settings
from pipelines.elastic.aliases import load_rules

Sort = Literal["relevance", "date"]
MAX_QUERY_CHARS = 500
MAX_SIZE = 100
HIGHLIGHT_PRE = "<mark>"
HIGHLIGHT_POST = "</mark>"
FIELDS = [
    "title^3",
    "title.exact^2",
    "lead^2",
    "lead.exact",
    "body",
    "body.exact^0.5",
]
# No PREFIX (``*``), FUZZY (``~``), NEAR/SLOP, ESCAPE: nothing that can make a query expensive.
# NOT is handled apart (see split_exclusions): with "any word may match", simple_query_string
# would read "-x" as "or not x" and match almost everything.
FLAGS = "AND|OR|PHRASE|PRECEDENCE|WHITESPACE"
EXCLUDE_FLAGS = "PHRASE|WHITESPACE"
_EXCLUDED = re.compile(r'(?:^|\s)-("[^"]+"|[^\s"]+)')
# Relevance: any word may match, BM25 puts the documents with all of them first (on ARCD any
# "must match most words" rule cost 7-40 points of recall@10). Date order does not rank by match
# quality, so there up to three words must all match and longer queries need 75 % of them.
MINIMUM_SHOULD_MATCH: dict[str, str] = {"relevance": "1", "date": "3<75%"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORDISH = re.compile(r"[^\W_]")
# Operator characters, dropped from the text the plain match clauses analyze.
_SYNTAX = re.compile(r'[|+()"]')
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
SOURCE_FIELDS = [
    "article_id",
    "title",
    "lead",
    "source_id",
    "section",
    "url",
    "published_at",
    "language",
    "places",
    "keywords",
    "cluster_id",
    "reading_time_minutes",
]


@dataclass(frozen=True)
class SearchQuery:
    """One search: the text and every filter, sort and page. Filter values are kept as tuples."""

    text: str = ""
    sources: Sequence[str] = ()
    sections: Sequence[str] = ()
    places: Sequence[str] = ()
    #: a bare date covers the whole day (UTC); a datetime is taken as given
    since: date | datetime | str | None = None
    until: date | datetime | str | None = None
    sort: Sort = "relevance"
    size: int = 10
    page: int = 1
    #: one result per near-duplicate story
    collapse: bool = False
    #: overrides the words rule of :data:`MINIMUM_SHOULD_MATCH` (the evaluation tries others)
    minimum_should_match: str | None = None

    def __post_init__(self) -> None:
        if self.sort not in MINIMUM_SHOULD_MATCH:
            raise ValueError(f"sort must be relevance or date, not {self.sort!r}")
        for name in ("sources", "sections", "places"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))


class Hit(BaseModel):
    article_id: str
    title: str
    source_id: str
    url: str
    published_at: str | None = None
    score: float | None = None
    section: str | None = None
    lead: str = ""
    places: list[str] = Field(default_factory=list)
    cluster_id: str | None = None
    highlights: dict[str, list[str]] = Field(
        default_factory=dict,
        description="field -> fragments: HTML-escaped text, matches wrapped in <mark>...</mark>",
    )


class Bucket(BaseModel):
    key: str
    count: int


class SearchResult(BaseModel):
    query: str = Field(description="the query as searched (control characters out, whitespace collapsed)")
    total: int
    took_ms: int
    hits: list[Hit]
    facets: dict[str, list[Bucket]] = Field(description="source, section, place, published (per day)")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()


def clean_query(query: str) -> str:
    """Control characters out, whitespace collapsed, length capped."""
    return " ".join(_CONTROL.sub(" ", query or "").split())[:MAX_QUERY_CHARS]


def split_exclusions(text: str) -> tuple[str, str]:
    """``'سوريا -موسكو -"وزير الخارجية"'`` -> ``('سوريا', 'موسكو "وزير الخارجية"')``."""
    excluded = [m.group(1) for m in _EXCLUDED.finditer(text)]
    return " ".join(_EXCLUDED.sub(" ", text).split()), " ".join(excluded)


def _bound(value: date | datetime | str | None, *, upper: bool) -> str | None:
    """A range bound: a bare date covers the whole day (UTC), a datetime is taken as given."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    moment = datetime.combine(value, time.max if upper else time.min, tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds")


@functools.cache
def _multiword_names() -> re.Pattern[str] | None:
    names = {
        name.strip()
        for rule in load_rules()
        for name in rule.split("=>")[0].split(",")
        if " " in name.strip()
    }
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf'(?<![\w"])({alternatives})(?![\w"])', re.IGNORECASE)


def quote_names(text: str) -> str:
    """``Saudi Arabia visit`` -> ``"Saudi Arabia" visit``: a multi-word name of the aliases list.

    simple_query_string analyzes each whitespace-separated word on its own, so the search
    analyzer's name aliases (``saudi arabia => السعودية``) would never see the two words together;
    a quoted phrase is analyzed whole. Text already inside quotes is left alone.
    """
    pattern = _multiword_names()
    if pattern is None or '"' in text:
        return text
    return pattern.sub(lambda m: f'"{m.group(1)}"', text)


def scoring_clauses(text: str) -> list[dict[str, Any]]:
    """How a matching document ranks (measured with ``khabar eval search``, docs/search-quality.md).

    - the body three ways, each scored on its own: stemmed (``وزراء``/``وزير`` meet), as words
      without their clitics (``.words`` of the lead and the body together: ``بسوريا`` = ``سوريا``
      but ``سوري`` != ``سوريا``; weighted highest: it keeps the word's meaning the stemmer blurs and
      ignores the clitic a searcher happens to type) and as written (``.exact``, a small bonus
      for the literal form);
      Latin-script words also rank on ``.exact`` (accents folded there; the stemmed and
      ``.words`` fields turn a Latin name into its Arabic spelling through the name aliases);
    - the title as a clause of its own, so a short title that *is* the subject ("أوروبا") ranks
      above long news titles that mention it in passing (the field's BM25 length norm does it);
    - the whole text as a phrase on the unstemmed fields lifts exact quotations and names (neutral
      on the evaluation's tasks, which have no quotations; cheap, since positions are indexed).

    Tried and left out, because the evaluation said they do not help: a fuzzy pass over the stems
    (±0.001 nDCG@10 per task at a term expansion per word), the lead as a clause of its own, a second
    title clause on ``title.words``, character n-gram subfields.
    """

    def words(fields: list[str], boost: float) -> dict[str, Any]:
        return {
            "simple_query_string": {
                "query": text,
                "fields": fields,
                "flags": FLAGS,
                "default_operator": "or",
                "analyze_wildcard": False,
                "lenient": True,
                "boost": boost,
            }
        }

    plain = " ".join(_SYNTAX.sub(" ", text).split())
    clauses = [
        words(["body"], 1.0),
        # lead and body as one text (BM25F): the standfirst is the article's opening, and as a
        # clause of its own it would score the same words twice
        {"combined_fields": {"query": plain, "fields": ["body.words", "lead.words"], "boost": 1.5}},
        words(["body.exact"], 0.3),
        {"match": {"title": {"query": plain, "boost": 1.0}}},
        {"match_phrase": {"title.exact": {"query": plain, "slop": 2, "boost": 3}}},
        {"match_phrase": {"body.exact": {"query": plain, "slop": 2, "boost": 1}}},
    ]
    # Only the Latin-script words: on Arabic words the unstemmed fields would count the text once
    # more (2 points of nDCG@10 on the question task). .exact has no name aliases, so a Latin name
    # finds Latin-script text there (the analyzed fields replace it by its Arabic spelling).
    latin = " ".join(word for word in plain.split() if _LATIN.search(word))
    if latin:
        clauses.append(
            {
                "multi_match": {
                    "query": latin,
                    "fields": ["title.exact^2", "lead.exact", "body.exact"],
                    "boost": 0.5,
                }
            }
        )
    return clauses


def build_request(query: SearchQuery) -> dict[str, Any]:
    """The search request body (keyword arguments of ``Elasticsearch.search``)."""
    sort = query.sort
    text = clean_query(query.text)
    filters: list[dict[str, Any]] = []
    must: list[dict[str, Any]]
    should: list[dict[str, Any]]
    if query.sources:
        filters.append({"terms": {"source_id": list(query.sources)}})
    if query.sections:
        filters.append({"terms": {"section": list(query.sections)}})
    if query.places:
        filters.append({"terms": {"places": list(query.places)}})
    gte, lte = _bound(query.since, upper=False), _bound(query.until, upper=True)
    if gte or lte:
        filters.append({"range": {"published_at": {k: v for k, v in (("gte", gte), ("lte", lte)) if v}}})

    text, excluded = split_exclusions(text)
    text = quote_names(text)
    must_not: list[dict[str, Any]] = []
    if excluded and _WORDISH.search(excluded):
        # any excluded word or "phrase" present removes the document
        must_not.append(
            {"simple_query_string": {"query": excluded, "fields": FIELDS, "flags": EXCLUDE_FLAGS}}
        )
    if text and not _WORDISH.search(text):
        # Only operators/punctuation ("*", '"', "(", "-"): nothing to look for. simple_query_string
        # would read a lone "*" as match-all, so answer "no match" instead of everything.
        must, should = [{"match_none": {}}], []
    elif text:
        # Which documents match (the words rule) is decided apart from how they rank: the
        # matching clause is a filter over every field; the scoring clauses are below.
        filters.append(
            {
                "simple_query_string": {
                    "query": text,
                    "fields": FIELDS,
                    "flags": FLAGS,
                    "default_operator": "or",
                    "minimum_should_match": query.minimum_should_match or MINIMUM_SHOULD_MATCH[sort],
                    "analyze_wildcard": False,
                    "lenient": True,
                }
            }
        )
        must, should = [], scoring_clauses(text)
    elif excluded:
        must, should = [{"match_all": {}}], []  # "-x" alone: everything without x
    else:
        must, should = [{"match_all": {}}], []
        sort = "date"  # no words: browse, newest first

    size = max(0, min(int(query.size), MAX_SIZE))
    request: dict[str, Any] = {
        "query": {"bool": {"must": must, "should": should, "must_not": must_not, "filter": filters}},
        "size": size,
        "from": max(0, (max(1, int(query.page)) - 1) * size),
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
        "sort": (
            [{"published_at": {"order": "desc", "missing": "_last"}}, "_score"]
            if sort == "date"
            else ["_score", {"published_at": {"order": "desc", "missing": "_last"}}]
        ),
        "highlight": {
            "type": "unified",
            "encoder": "html",
            "pre_tags": [HIGHLIGHT_PRE],
            "post_tags": [HIGHLIGHT_POST],
            "fields": {
                "title": {"number_of_fragments": 0},
                "lead": {"number_of_fragments": 0},
                "body": {"fragment_size": 180, "number_of_fragments": 3, "no_match_size": 180},
            },
        },
        "aggs": {
            "source": {"terms": {"field": "source_id", "size": 20}},
            "section": {"terms": {"field": "section", "size": 20}},
            "place": {"terms": {"field": "places", "size": 10}},
            # Per day, non-empty days only (auto_date_histogram lives in a module the local node lacks).
            "published": {
                "date_histogram": {
                    "field": "published_at",
                    "calendar_interval": "day",
                    "min_doc_count": 1,
                    "format": "yyyy-MM-dd",
                }
            },
        },
    }
    if query.collapse:
        request["collapse"] = {"field": "cluster_id"}
    return request


def search(
    es: Elasticsearch,
    settings: Settings,
    query: SearchQuery,
    *,
    index: str | None = None,
    timeout: float | None = None,
) -> SearchResult:
    """Search the articles behind ``settings.index_alias`` (or ``index``)."""
    request = build_request(query)
    if timeout is not None:
        request["timeout"] = server_timeout(timeout)
    response = bounded(es, timeout).search(index=index or settings.index_alias, **request).body
    return parse_response(clean_query(query.text), response)


def server_timeout(timeout: float) -> str:
    """Bounded in time: the shards stop collecting (partial results) after ``timeout`` seconds..."""
    return f"{int(timeout * 1000)}ms"


def bounded(es: Elasticsearch, timeout: float | None) -> Elasticsearch:
    """...and the client gives up a second later."""
    return es if timeout is None else es.options(request_timeout=timeout + 1)


def parse_response(query: str, response: dict[str, Any]) -> SearchResult:
    hits = []
    for raw in response["hits"]["hits"]:
        src = raw.get("_source", {})
        hits.append(
            Hit(
                article_id=src.get("article_id", raw["_id"]),
                title=src.get("title", ""),
                source_id=src.get("source_id", ""),
                url=src.get("url", ""),
                published_at=src.get("published_at"),
                score=raw.get("_score"),
                section=src.get("section"),
                lead=src.get("lead", ""),
                places=src.get("places", []),
                cluster_id=src.get("cluster_id"),
                highlights=raw.get("highlight", {}),
            )
        )
    aggs = response.get("aggregations", {})
    facets = {
        name: [
            Bucket(key=str(b.get("key_as_string", b["key"])), count=b["doc_count"])
            for b in aggs.get(name, {}).get("buckets", [])
            if b["doc_count"]
        ]
        for name in ("source", "section", "place", "published")
    }
    return SearchResult(
        query=query,
        total=response["hits"]["total"]["value"],
        took_ms=response.get("took", 0),
        hits=hits,
        facets=facets,
    )


def split_highlight(fragment: str) -> list[tuple[str, bool]]:
    """``"a <mark>b</mark> c"`` -> ``[("a ", False), ("b", True), (" c", False)]``, HTML unescaped."""
    parts: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"{re.escape(HIGHLIGHT_PRE)}|{re.escape(HIGHLIGHT_POST)}", fragment)):
        if piece:
            parts.append((html.unescape(piece), i % 2 == 1))
    return parts
