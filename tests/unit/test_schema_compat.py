"""``khabar schemas check``: crafted schema pairs for each rule (breaking and allowed), the shapes
pydantic generates ($defs refs, anyOf with null), and the check on the repository's own schemas."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.config import PROJECT_ROOT
from pipelines.kafka.compat import check_dir, compare

BASE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "x-schema-version": "1.0.0",
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "title": {"type": "string", "minLength": 1},
        "count": {"type": "integer", "minimum": 0},
        "stage": {"enum": ["fetch", "index"], "type": "string"},
        "section": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "kind": {"anyOf": [{"$ref": "#/$defs/Kind"}, {"type": "null"}], "default": None},
        "blocks": {"type": "array", "items": {"$ref": "#/$defs/Block"}},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["id", "title"],
    "$defs": {
        "Kind": {"enum": ["p", "h2"], "type": "string"},
        "Block": {
            "type": "object",
            "properties": {"kind": {"type": "string"}, "text": {"type": "string"}},
            "required": ["text"],
        },
    },
}


def changed(edit) -> dict[str, Any]:
    new = copy.deepcopy(BASE)
    edit(new)
    return new


def rules(new: dict[str, Any]) -> set[str]:
    return {f.rule for f in compare(BASE, new)}


def test_identical_schemas_are_compatible() -> None:
    assert compare(BASE, copy.deepcopy(BASE)) == []


BREAKING = {
    "required field added (new field)": (
        lambda s: (s["properties"].update(lang={"type": "string"}), s["required"].append("lang")),
        "required field added",
    ),
    "optional field made required": (lambda s: s["required"].append("count"), "required field added"),
    "required field made optional": (lambda s: s["required"].remove("title"), "required field made optional"),
    "field removed": (lambda s: s["properties"].pop("count"), "field removed or renamed"),
    "field renamed": (
        lambda s: (
            s["properties"].__setitem__("headline", s["properties"].pop("title"))
            or s["required"].__setitem__(1, "headline")
        ),
        "field removed or renamed",
    ),
    "anyOf branch removed": (
        lambda s: s["properties"]["section"].__setitem__("anyOf", [{"type": "string"}]),
        "type narrowed",
    ),
    "type changed": (lambda s: s["properties"]["count"].__setitem__("type", "string"), "type narrowed"),
    "nullable made non-null": (
        lambda s: s["properties"].__setitem__("section", {"type": "string"}),
        "type narrowed",
    ),
    "enum narrowed": (lambda s: s["properties"]["stage"].__setitem__("enum", ["fetch"]), "enum narrowed"),
    "enum narrowed behind a $ref": (lambda s: s["$defs"]["Kind"].__setitem__("enum", ["p"]), "enum narrowed"),
    "enum added to a free field": (
        lambda s: s["properties"]["title"].__setitem__("enum", ["a"]),
        "enum narrowed",
    ),
    "const added": (lambda s: s["properties"]["title"].__setitem__("const", "a"), "enum narrowed"),
    "additionalProperties tightened": (
        lambda s: s.__setitem__("additionalProperties", False),
        "additionalProperties tightened",
    ),
    "additionalProperties given a schema": (
        lambda s: s.__setitem__("additionalProperties", {"type": "string"}),
        "additionalProperties tightened",
    ),
    "additionalProperties value type narrowed": (
        lambda s: s["properties"]["headers"].__setitem__("additionalProperties", {"type": "integer"}),
        "type narrowed",
    ),
    "unevaluatedProperties tightened": (
        lambda s: s.__setitem__("unevaluatedProperties", False),
        "unevaluatedProperties tightened",
    ),
    "nested required field added": (
        lambda s: s["$defs"]["Block"]["required"].append("kind"),
        "required field added",
    ),
    "array item type changed": (
        lambda s: s["properties"]["blocks"].__setitem__("items", {"type": "string"}),
        "type narrowed",
    ),
    "minimum raised": (lambda s: s["properties"]["count"].__setitem__("minimum", 1), "constraint tightened"),
    "minLength raised": (
        lambda s: s["properties"]["title"].__setitem__("minLength", 5),
        "constraint tightened",
    ),
    "maxLength added": (lambda s: s["properties"]["title"].__setitem__("maxLength", 500), "constraint added"),
    "pattern changed": (
        lambda s: s["properties"]["id"].__setitem__("pattern", "^[0-9a-f]{64}$"),
        "constraint changed",
    ),
    "format added": (lambda s: s["properties"]["title"].__setitem__("format", "uri"), "constraint added"),
}


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_breaking_change_is_reported(case: str) -> None:
    edit, rule = BREAKING[case]
    assert rule in rules(changed(edit)), compare(BASE, changed(edit))


ALLOWED = {
    "optional field added": lambda s: s["properties"].update(lang={"type": "string"}),
    "optional object field added": lambda s: s["properties"].update(
        origin={"anyOf": [{"$ref": "#/$defs/Block"}, {"type": "null"}], "default": None}
    ),
    "enum widened": lambda s: s["properties"]["stage"].__setitem__("enum", ["fetch", "index", "enrich"]),
    "enum widened behind a $ref": lambda s: s["$defs"]["Kind"].__setitem__("enum", ["p", "h2", "h3"]),
    "type widened (integer -> number)": lambda s: s["properties"]["count"].__setitem__("type", "number"),
    "type widened (string -> string|null)": lambda s: s["properties"].__setitem__(
        "title", {"anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}]}
    ),
    "descriptions and defaults changed": lambda s: (
        s["properties"]["title"].__setitem__("description", "The headline"),
        s["properties"]["section"].__setitem__("default", "news"),
    ),
    "constraint loosened": lambda s: (
        s["properties"]["count"].__setitem__("minimum", -1),
        s["properties"]["title"].pop("minLength"),
    ),
    "pattern removed": lambda s: s["properties"]["id"].pop("pattern"),
}


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_allowed_change_passes(case: str) -> None:
    new = changed(ALLOWED[case])
    assert compare(BASE, new) == []


def test_findings_say_where_and_hint_at_a_rename() -> None:
    new = changed(lambda s: s["properties"].__setitem__("headline", s["properties"].pop("title")))
    (removed,) = [f for f in compare(BASE, new) if f.rule == "field removed or renamed"]
    assert removed.path == "/title"
    assert "headline" in removed.detail


# -- the files and the command ---------------------------------------------------------------------


def _schema_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    (folder / "released" / "news.test.v1").mkdir(parents=True)
    (folder / "released" / "news.test.v1" / "1.0.0.json").write_text(json.dumps(BASE))
    (folder / "index-template.json").write_text(json.dumps({"template": {}}))  # not a JSON Schema: ignored
    return folder


def test_check_dir_compares_with_every_released_version(tmp_path: Path) -> None:
    folder = _schema_dir(tmp_path)
    v11 = changed(
        lambda s: (s["properties"].update(lang={"type": "string"}), s.update({"x-schema-version": "1.1.0"}))
    )
    (folder / "released" / "news.test.v1" / "1.1.0.json").write_text(json.dumps(v11))
    # 1.2.0 drops the field 1.1.0 added: compatible with 1.0.0, not with 1.1.0 (transitive check).
    current = changed(lambda s: s.__setitem__("x-schema-version", "1.2.0"))
    (folder / "news.test.v1.json").write_text(json.dumps(current))
    (report,) = check_dir(folder)
    assert report.released == ["1.0.0", "1.1.0"]
    assert report.findings["1.0.0"] == []
    assert [f.rule for f in report.findings["1.1.0"]] == ["field removed or renamed"]
    assert not report.ok


def test_a_released_version_is_immutable(tmp_path: Path) -> None:
    folder = _schema_dir(tmp_path)
    # An allowed change, but still called 1.0.0: readers could not tell the two apart.
    same_version = changed(
        lambda s: (s["properties"].update(lang={"type": "string"}), s.update({"x-schema-version": "1.0.0"}))
    )
    (folder / "news.test.v1.json").write_text(json.dumps(same_version))
    (report,) = check_dir(folder)
    assert [f.rule for f in report.findings["1.0.0"]] == ["released version changed"]
    bumped = changed(
        lambda s: (s["properties"].update(lang={"type": "string"}), s.update({"x-schema-version": "1.1.0"}))
    )
    (folder / "news.test.v1.json").write_text(json.dumps(bumped))
    assert check_dir(folder)[0].ok
    backwards = changed(lambda s: s.update({"x-schema-version": "0.9.0"}))
    (folder / "news.test.v1.json").write_text(json.dumps(backwards))
    assert [f.rule for f in check_dir(folder)[0].findings["1.0.0"]] == ["version went backwards"]


def test_command_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = _schema_dir(tmp_path)
    added = changed(
        lambda s: (s["properties"].update(lang={"type": "string"}), s.update({"x-schema-version": "1.1.0"}))
    )
    (folder / "news.test.v1.json").write_text(json.dumps(added))
    ok = runner.invoke(app, ["schemas", "check", "--dir", str(folder)])
    assert ok.exit_code == 0, ok.output
    assert "ok" in ok.output and "news.test.v1" in ok.output

    required = changed(lambda s: (s["required"].append("count"), s.update({"x-schema-version": "1.1.0"})))
    (folder / "news.test.v1.json").write_text(json.dumps(required))
    broken = runner.invoke(app, ["schemas", "check", "--dir", str(folder)])
    assert broken.exit_code == 1
    assert "BREAKING" in broken.output and "required field added" in broken.output

    (folder / "news.test.v1.json").unlink()  # a released schema that disappeared
    gone = runner.invoke(app, ["schemas", "check", "--dir", str(folder)])
    assert gone.exit_code == 1 and "removed" in gone.output


def test_the_repository_schemas_pass_against_their_released_versions() -> None:
    result = CliRunner().invoke(app, ["schemas", "check"])
    assert result.exit_code == 0, result.output
    reports = check_dir(PROJECT_ROOT / "schemas")
    names = {r.name for r in reports}
    assert {"news.articles.v1", "news.pages.v1", "news.dlq.v1", "news.articles.enriched.v1"} <= names
    assert all(r.released for r in reports), "every topic schema has a released baseline"


def test_the_check_catches_a_breaking_edit_of_a_real_schema(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    shutil.copytree(PROJECT_ROOT / "schemas", folder)
    article = json.loads((folder / "news.articles.v1.json").read_text())
    article["required"].append("section")  # an optional field made required
    article["x-schema-version"] = "1.1.0"
    (folder / "news.articles.v1.json").write_text(json.dumps(article))
    (report,) = [r for r in check_dir(folder) if r.name == "news.articles.v1"]
    assert [str(f) for f in report.findings["1.0.0"]] == [
        "/section: required field added: 'section' (was optional)"
    ]
