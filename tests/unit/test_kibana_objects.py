"""khabar's Kibana saved objects: the committed NDJSON parses, is what the builder makes, its
references resolve inside the file, its dashboard has the panels searchers were promised, and the
checks that guard it catch what they claim to catch. (Fields against the LIVE mapping:
tests/integration/test_kibana_mapping.py; the import request: tests/integration/test_kibana_import.py.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines.elastic.template import DEFAULT_ALIAS, load_template
from pipelines.kibana.checks import (
    FieldUse,
    field_problems,
    field_uses,
    kql_fields,
    parse_ndjson,
    reference_problems,
)
from pipelines.kibana.errors import KibanaAssetsError, KibanaError
from pipelines.kibana.importer import KibanaAuth, dashboard_urls, describe_error, space_prefix
from pipelines.kibana.objects import (
    DASHBOARD_ID,
    DATA_VIEW_ID,
    SAVED_OBJECTS_FILE,
    build_objects,
    load_objects,
    to_ndjson,
)


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return load_objects()


def _by_id(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in objects}


def _lens_columns(obj: dict[str, Any]) -> list[dict[str, Any]]:
    layers = obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
    return [c for layer in layers.values() for c in layer["columns"].values()]


def test_committed_file_is_the_builder_output() -> None:
    # edit pipelines/kibana/objects.py, then: python -m pipelines.kibana.objects
    assert SAVED_OBJECTS_FILE.read_bytes() == to_ndjson(build_objects())


def test_file_parses_into_saved_objects_with_stable_ids(objects: list[dict[str, Any]]) -> None:
    kinds = sorted(o["type"] for o in objects)
    assert kinds.count("index-pattern") == 2  # with and without the published_at time field
    assert kinds.count("dashboard") == 1
    assert kinds.count("search") >= 2
    assert all(o["id"].startswith("khabar-") for o in objects)
    for obj in objects:
        assert obj["coreMigrationVersion"] == "8.8.0"
        # never newer than what Kibana 9.0 knows for the type (else Kibana refuses the object)
        assert obj["typeMigrationVersion"] in {"8.0.0", "8.7.0", "8.9.0"}
    assert _by_id(objects)[DASHBOARD_ID]["type"] == "dashboard"


def test_every_reference_resolves_inside_the_file(objects: list[dict[str, Any]]) -> None:
    assert reference_problems(objects) == []
    # and every reference is typed like its target
    by_key = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in by_key, (obj["id"], ref)


def test_data_view_time_field_formats_and_url_link(objects: list[dict[str, Any]]) -> None:
    view = _by_id(objects)[DATA_VIEW_ID]["attributes"]
    properties = load_template()["template"]["mappings"]["properties"]
    assert view["title"] == DEFAULT_ALIAS
    assert properties[view["timeFieldName"]]["type"] == "date"
    formats = json.loads(view["fieldFormatMap"])
    assert formats["url"] == {
        "id": "url",
        "params": {"type": "a", "urlTemplate": None, "labelTemplate": None, "openLinkInCurrentTab": False},
    }
    assert formats["reading_time_minutes"]["id"] == "duration"
    assert set(formats) <= set(properties)


def test_saved_searches_recent_per_source_and_a_place(objects: list[dict[str, Any]]) -> None:
    searches = {o["id"]: o["attributes"] for o in objects if o["type"] == "search"}
    recent = searches["khabar-search-recent-articles"]
    assert recent["sort"] == [["published_at", "desc"]]
    assert recent["breakdownField"] == "source_id" and "source_id" in recent["columns"]
    place = json.loads(searches["khabar-search-place"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert place["query"] == {"query": 'places : "سوريا"', "language": "kuery"}


def test_dashboard_has_the_promised_panels_on_a_valid_grid(objects: list[dict[str, Any]]) -> None:
    by_id = _by_id(objects)
    board = by_id[DASHBOARD_ID]
    panels = json.loads(board["attributes"]["panelsJSON"])
    refs = {r["name"]: r for r in board["references"]}
    targets = [by_id[refs[f"{p['panelIndex']}:{p['panelRefName']}"]["id"]] for p in panels]

    def uses(obj: dict[str, Any], op: str, field: str) -> bool:
        return obj["type"] == "lens" and any(
            c["operationType"] == op and c.get("sourceField") == field for c in _lens_columns(obj)
        )

    over_time = [
        t for t in targets if uses(t, "date_histogram", "published_at") and uses(t, "terms", "source_id")
    ]
    assert over_time, "articles per source over time"
    assert any(uses(t, "terms", "places") for t in targets), "top places"
    assert any(uses(t, "terms", "keywords") for t in targets), "top keywords"
    assert any(uses(t, "terms", "cluster_id") and uses(t, "unique_count", "source_id") for t in targets), (
        "clusters"
    )
    assert any(uses(t, "terms", "extraction_method") for t in targets), "extraction method per source"
    assert any(uses(t, "median", "word_count") for t in targets), "extraction health per source"
    assert any(t["type"] == "search" for t in targets), "the article list the cluster table filters"
    undated = by_id["khabar-lens-undated-per-source"]
    assert undated in targets and undated["attributes"]["state"]["query"]["query"] == "not published_at : *"
    # it must not use the timed view: a time range never matches a missing published_at
    (view_ref,) = undated["references"]
    assert "timeFieldName" not in by_id[view_ref["id"]]["attributes"]

    cells: set[tuple[int, int]] = set()
    for p in panels:
        g = p["gridData"]
        assert g["i"] == p["panelIndex"] and g["x"] >= 0 and g["x"] + g["w"] <= 48
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & mine, f"panel {p['panelIndex']} overlaps another"
        cells |= mine


def test_every_named_field_is_in_the_committed_template(objects: list[dict[str, Any]]) -> None:
    # offline twin of the live-mapping test: fields exist and keyword/number/date where aggregated
    properties = load_template()["template"]["mappings"]["properties"]
    caps = {}
    for name, spec in properties.items():
        type_ = spec.get("type", "object")
        aggregatable = type_ in ("keyword", "date", "integer") and spec.get("doc_values", True)
        caps[name] = {
            "type": type_,
            "searchable": spec.get("index", True) and type_ != "object",
            "aggregatable": aggregatable,
        }
        for sub in spec.get("fields", {}):
            caps[f"{name}.{sub}"] = {"type": "text", "searchable": True, "aggregatable": False}
    assert field_problems(field_uses(objects), caps) == []


# --- the checks catch what they claim ----------------------------------------------------------


def test_a_dangling_reference_and_a_missing_layer_reference_are_reported(
    objects: list[dict[str, Any]],
) -> None:
    broken = json.loads(json.dumps(objects))
    lens = next(o for o in broken if o["type"] == "lens")
    lens["references"] = []
    board = next(o for o in broken if o["type"] == "dashboard")
    board["references"][0]["id"] = "khabar-no-such-object"
    problems = reference_problems(broken)
    assert any(lens["id"] in p and "indexpattern-datasource-layer-" in p for p in problems)
    assert any("khabar-no-such-object" in p for p in problems)


def test_field_problems_name_the_object_and_the_field() -> None:
    caps = {
        "title": {"type": "text", "searchable": True, "aggregatable": False},
        "source_id": {"type": "keyword", "searchable": True, "aggregatable": True},
    }
    uses = [
        FieldUse("lens x", "column a (terms)", "title", "aggregatable"),
        FieldUse("lens x", "column b (terms)", "sourceid", "aggregatable"),
        FieldUse("index-pattern v", "timeFieldName", "source_id", "date"),
        FieldUse("search s", "query", "source_id", "searchable"),
    ]
    problems = field_problems(uses, caps)
    assert len(problems) == 3
    assert "'title'" in problems[0] and "aggregatable" in problems[0]
    assert "'sourceid'" in problems[1] and "not in the index mapping" in problems[1]
    assert "date field" in problems[2]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ('places : "سوريا"', {"places"}),
        ("title : سوريا or body : سوريا", {"title", "body"}),
        ("word_count < 100", {"word_count"}),
        ('published_at_source : "url" or not section : "a: b"', {"published_at_source", "section"}),
        ("سوريا لافروف", set()),
        ("", set()),
    ],
)
def test_kql_fields(query: str, fields: set[str]) -> None:
    assert kql_fields(query) == fields


# --- malformed NDJSON is refused before anything is sent ----------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type":"search","id":"a","attributes":{}}\n{"type": "search", "id": \n', ":2: not JSON"),
        (b"[1, 2]\n", ":1: not a saved object"),
        (b'{"type":"search","attributes":{}}\n', ":1: not a saved object"),
        (
            b'{"type":"search","id":"a","attributes":{}}\n{"type":"search","id":"a","attributes":{}}\n',
            "duplicate",
        ),
        (b"\n\n", "no saved objects"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_malformed_ndjson_is_rejected_with_its_line(data: bytes, message: str) -> None:
    with pytest.raises(KibanaAssetsError, match=message):
        parse_ndjson(data, source="bad.ndjson")


def test_kibana_export_summary_line_is_skipped() -> None:
    data = b'{"type":"search","id":"a","attributes":{}}\n{"exportedCount":1,"missingRefCount":0,"missingReferences":[]}\n'
    assert [o["id"] for o in parse_ndjson(data)] == ["a"]


# --- auth, spaces, addresses ---------------------------------------------------------------------


def test_auth_headers_and_secrets_kept_out_of_repr() -> None:
    assert KibanaAuth(api_key="ZW5jb2RlZA==").header() == "ApiKey ZW5jb2RlZA=="
    assert KibanaAuth(api_key="my-id:my-key").header() == "ApiKey bXktaWQ6bXkta2V5"  # base64("my-id:my-key")
    assert KibanaAuth(user="elastic", password="s3cret").header() == "Basic ZWxhc3RpYzpzM2NyZXQ="
    assert KibanaAuth().header() is None
    assert "s3cret" not in repr(KibanaAuth(user="elastic", password="s3cret"))
    assert "ZW5j" not in repr(KibanaAuth(api_key="ZW5jb2RlZA=="))
    with pytest.raises(KibanaError, match="not both"):
        KibanaAuth(api_key="k", user="u", password="p")
    with pytest.raises(KibanaError, match="both a user and a password"):
        KibanaAuth(user="u")


def test_space_prefix_and_dashboard_address(objects: list[dict[str, Any]]) -> None:
    assert space_prefix(None) == "" and space_prefix("default") == ""
    assert space_prefix("newsroom-ar") == "/s/newsroom-ar"
    with pytest.raises(KibanaError, match="space id"):
        space_prefix("../admin")
    urls = dashboard_urls("https://elastic:pw@kibana.example.org/base/", objects, "newsroom")
    assert list(urls.values()) == [
        f"https://kibana.example.org/base/s/newsroom/app/dashboards#/view/{DASHBOARD_ID}"
    ]


def test_import_error_reasons_are_readable() -> None:
    missing = {"type": "missing_references", "references": [{"type": "index-pattern", "id": "x"}]}
    assert describe_error(missing) == "missing_references: index-pattern x not found in Kibana or in the file"
    assert (
        describe_error({"type": "unknown", "message": "boom", "statusCode": 500})
        == "unknown: boom (HTTP 500)"
    )
    assert describe_error({"type": "unsupported_type"}).startswith("unsupported_type")


# Attribute keys Kibana's saved-object schemas accept (copied from Kibana's source, 9.x branch):
# dashboard: server/dashboard_saved_object/schema/v1 (unknowns: "forbid"); search: saved_search
# schema_legacy SCHEMA_SEARCH_BASE (8.8.0, unknowns forbidden); data view: DataViewAttributes.
_ALLOWED = {
    "dashboard": {
        "title", "description", "kibanaSavedObjectMeta", "timeRestore", "timeFrom", "timeTo",
        "refreshInterval", "controlGroupInput", "panelsJSON", "optionsJSON", "hits", "version",
    },
    "search": {
        "title", "description", "columns", "sort", "grid", "rowHeight", "rowsPerPage", "hideChart",
        "breakdownField", "kibanaSavedObjectMeta", "isTextBasedQuery", "usesAdHocDataView",
        "timeRestore", "timeRange", "refreshInterval", "viewMode", "hideAggregatedPreview", "hits", "version",
    },
    "index-pattern": {
        "title", "name", "timeFieldName", "sourceFilters", "fieldFormatMap", "fieldAttrs",
        "runtimeFieldMap", "typeMeta", "fields", "allowNoIndex", "allowHidden", "type",
    },
    "lens": {"title", "description", "visualizationType", "state"},
}  # fmt: skip


def test_attributes_fit_kibanas_schemas(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        attrs = obj["attributes"]
        assert set(attrs) <= _ALLOWED[obj["type"]], (obj["id"], set(attrs) - _ALLOWED[obj["type"]])
        assert isinstance(attrs["title"], str) and attrs["title"]
        meta = attrs.get("kibanaSavedObjectMeta", {})
        assert set(meta) <= {"searchSourceJSON"}
    board = _by_id(objects)[DASHBOARD_ID]["attributes"]
    assert set(board["refreshInterval"]) == {"pause", "value"}
    assert set(board["controlGroupInput"]) <= {
        "controlStyle",
        "chainingSystem",
        "panelsJSON",
        "ignoreParentSettingsJSON",
    }
    for panel in json.loads(board["panelsJSON"]):
        assert panel["type"] in {"lens", "search"} and panel["panelRefName"] == f"panel_{panel['panelIndex']}"
    for obj in (o for o in objects if o["type"] == "lens"):
        state = obj["attributes"]["state"]
        assert obj["attributes"]["visualizationType"] in {"lnsXY", "lnsDatatable"}
        layers = state["datasourceStates"]["formBased"]["layers"]
        for layer_id, layer in layers.items():
            assert layer["columnOrder"] == list(layer["columns"])
            vis = state["visualization"]
            vis_layer = vis["layers"][0] if "layers" in vis else vis
            assert vis_layer["layerId"] == layer_id
            named = {
                vis_layer.get("xAccessor"),
                vis_layer.get("splitAccessor"),
                *vis_layer.get("accessors", []),
            }
            named |= {c["columnId"] for c in vis_layer.get("columns", [])}
            assert named - {None} == set(layer["columns"]), obj["id"]  # every column shown, none unknown
            for column in layer["columns"].values():
                order = column.get("params", {}).get("orderBy", {})
                if order:  # terms ordered by a metric: that metric is a column of the layer
                    assert order["type"] != "column" or order["columnId"] in layer["columns"]
