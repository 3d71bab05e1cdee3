"""khabar's Kibana 9 saved objects, built from readable Python into one NDJSON file.

Why a builder: Lens and dashboard objects nest JSON inside JSON strings (``panelsJSON``,
``searchSourceJSON``...), which nobody can review or edit by hand. The committed
``infra/kibana/khabar-saved-objects.ndjson`` is this module's output
(``python -m pipelines.kibana.objects`` rewrites it; a unit test fails when the two differ).

Formats follow what Kibana 9 stores and exports (checked against Kibana's source: the saved
object types ``index-pattern``, ``search``, ``lens``, ``dashboard``, their attribute schemas, and
Kibana's own 9.x sample data sets):

- every object carries ``coreMigrationVersion`` 8.8.0 and the ``typeMigrationVersion`` of the last
  classic migration of its type whose attribute shape these objects have (data view 8.0.0, saved
  search 8.0.0, Lens 8.9.0, dashboard 8.7.0, as Kibana's own 9.x sample dashboards declare). Kibana
  runs its newer migrations (model versions ``10.x``) on import, so every 9.x accepts the file;
  declaring a version newer than the running Kibana knows would make it refuse the object;
- Lens objects are standalone (``type: lens``, ``state.datasourceStates.formBased``), each layer
  referencing the data view as ``indexpattern-datasource-layer-<layerId>``;
- dashboard panels are by reference: ``panelRefName: panel_<panelIndex>`` and a reference named
  ``<panelIndex>:panel_<panelIndex>`` (how Kibana 8.x/9.x extracts panel references); the
  options-list controls reference the data view as ``controlGroup_<controlId>:optionsListDataView``.

Ids are stable and meaningful (``khabar-...``): importing again with ``overwrite=true`` replaces
the same objects instead of adding copies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.elastic.template import DEFAULT_ALIAS
from pipelines.kibana.checks import parse_ndjson
from pipelines.resources import shipped

SAVED_OBJECTS_FILE = shipped("kibana", "khabar-saved-objects.ndjson")

DATA_VIEW_ID = "khabar-news-articles"
#: same alias, no time field: articles without a publication date are invisible to any view
#: filtered on ``published_at`` (a range never matches a missing value); this one still sees them
UNDATED_VIEW_ID = "khabar-news-articles-all"
DASHBOARD_ID = "khabar-overview"
SEARCH_RECENT_ID = "khabar-search-recent-articles"
SEARCH_PLACE_ID = "khabar-search-place"
SEARCH_SYRIA_ID = "khabar-search-syria-latest"

_CORE = "8.8.0"
_TYPE_VERSION = {"index-pattern": "8.0.0", "search": "8.0.0", "lens": "8.9.0", "dashboard": "8.7.0"}
_RECORDS = "___records___"  # Lens' pseudo-field for "count of documents"
#: body-extraction date sources that are guesses rather than the page's own metadata
WEAK_DATE_SOURCES = ("htmldate", "text", "url")
SHORT_BODY_WORDS = 100


def _json(value: Any) -> str:
    """Compact JSON, Arabic kept readable (Kibana stores these strings as given)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _saved_object(type_: str, id_: str, attributes: dict[str, Any], references: list[dict]) -> dict:
    return {
        "type": type_,
        "id": id_,
        "coreMigrationVersion": _CORE,
        "typeMigrationVersion": _TYPE_VERSION[type_],
        "managed": False,
        "references": references,
        "attributes": attributes,
    }


def _data_view_ref(name: str, view: str = DATA_VIEW_ID) -> dict[str, str]:
    return {"type": "index-pattern", "id": view, "name": name}


# --- data view ---------------------------------------------------------------------------------


def _link(label: str | None = None) -> dict[str, Any]:
    params = {"type": "a", "urlTemplate": None, "labelTemplate": label, "openLinkInCurrentTab": False}
    return {"id": "url", "params": params}


