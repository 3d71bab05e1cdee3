"""Golden messages: one real message per topic schema and released version (tests/fixtures/golden,
written by its generate.py from the real code path). Each must stay valid against every later
version of its schema (the released ones and the current one) and readable by today's models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from pipelines.config import PROJECT_ROOT
from pipelines.kafka.compat import released_versions
from pipelines.kafka.contracts import CONTRACTS, schema_path

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
SCHEMAS = PROJECT_ROOT / "schemas"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _golden() -> list[tuple[str, str, Path]]:
    return sorted((p.parent.name, p.stem, p) for p in GOLDEN.glob("*/*.json"))


def _later_schemas(name: str, version: str) -> list[tuple[str, dict[str, Any]]]:
    """Every version of ``name`` at or after ``version``: released ones, then the current file."""
    later = [
        (v, json.loads(p.read_text(encoding="utf-8")))
        for v, p in released_versions(SCHEMAS, name)
        if _version(v) >= _version(version)
    ]
    current = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return [*later, (f"current {current['x-schema-version']}", current)]


def test_every_topic_and_version_has_a_golden_message() -> None:
    have = {(name, version) for name, version, _ in _golden()}
    for name in CONTRACTS:
        versions = [v for v, _ in released_versions(SCHEMAS, name)]
        current = json.loads(schema_path(name).read_text(encoding="utf-8"))["x-schema-version"]
        for version in {*versions, current}:
            assert (name, version) in have, (
                f"no golden message for {name} {version}: run tests/fixtures/golden/generate.py"
            )


@pytest.mark.parametrize(("name", "version", "path"), _golden(), ids=lambda v: str(v).rsplit("/", 2)[-1])
def test_golden_message_is_valid_against_every_later_version(name: str, version: str, path: Path) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    value = record["value"]
    assert value["schema"] == name and value["schema_version"] == version
    assert record["headers"]["ce_type"] == f"{name}:{version}"
    checked = []
    for label, schema in _later_schemas(name, version):
        errors = [
            e.message for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(value)
        ]
        assert not errors, f"{name} {version} golden message is invalid against {label}: {errors[:3]}"
        checked.append(label)
    assert checked, "compared with at least the current schema"
    model, _ = CONTRACTS[name]
    model.model_validate(value)  # today's reader still parses it


def test_a_golden_message_would_catch_a_breaking_schema() -> None:
    """The check above can fail: the article golden message against a schema that requires a field
    it does not have."""
    record = json.loads((GOLDEN / "news.articles.v1" / "1.0.0.json").read_text(encoding="utf-8"))
    schema = json.loads(schema_path("news.articles.v1").read_text(encoding="utf-8"))
    schema["required"].append("subtitle")
    assert not Draft202012Validator(schema).is_valid(record["value"])
