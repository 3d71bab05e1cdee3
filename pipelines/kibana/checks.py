"""Checks of a saved-objects file that need no Kibana.

- :func:`parse_ndjson`: every line is a JSON saved object (``type``, ``id``, ``attributes``);
- :func:`reference_problems`: every reference points at an object of the file, and every place
  Kibana looks a reference up by name (search source index, Lens layers, dashboard panels and
  controls) finds one;
- :func:`field_uses` + :func:`field_problems`: every field an object names exists in the index
  and can do what the object asks of it (a Lens terms split needs an aggregatable field, a KQL
  query a searchable one, a time field a date), judged from Elasticsearch's ``_field_caps``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from pipelines.kibana.errors import KibanaAssetsError

RECORDS = "___records___"
_QUOTED = re.compile(r'"(?:\\.|[^"\\])*"')
# ``field : value``, ``field:value``, ``field < 100``, ``field >= x`` (after quoted strings are blanked)
_KQL_FIELD = re.compile(r"(?<![\w.*])([A-Za-z_@][\w.@]*)\s*(?::|<=?|>=?)")


def parse_ndjson(data: bytes, *, source: str = "<ndjson>") -> list[dict[str, Any]]:
    """The saved objects of an NDJSON file; Kibana's export summary line is skipped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KibanaAssetsError(f"{source}: not UTF-8 ({exc})") from exc
    objects: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KibanaAssetsError(f"{source}:{lineno}: not JSON ({exc.msg}, column {exc.colno})") from exc
        if isinstance(obj, dict) and "exportedCount" in obj:
            continue
        if not (
            isinstance(obj, dict)
            and isinstance(obj.get("type"), str)
            and isinstance(obj.get("id"), str)
            and isinstance(obj.get("attributes"), dict)
            and isinstance(obj.get("references", []), list)
        ):
            raise KibanaAssetsError(
                f"{source}:{lineno}: not a saved object (needs string type and id, object attributes)"
            )
        key = (obj["type"], obj["id"])
        if key in seen:
            raise KibanaAssetsError(f"{source}:{lineno}: duplicate {obj['type']} {obj['id']!r}")
        seen.add(key)
        objects.append(obj)
    if not objects:
        raise KibanaAssetsError(f"{source}: no saved objects")
    return objects


def _nested(obj: dict[str, Any], *path: str) -> Any:
    """A JSON-in-a-string attribute (``panelsJSON``...) decoded; {} when absent."""
    value: Any = obj["attributes"]
    for key in path:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise KibanaAssetsError(
            f"{obj['type']} {obj['id']}: {'.'.join(path)} is not JSON ({exc.msg})"
        ) from exc


def _search_source(obj: dict[str, Any]) -> dict[str, Any]:
    return _nested(obj, "kibanaSavedObjectMeta", "searchSourceJSON") or {}


def _lens_layers(obj: dict[str, Any]) -> dict[str, Any]:
    state = obj["attributes"].get("state") or {}
    return state.get("datasourceStates", {}).get("formBased", {}).get("layers", {})


def reference_problems(objects: list[dict[str, Any]]) -> list[str]:
    present = {(o["type"], o["id"]) for o in objects}
    problems: list[str] = []
    for obj in objects:
        label = f"{obj['type']} {obj['id']}"
        names = {ref.get("name") for ref in obj.get("references", [])}
        for ref in obj.get("references", []):
            if (ref.get("type"), ref.get("id")) not in present:
                problems.append(
                    f"{label}: reference {ref.get('name')!r} -> {ref.get('type')} {ref.get('id')!r} is not in the file"
                )
        wanted: list[str] = []
        if obj["type"] == "search":
            wanted.append(
                _search_source(obj).get("indexRefName", "kibanaSavedObjectMeta.searchSourceJSON.index")
            )
        elif obj["type"] == "lens":
            wanted += [f"indexpattern-datasource-layer-{layer}" for layer in _lens_layers(obj)]
        elif obj["type"] == "dashboard":
            for panel in _nested(obj, "panelsJSON") or []:
                if "panelRefName" in panel:
                    # Kibana 8.x/9.x prefix panel references with the panel index; older files did not
                    prefixed = f"{panel.get('panelIndex')}:{panel['panelRefName']}"
                    wanted.append(prefixed if prefixed in names else panel["panelRefName"])
            for control_id in _nested(obj, "controlGroupInput", "panelsJSON") or {}:
                wanted.append(f"controlGroup_{control_id}:optionsListDataView")
        problems += [f"{label}: no reference named {name!r}" for name in wanted if name not in names]
    return problems


@dataclass(frozen=True)
class FieldUse:
    """One field named by one saved object, and what the object needs it to be."""

    object: str  # "lens khabar-lens-top-places"
    where: str  # "column place (terms)"
    field: str
    needs: str  # "exists" | "searchable" | "aggregatable" | "date"


def kql_fields(query: str) -> set[str]:
    """Field names a KQL query names (``field : value``, ``field < 10``); free text names none."""
    return set(_KQL_FIELD.findall(_QUOTED.sub('""', query or "")))