def data_view(title: str = DEFAULT_ALIAS, *, timed: bool = True) -> dict[str, Any]:
    """The data view on the alias khabar writes to, time field ``published_at`` (``timed=False``:
    the same without a time field, for the articles that have no publication date)."""
    formats = {
        "url": _link(),
        "canonical_url": _link(),
        "image": _link("{{value}}"),
        "published_at": {"id": "date", "params": {"pattern": "YYYY-MM-DD HH:mm"}},
        "updated_at": {"id": "date", "params": {"pattern": "YYYY-MM-DD HH:mm"}},
        "word_count": {"id": "number", "params": {"pattern": "0,0"}},
        "reading_time_minutes": {
            "id": "duration",
            "params": {
                "inputFormat": "minutes",
                "outputFormat": "asMinutes",
                "outputPrecision": 0,
                "showSuffix": True,
                "useShortSuffix": True,
            },
        },
    }
    labels = {
        "source_id": "source",
        "published_at": "published",
        "published_at_source": "date found in",
        "extraction_method": "body extracted by",
        "reading_time_minutes": "reading time",
        "cluster_id": "story cluster (near-duplicates)",
        "place_codes": "place country codes",
    }
    attributes = {
        "title": title,
        "name": "khabar news articles" if timed else "khabar news articles (all, no time filter)",
        # near-duplicate signatures and raw blocks are machinery, not reading material
        "sourceFilters": _json([{"value": "minhash"}, {"value": "minhash_bands"}, {"value": "blocks"}]),
        "fieldFormatMap": _json(formats),
        "fieldAttrs": _json({field: {"customLabel": label} for field, label in labels.items()}),
        "runtimeFieldMap": "{}",
        "typeMeta": "{}",
        "fields": "[]",
    }
    if timed:
        attributes["timeFieldName"] = "published_at"
    return _saved_object("index-pattern", DATA_VIEW_ID if timed else UNDATED_VIEW_ID, attributes, [])


# --- saved searches ----------------------------------------------------------------------------


def _search(
    id_: str, title: str, description: str, query: str, columns: list[str], breakdown: str | None = None
) -> dict[str, Any]:
    source = {
        "query": {"query": query, "language": "kuery"},
        "filter": [],
        "highlightAll": True,
        "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
    }
    attributes: dict[str, Any] = {
        "title": title,
        "description": description,
        "columns": columns,
        "sort": [["published_at", "desc"]],
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _json(source)},
    }
    if breakdown:
        attributes["breakdownField"] = breakdown
    refs = [_data_view_ref("kibanaSavedObjectMeta.searchSourceJSON.index")]
    return _saved_object("search", id_, attributes, refs)


def saved_searches() -> list[dict[str, Any]]:
    return [
        _search(
            SEARCH_RECENT_ID,
            "khabar — recent articles per source",
            "Newest first; the histogram is broken down by source. Filter one outlet with the "
            "dashboard's source control or a source_id filter.",
            "",
            ["title", "source_id", "section", "places", "url"],
            breakdown="source_id",
        ),
        _search(
            SEARCH_PLACE_ID,
            "khabar — articles mentioning a place (سوريا)",
            "Articles whose text mentions the place, newest first. places holds the gazetteer's "
            "display names (سوريا, دمشق, القاهرة...): edit the name in the query to follow another place; "
            "place_codes holds ISO country codes (SY, EG...) for a whole country with its cities.",
            'places : "سوريا"',
            ["title", "source_id", "places", "section", "url"],
            breakdown="source_id",
        ),
        _search(
            SEARCH_SYRIA_ID,
            "khabar — سوريا in the text, latest first",
            "Full-text match on title and body: khabar's Arabic analysis also matches لـسوريا, "
            "وسوريا, بسوريا, سورية, diacritized and hamza variants.",
            "title : سوريا or body : سوريا",
            ["title", "source_id", "section", "places", "reading_time_minutes"],
        ),
    ]


# --- Lens --------------------------------------------------------------------------------------


