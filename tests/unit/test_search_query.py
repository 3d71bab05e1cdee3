"""Query building: user text stays text, filters are separate clauses, dates cover whole days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from pipelines.search.query import (
    FLAGS,
    SearchQuery,
    clean_query,
    split_exclusions,
    split_highlight,
)
from pipelines.search.query import build_request as build


def build_request(text: str, **filters) -> dict:
    return build(SearchQuery(text, **filters))


def _sqs(request: dict) -> dict:
    # the clause that decides which documents match (a filter: the should clauses rank them)
    return next(f for f in request["query"]["bool"]["filter"] if "simple_query_string" in f)[
        "simple_query_string"
    ]


@pytest.mark.parametrize(
    "hostile", ["title:foo OR *", "a~2", "/x.*/", "{!x}", "فلسطين AND ((", 'x" OR "1"="1', "body:*"]
)
def test_user_syntax_is_passed_as_text_to_simple_query_string(hostile: str) -> None:
    request = build_request(hostile)
    sqs = _sqs(request)
    assert sqs["query"] == hostile
    # the only place the text goes is the query text of safe query types
    assert "query_string" not in json.dumps(request).replace("simple_query_string", "")
    for flag in ("PREFIX", "FUZZY", "NEAR", "SLOP", "ALL", "REGEXP"):
        assert flag not in sqs["flags"].split("|")
    assert sqs["flags"] == FLAGS
    assert sqs["analyze_wildcard"] is False


@pytest.mark.parametrize("only_operators", ['"', "(", ")", "*", "\\", "-", "+|", '"()"', "/.*/"])
def test_text_without_words_matches_nothing(only_operators: str) -> None:
    # simple_query_string would read a lone "*" as match-all
    assert build_request(only_operators)["query"]["bool"]["must"] == [{"match_none": {}}]


def test_clean_query_strips_controls_and_caps_length() -> None:
    assert clean_query("  سوريا\x00\n  موسكو\t") == "سوريا موسكو"
    assert len(clean_query("ا" * 5000)) == 500
    assert clean_query(None) == ""  # type: ignore[arg-type]


def test_filters_are_clauses_not_text() -> None:
    request = build_request(
        "سوريا", sources=["aljazeera", "bbc-arabic"], since="2025-07-01", until="2025-07-31"
    )
    filters = request["query"]["bool"]["filter"]
    assert {"terms": {"source_id": ["aljazeera", "bbc-arabic"]}} in filters
    published = next(f["range"]["published_at"] for f in filters if "range" in f)
    assert published == {"gte": "2025-07-01T00:00:00.000+00:00", "lte": "2025-07-31T23:59:59.999+00:00"}
    assert _sqs(request)["query"] == "سوريا"


def test_datetime_bounds_are_kept_and_made_aware() -> None:
    request = build_request("x", since=datetime(2025, 7, 1, 12, 30), until=date(2025, 7, 2))
    published = request["query"]["bool"]["filter"][0]["range"]["published_at"]
    assert published["gte"] == datetime(2025, 7, 1, 12, 30, tzinfo=UTC).isoformat()
    assert published["lte"].startswith("2025-07-02T23:59:59")


def test_sort_size_and_paging() -> None:
    assert build_request("x", sort="date")["sort"][0] == {
        "published_at": {"order": "desc", "missing": "_last"}
    }
    assert build_request("x")["sort"][0] == "_score"
    request = build_request("x", size=1000, page=3)
    assert request["size"] == 100
    assert request["from"] == 200


def test_empty_query_browses_by_date() -> None:
    request = build_request("   ")
    assert request["query"]["bool"]["must"] == [{"match_all": {}}]
    assert request["sort"][0] == {"published_at": {"order": "desc", "missing": "_last"}}


def test_facets_and_highlights_requested() -> None:
    request = build_request("سوريا")
    assert set(request["aggs"]) >= {"source", "section", "published"}
    assert set(request["highlight"]["fields"]) == {"title", "lead", "body"}
    assert request["highlight"]["encoder"] == "html"


def test_split_highlight_unescapes_and_marks() -> None:
    fragment = "دعم &lt;b&gt; <mark>سوريا</mark> و<mark>موسكو</mark>"
    assert split_highlight(fragment) == [("دعم <b> ", False), ("سوريا", True), (" و", False), ("موسكو", True)]


def test_words_rule_depends_on_sort() -> None:
    assert _sqs(build_request("لافروف موسكو"))["minimum_should_match"] == "1"
    assert _sqs(build_request("لافروف موسكو", sort="date"))["minimum_should_match"] == "3<75%"
    with pytest.raises(ValueError):
        build_request("x", sort="newest")  # type: ignore[arg-type]


def test_exclusions_become_must_not() -> None:
    assert split_exclusions('سوريا -موسكو -"وزير الخارجية"') == ("سوريا", 'موسكو "وزير الخارجية"')
    assert split_exclusions("تيمور-ليستي") == ("تيمور-ليستي", "")  # a hyphen inside a word stays
    request = build_request("سوريا -موسكو")
    assert _sqs(request)["query"] == "سوريا"
    assert request["query"]["bool"]["must_not"][0]["simple_query_string"]["query"] == "موسكو"
    assert "NOT" not in FLAGS.split("|")  # "-x" in an OR query would mean "or not x"