def _query_uses(label: str, where: str, query: Any) -> Iterator[FieldUse]:
    if isinstance(query, dict) and query.get("language", "kuery") == "kuery":
        for field in sorted(kql_fields(str(query.get("query", "")))):
            yield FieldUse(label, where, field, "searchable")


def _filter_uses(label: str, filters: Iterable[dict[str, Any]]) -> Iterator[FieldUse]:
    for f in filters or []:
        key = (f.get("meta") or {}).get("key")
        if key:
            yield FieldUse(label, "filter", key, "searchable")


def field_uses(objects: list[dict[str, Any]]) -> list[FieldUse]:
    uses: list[FieldUse] = []
    for obj in objects:
        label, attrs = f"{obj['type']} {obj['id']}", obj["attributes"]
        if obj["type"] == "index-pattern":
            if attrs.get("timeFieldName"):
                uses.append(FieldUse(label, "timeFieldName", attrs["timeFieldName"], "date"))
            uses += [
                FieldUse(label, "fieldFormatMap", f, "exists") for f in _nested(obj, "fieldFormatMap") or {}
            ]
            uses += [FieldUse(label, "fieldAttrs", f, "exists") for f in _nested(obj, "fieldAttrs") or {}]
            uses += [
                FieldUse(label, "sourceFilters", f["value"], "exists")
                for f in _nested(obj, "sourceFilters") or []
            ]
        elif obj["type"] == "search":
            uses += [FieldUse(label, "columns", c, "exists") for c in attrs.get("columns", [])]
            uses += [FieldUse(label, "sort", pair[0], "aggregatable") for pair in attrs.get("sort", [])]
            if attrs.get("breakdownField"):
                uses.append(FieldUse(label, "breakdownField", attrs["breakdownField"], "aggregatable"))
            source = _search_source(obj)
            uses += _query_uses(label, "query", source.get("query"))
            uses += _filter_uses(label, source.get("filter", []))
        elif obj["type"] == "lens":
            state = attrs.get("state") or {}
            uses += _query_uses(label, "query", state.get("query"))
            uses += _filter_uses(label, state.get("filters", []))
            for layer in _lens_layers(obj).values():
                for cid, column in layer.get("columns", {}).items():
                    where = f"column {cid} ({column.get('operationType')})"
                    field = column.get("sourceField")
                    if field and field != RECORDS:
                        need = "date" if column.get("operationType") == "date_histogram" else "aggregatable"
                        uses.append(FieldUse(label, where, field, need))
                    uses += _query_uses(label, f"{where} filter", column.get("filter"))
        elif obj["type"] == "dashboard":
            uses += _query_uses(label, "query", _search_source(obj).get("query"))
            uses += _filter_uses(label, _search_source(obj).get("filter", []))
            for cid, control in (_nested(obj, "controlGroupInput", "panelsJSON") or {}).items():
                field = (control.get("explicitInput") or {}).get("fieldName")
                if field:
                    uses.append(FieldUse(label, f"control {cid}", field, "aggregatable"))
    return uses


def _mapping_paths(properties: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        yield path, spec.get("type", "object")
        yield from _mapping_paths(spec.get("properties", {}), f"{path}.")
        yield from _mapping_paths(spec.get("fields", {}), f"{path}.")


def field_caps(es: Elasticsearch, index: str) -> dict[str, dict[str, Any]]:
    """``{field: {"type", "searchable", "aggregatable"}}`` of ``index`` (an alias works), subfields included.

    From ``_field_caps``, plus the mapping's own paths: a disabled object (``blocks``) is in the
    mapping and in ``_source`` (so Discover shows it) but ``_field_caps`` leaves it out.
    """
    caps: dict[str, dict[str, Any]] = {}
    for mapping in es.indices.get_mapping(index=index).body.values():
        for path, type_ in _mapping_paths(mapping.get("mappings", {}).get("properties", {})):
            caps[path] = {"type": type_, "searchable": False, "aggregatable": False}
    body = es.field_caps(index=index, fields="*").body
    for name, by_type in body.get("fields", {}).items():
        for type_, info in by_type.items():
            if type_ != "unmapped":
                caps[name] = {
                    "type": type_,
                    "searchable": bool(info.get("searchable")),
                    "aggregatable": bool(info.get("aggregatable")),
                }
    return caps


def field_problems(uses: Iterable[FieldUse], caps: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for use in uses:
        cap = caps.get(use.field)
        if cap is None:
            problems.append(
                f"{use.object}: {use.where} names {use.field!r}, which is not in the index mapping"
            )
        elif use.needs == "date" and (cap["type"] not in ("date", "date_nanos") or not cap["aggregatable"]):
            problems.append(f"{use.object}: {use.where} needs a date field, {use.field!r} is {cap['type']}")
        elif use.needs in ("searchable", "aggregatable") and not cap[use.needs]:
            problems.append(
                f"{use.object}: {use.where} needs {use.field!r} {use.needs}, it is not ({cap['type']})"
            )
    return problems


def check_against_elasticsearch(es: Elasticsearch, index: str, objects: list[dict[str, Any]]) -> list[str]:
    """Every field problem of ``objects`` against the live mapping behind ``index``."""
    return field_problems(field_uses(objects), field_caps(es, index))
