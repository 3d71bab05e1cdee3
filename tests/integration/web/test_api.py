"""``/api/search`` over HTTP against the real local Elasticsearch: results, filters, same story,
suggestions, 422 for bad parameters, search syntax that cannot be injected, bounds, 503 when
Elasticsearch is down. (The schema-driven test is in test_api_schema.py.)"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import WIRE_SOURCE, Server, WebIndex

from pipelines.config import Settings
from pipelines.search.query import MAX_QUERY_CHARS
from pipelines.search.suggest import candidates, without_clitics
from pipelines.web.params import MAX_FILTER_VALUES, MAX_PAGE, MAX_PAGE_SIZE

pytestmark = pytest.mark.integration


def _get(web_url: str, path: str = "/api/search", **params: Any) -> httpx.Response:
    return httpx.get(f"{web_url}{path}", params=params, timeout=30)


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [h["article_id"] for h in response.json()["hits"]]


def test_syria_finds_the_seed_with_a_highlight(web_url: str, web_index: WebIndex) -> None:
    body = _get(web_url, q="سوريا", size=50).json()
    seed = next(h for h in body["hits"] if h["article_id"] == web_index.seed.article_id)
    assert any("<mark>" in f for f in seed["highlights"]["body"])
    assert seed["url"] == web_index.seed.url
    assert body["permalink"].startswith("/?q=")
    assert {b["key"] for b in body["facets"]["source"]} == {"sample", WIRE_SOURCE}


def test_same_story_lists_the_other_outlets_copy(web_url: str, web_index: WebIndex) -> None:
    hits = {h["article_id"]: h for h in _get(web_url, q="لافروف الشيباني", size=50).json()["hits"]}
    seed, copy = web_index.seed.article_id, web_index.wire_copy.article_id
    assert [r["article_id"] for r in hits[seed]["same_story"]] == [copy]
    assert [r["article_id"] for r in hits[copy]["same_story"]] == [seed]
    assert hits[seed]["same_story"][0]["source_id"] == WIRE_SOURCE


def test_filters_narrow_by_source_section_place_and_date(web_url: str, web_index: WebIndex) -> None:
    everything = _get(web_url, q="سوريا", size=50).json()
    assert _ids(_get(web_url, q="سوريا", source=WIRE_SOURCE)) == [web_index.wire_copy.article_id]
    # a section that holds some, not all, of the results (the sample site's sections as extracted)
    section = next(b for b in everything["facets"]["section"] if b["count"] < everything["total"])
    narrowed = _get(web_url, q="سوريا", section=section["key"], size=50).json()
    assert narrowed["total"] == section["count"]
    assert {h["section"] for h in narrowed["hits"]} == {section["key"]}
    damascus = _get(web_url, q="سوريا", place="دمشق", size=50).json()
    assert 0 < damascus["total"] < everything["total"]
    assert all("دمشق" in h["places"] for h in damascus["hits"])
    day = web_index.seed.published_at.astimezone().date().isoformat()
    same_day = _get(web_url, q="سوريا", since=day, until=day, size=50).json()
    assert web_index.seed.article_id in [h["article_id"] for h in same_day["hits"]]
    assert same_day["total"] < everything["total"]
    # two values of one filter are OR-ed
    keys = [b["key"] for b in everything["facets"]["section"]]
    both = _get(web_url, q="سوريا", section=keys, size=50).json()
    assert both["total"] == sum(b["count"] for b in everything["facets"]["section"])


def test_sort_by_date_is_newest_first(web_url: str) -> None:
    hits = _get(web_url, q="سوريا", sort="date", size=50).json()["hits"]
    dates = [h["published_at"] for h in hits]
    assert dates == sorted(dates, reverse=True) and len(dates) > 2


def test_pagination_walks_the_results_without_overlap(web_url: str) -> None:
    total = _get(web_url, q="", size=50).json()["total"]
    pages = [_ids(_get(web_url, q="", sort="date", size=5, page=n)) for n in (1, 2, 3)]
    flat = [i for page in pages for i in page]
    assert len(flat) == len(set(flat)) == min(15, total)
    assert _get(web_url, q="", size=5).json()["pages"] == min(MAX_PAGE, -(-total // 5))


def test_empty_result_suggests_the_arabic_name(web_url: str) -> None:
    # a romanization of دمشق (English names like Damascus may be matched by the index itself)
    body = _get(web_url, q="Dimashq").json()
    assert body["total"] == 0
    assert body["suggestion"]["query"] == "دمشق" and body["suggestion"]["total"] > 0
    # a suggestion is only made when it finds something
    assert _get(web_url, q="Atlantis").json()["suggestion"] is None


def test_suggestion_candidates() -> None:
    assert candidates("Syria") == ["سوريا"]
    assert candidates("Dimashq") == ["دمشق"]
    assert candidates("Saudi Arabia") == ["السعودية"]
    assert candidates("Lavrov Moscow")[0] == "لافروف موسكو"  # people too: the index's name aliases
    assert without_clitics("وبالشيباني") == "شيباني"
    assert without_clitics("للقاهرة") == "قاهرة"
    assert without_clitics("سوريا") == "سوريا"
    assert candidates("سوريا") == []


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"page": 0}, "page"),
        ({"page": MAX_PAGE + 1}, "page"),
        ({"page": "two"}, "page"),
        ({"size": 0}, "size"),
        ({"size": MAX_PAGE_SIZE + 1}, "size"),
        ({"sort": "popularity"}, "sort"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30"}, "until"),
        ({"since": "2026-03-01", "until": "2026-02-01"}, "since"),
        ({"q": "ا" * (MAX_QUERY_CHARS + 1)}, "q"),
        ({"source": ["s"] * (MAX_FILTER_VALUES + 1)}, "source"),
        ({"place": "x" * 101}, "place"),
        ({"index": "other-index"}, "index"),  # unknown parameters are refused, not ignored
    ],
)
def test_bad_parameters_get_422_with_a_clear_message(web_url: str, params: dict, names: str) -> None:
    response = _get(web_url, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("invalid parameters: ")
    assert names in body["message"]
    assert body["detail"] and all("msg" in d for d in body["detail"])
    # the page answers the same 422, as HTML with the message
    page = _get(web_url, "/", **params)
    assert page.status_code == 422 and "invalid parameters" in page.text


@pytest.mark.parametrize(
    "hostile",
    ["*", "title:*", "title:foo OR *", "source_id:sample", '{"match_all": {}}', "/.*/", "سوريق~", "\\"],
)
def test_search_syntax_cannot_be_injected(web_url: str, hostile: str) -> None:
    # none of these may become "match everything" or a field query
    body = _get(web_url, q=hostile).json()
    assert body["total"] == 0, (hostile, [h["title"] for h in body["hits"]])


def test_markup_in_the_query_is_escaped(web_url: str) -> None:
    hostile = '"><script>alert(1)</script><mark>سوريا'
    page = _get(web_url, "/", q=hostile)
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_responses_are_bounded(web_url: str) -> None:
    body = _get(web_url, q="", size=MAX_PAGE_SIZE).json()
    assert len(body["hits"]) <= MAX_PAGE_SIZE and body["pages"] <= MAX_PAGE
    last = _get(web_url, q="", size=MAX_PAGE_SIZE, page=MAX_PAGE)
    assert last.status_code == 200 and last.json()["hits"] == []


def test_elasticsearch_down_is_a_503_with_a_message(down_url: str) -> None:
    api = _get(down_url, q="سوريا")
    assert api.status_code == 503
    assert "Elasticsearch" in api.json()["detail"] and "Traceback" not in api.text
    assert api.headers["retry-after"]
    page = _get(down_url, "/", q="سوريا")
    assert page.status_code == 503
    assert "Elasticsearch" in page.text and 'dir="rtl"' in page.text


def test_openapi_schema_documents_the_api(web_url: str) -> None:
    schema = _get(web_url, "/openapi.json").json()
    operation = schema["paths"]["/api/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"q", "source", "section", "place", "since", "until", "sort", "page", "size"}
    assert {"200", "422", "503"} <= set(operation["responses"])
    assert "/" not in schema["paths"]  # the HTML page is not part of the API


def test_health_and_readiness_when_elasticsearch_answers(web_url: str, web_index: WebIndex) -> None:
    assert _get(web_url, "/healthz").json() == {"status": "ok"}
    ready = _get(web_url, "/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["documents"] >= 2  # the seed and its wire copy at least


def test_not_ready_but_alive_when_elasticsearch_is_down(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings = Settings(home=tmp_path, es_url=f"http://reader:s3cret-pw@127.0.0.1:{closed}")
    with Server(settings) as url:
        assert _get(url, "/healthz").status_code == 200
        ready = _get(url, "/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert "s3cret-pw" not in ready.text