def _count(label: str = "Articles", kql: str | None = None) -> dict[str, Any]:
    column: dict[str, Any] = {
        "label": label,
        "customLabel": True,
        "dataType": "number",
        "operationType": "count",
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": _RECORDS,
        # a filtered count (e.g. short bodies) should read 0, not blank
        "params": {"emptyAsNull": kql is None},
    }
    if kql:
        column["filter"] = {"query": kql, "language": "kuery"}
    return column


def _metric(operation: str, field: str, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "number",
        "operationType": operation,
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": field,
        "params": {"emptyAsNull": True},
    }


def _terms(field: str, label: str, size: int, order_by: str, *, other: bool = False) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "string",
        "operationType": "terms",
        "isBucketed": True,
        "scale": "ordinal",
        "sourceField": field,
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": order_by},
            "orderDirection": "desc",
            "otherBucket": other,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
        },
    }


def _date_histogram(field: str = "published_at") -> dict[str, Any]:
    return {
        "label": "published",
        "customLabel": True,
        "dataType": "date",
        "operationType": "date_histogram",
        "isBucketed": True,
        "scale": "interval",
        "sourceField": field,
        "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
    }


def _xy(layer: str, series: str, x: str, accessors: list[str], split: str | None = None) -> dict[str, Any]:
    layer_state: dict[str, Any] = {
        "layerId": layer,
        "layerType": "data",
        "seriesType": series,
        "xAccessor": x,
        "accessors": accessors,
    }
    if split:
        layer_state["splitAccessor"] = split
    on = {"x": True, "yLeft": True, "yRight": True}
    return {
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "fittingFunction": "None",
        "axisTitlesVisibilitySettings": {"x": False, "yLeft": False, "yRight": True},
        "tickLabelsVisibilitySettings": on,
        "gridlinesVisibilitySettings": on,
        "preferredSeriesType": series,
        "layers": [layer_state],
    }


def _table(layer: str, columns: list[str], sort_by: str) -> dict[str, Any]:
    return {
        "layerId": layer,
        "layerType": "data",
        "columns": [{"columnId": c} for c in columns],
        "sorting": {"columnId": sort_by, "direction": "desc"},
        "rowHeight": "single",
        "rowHeightLines": 1,
    }


def _lens(
    id_: str,
    title: str,
    description: str,
    vis_type: str,
    columns: dict[str, dict],
    visualization: dict,
    *,
    query: str = "",
    view: str = DATA_VIEW_ID,
) -> dict[str, Any]:
    layer = visualization["layers"][0]["layerId"] if "layers" in visualization else visualization["layerId"]
    state = {
        "visualization": visualization,
        "query": {"query": query, "language": "kuery"},
        "filters": [],
        "datasourceStates": {
            "formBased": {
                "layers": {layer: {"columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}
            }
        },
        "internalReferences": [],
        "adHocDataViews": {},
    }
    attributes = {"title": title, "description": description, "visualizationType": vis_type, "state": state}
    refs = [_data_view_ref(f"indexpattern-datasource-layer-{layer}", view)]
    return _saved_object("lens", id_, attributes, refs)


def _top_lens(field: str, label: str, size: int, title: str, description: str) -> dict[str, Any]:
    """A horizontal bar chart of the ``size`` most frequent values of ``field``, by articles."""
    return _lens(
        f"khabar-lens-top-{field}",
        title,
        description,
        "lnsXY",
        {label: _terms(field, label, size, "articles"), "articles": _count()},
        _xy(f"top-{field}", "bar_horizontal", label, ["articles"]),
    )


def lens_objects() -> list[dict[str, Any]]:
    per_source = _lens(
        "khabar-lens-articles-per-source",
        "Articles per source over time",
        "Articles by publication time, stacked by source (top 20 sources, the rest as Other).",
        "lnsXY",
        {
            "time": _date_histogram(),
            "source": _terms("source_id", "source", 20, "articles", other=True),
            "articles": _count(),
        },
        _xy("articles-per-source", "bar_stacked", "time", ["articles"], split="source"),
    )
    places = _top_lens(
        "places",
        "place",
        15,
        "Top places",
        "Places the articles mention most (gazetteer names; one article counts once per place).",
    )
    keywords = _top_lens(
        "keywords",
        "keyword",
        20,
        "Top keywords",
        "Keywords extracted at indexing time (YAKE), by number of articles.",
    )
    clusters = _lens(
        "khabar-lens-story-clusters",
        "Stories carried by several outlets",
        "Near-duplicate clusters (cluster_id, MinHash at indexing time) ordered by how many outlets "
        "carried the story. Click a cluster to filter the dashboard: the article list below shows "
        "its copies. Clusters with 1 outlet are stories only one source ran.",
        "lnsDatatable",
        {
            "cluster": _terms("cluster_id", "story cluster", 20, "outlets"),
            "outlets": _metric("unique_count", "source_id", "outlets"),
            "articles": _count(),
        },
        _table("story-clusters", ["cluster", "outlets", "articles"], "outlets"),
    )
    weak_dates = " or ".join(f'published_at_source : "{s}"' for s in WEAK_DATE_SOURCES)
    health = _lens(
        "khabar-lens-extraction-health",
        "Extraction health per source",
        "What the indexer recorded for each source's articles: median body length, bodies under "
        f"{SHORT_BODY_WORDS} words, and publication dates guessed ({', '.join(WEAK_DATE_SOURCES)}) "
        "instead of read from the page's metadata. Pages that failed extraction are not indexed: "
        "they are dead letters on news.dlq.v1 (khabar dlq).",
        "lnsDatatable",
        {
            "source": _terms("source_id", "source", 50, "articles"),
            "articles": _count(),
            "median_words": _metric("median", "word_count", "median words"),
            "short_bodies": _count(
                f"short bodies (<{SHORT_BODY_WORDS} words)", f"word_count < {SHORT_BODY_WORDS}"
            ),
            "guessed_dates": _count("guessed dates", weak_dates),
        },
        _table(
            "extraction-health",
            ["source", "articles", "median_words", "short_bodies", "guessed_dates"],
            "articles",
        ),
    )
    methods = _lens(
        "khabar-lens-extraction-methods",
        "Body extraction method per source",
        "Share of each source's articles whose body came from the source's selectors, JSON-LD or "
        "the generic trafilatura fallback. A source sliding to the fallback usually means its "
        "page layout changed.",
        "lnsXY",
        {
            "source": _terms("source_id", "source", 30, "articles"),
            "method": _terms("extraction_method", "body extracted by", 5, "articles"),
            "articles": _count(),
        },
        _xy(
            "extraction-methods", "bar_horizontal_percentage_stacked", "source", ["articles"], split="method"
        ),
    )
    dates = _lens(
        "khabar-lens-date-sources",
        "Where publication dates come from, per source",
        "Share of each source's articles by the place their publication date was read from "
        "(json-ld, opengraph, meta, time-element, feed... or guessed: htmldate, text, url).",
        "lnsXY",
        {
            "source": _terms("source_id", "source", 30, "articles"),
            "date_source": _terms("published_at_source", "date found in", 10, "articles"),
            "articles": _count(),
        },
        _xy("date-sources", "bar_horizontal_percentage_stacked", "source", ["articles"], split="date_source"),
    )
    undated = _lens(
        "khabar-lens-undated-per-source",
        "Articles without a publication date",
        "Per source, indexed articles for which no publication date was found (all time: this chart "
        "uses the data view without a time field, since the dashboard's time filter hides them).",
        "lnsDatatable",
        {"source": _terms("source_id", "source", 50, "articles"), "articles": _count("undated articles")},
        _table("undated-per-source", ["source", "articles"], "articles"),
        query="not published_at : *",
        view=UNDATED_VIEW_ID,
    )
    return [per_source, places, keywords, clusters, health, undated, methods, dates]


# --- dashboard ---------------------------------------------------------------------------------

#: (panel id, saved object type, saved object id, x, y, w, h) on Kibana's 48-column grid
_PANELS = [
    ("articles-per-source", "lens", "khabar-lens-articles-per-source", 0, 0, 32, 14),
    ("top-places", "lens", "khabar-lens-top-places", 32, 0, 16, 14),
    ("story-clusters", "lens", "khabar-lens-story-clusters", 0, 14, 24, 15),
    ("top-keywords", "lens", "khabar-lens-top-keywords", 24, 14, 24, 15),
    ("extraction-health", "lens", "khabar-lens-extraction-health", 0, 29, 32, 12),
    ("undated-per-source", "lens", "khabar-lens-undated-per-source", 32, 29, 16, 12),
    ("extraction-methods", "lens", "khabar-lens-extraction-methods", 0, 41, 24, 14),
    ("date-sources", "lens", "khabar-lens-date-sources", 24, 41, 24, 14),
    ("recent-articles", "search", SEARCH_RECENT_ID, 0, 55, 48, 20),
]
#: (control id, field, title) of the options-list controls above the panels
_CONTROLS = [("control-source", "source_id", "source"), ("control-place", "places", "place")]


def dashboard() -> dict[str, Any]:
    panels, refs = [], []
    for pid, type_, target, x, y, w, h in _PANELS:
        panels.append(
            {
                "type": type_,
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": pid},
                "panelIndex": pid,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{pid}",
            }
        )
        refs.append({"type": type_, "id": target, "name": f"{pid}:panel_{pid}"})
    controls = {}
    for order, (cid, field, title) in enumerate(_CONTROLS):
        controls[cid] = {
            "order": order,
            "width": "medium",
            "grow": True,
            "type": "optionsListControl",
            "explicitInput": {"id": cid, "fieldName": field, "title": title, "enhancements": {}},
        }
        refs.append(_data_view_ref(f"controlGroup_{cid}:optionsListDataView"))
    attributes = {
        "title": "khabar — Arabic news overview",
        "description": "What khabar indexed: articles per source over time, top places and keywords, "
        "stories carried by several outlets, and extraction health per source.",
        "timeRestore": True,
        "timeFrom": "now-30d",
        "timeTo": "now",
        "refreshInterval": {"pause": True, "value": 60000},
        "optionsJSON": _json(
            {
                "useMargins": True,
                "syncColors": True,
                "syncCursor": True,
                "syncTooltips": False,
                "hidePanelTitles": False,
            }
        ),
        "panelsJSON": _json(panels),
        "controlGroupInput": {
            "controlStyle": "oneLine",
            "chainingSystem": "HIERARCHICAL",
            "panelsJSON": _json(controls),
            "ignoreParentSettingsJSON": _json(
                {
                    "ignoreFilters": False,
                    "ignoreQuery": False,
                    "ignoreTimerange": False,
                    "ignoreValidations": False,
                }
            ),
        },
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": _json({"query": {"query": "", "language": "kuery"}, "filter": []})
        },
        "version": 1,
    }
    return _saved_object("dashboard", DASHBOARD_ID, attributes, refs)


# --- the file ----------------------------------------------------------------------------------


def build_objects(index_pattern: str = DEFAULT_ALIAS) -> list[dict[str, Any]]:
    """Every object, referenced ones first (the order Kibana exports them in does not matter)."""
    views = [data_view(index_pattern), data_view(index_pattern, timed=False)]
    return [*views, *saved_searches(), *lens_objects(), dashboard()]


def to_ndjson(objects: list[dict[str, Any]]) -> bytes:
    return "".join(_json(obj) + "\n" for obj in objects).encode("utf-8")


def load_objects(path: Path = SAVED_OBJECTS_FILE) -> list[dict[str, Any]]:
    """Parse an NDJSON saved-objects file; a bad line raises ValueError naming its line number."""

    return parse_ndjson(path.read_bytes(), source=str(path))


def main() -> None:
    SAVED_OBJECTS_FILE.write_bytes(to_ndjson(build_objects()))
    print(f"wrote {SAVED_OBJECTS_FILE}")  # noqa: T201


if __name__ == "__main__":
    main()
