"""The topic contracts: JSON Schemas (draft 2020-12) generated from the message models.

``schemas/<topic>.json`` is committed; ``python -m pipelines.kafka.contracts`` regenerates it and a unit
test fails when a model and its committed schema drift apart. At run time messages are validated
against the committed file (the generated one when khabar runs from an install without schemas/).

Validation runs twice as a rule of cost, once in effect: jsonschema-rs (compiled, ~0.01 ms per
article) answers "valid?"; only a message it refuses goes through python-jsonschema (~0.8 ms),
whose errors are the ones reported. Where the two disagree python-jsonschema has the last word
(a message it finds no error in passes), except for what python-jsonschema refuses and
jsonschema-rs accepts: a leap second (``23:59:60``) in a ``date-time``; the Article model, checked
right after the schema, refuses it too.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel

from pipelines.kafka.messages import ENRICHED_SCHEMA, DeadLetter, EnrichedArticle, PageMessage
from pipelines.model import ARTICLE_SCHEMA, Article
from pipelines.resources import shipped

SCHEMA_DIR = shipped("schemas")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "urn:khabar:schema:"

#: topic schema name -> (model, title line, description)
CONTRACTS: dict[str, tuple[type[BaseModel], str]] = {
    ARTICLE_SCHEMA: (Article, "A normalized Arabic news article. Kafka key: article_id."),
    "news.pages.v1": (PageMessage, "A raw fetched page, for re-extraction. Kafka key: page_id."),
    "news.dlq.v1": (DeadLetter, "A dead letter: what failed, where, why, and the original payload."),
    ENRICHED_SCHEMA: (
        EnrichedArticle,
        "An article with the indexer's enrichment (language, keywords, places, reading time, "
        "near-duplicate cluster), as indexed. Kafka key: article_id.",
    ),
}

_EVOLUTION = (
    "Major version 1: changes are additive only (new optional fields, new enum values in new fields). "
    "Readers must ignore properties they do not know; this schema never forbids additional properties."
)


def generate_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of topic message ``name``, generated from its model."""
    model, description = CONTRACTS[name]
    body = model.model_json_schema(by_alias=True, mode="validation")
    _strip_titles(body)
    schema_version = model.model_fields["schema_version"].default
    major = schema_version.split(".")[0]
    props = body["properties"]
    # The major version is fixed by the topic name; minor/patch grow with additive changes.
    props["schema_version"] = {
        "type": "string",
        "pattern": rf"^{major}\.[0-9]+\.[0-9]+$",
        "default": schema_version,
        "description": "Semantic version of this schema the producer wrote with",
    }
    for field in ("schema", "schema_version"):
        if field not in body.get("required", []):
            body.setdefault("required", []).insert(0, field)
    return {
        "$schema": DRAFT,
        "$id": f"{ID_BASE}{name}",
        "title": name,
        "description": f"{description} {_EVOLUTION}",
        "x-schema-version": schema_version,
        **{k: v for k, v in body.items() if k not in {"title", "description"}},
    }


def _strip_titles(node: Any) -> None:
    # pydantic's per-property titles only repeat the property names; they would make every
    # docstring tweak look like a contract change. (A *property* named "title" stays, of course.)
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            del node["title"]
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    _strip_titles(sub)
            else:
                _strip_titles(value)
    elif isinstance(node, list):
        for value in node:
            _strip_titles(value)


def schema_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.json"


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schemas() -> list[Path]:
    """Regenerate every committed schema file; returns the paths written."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    paths = []
    for name in CONTRACTS:
        path = schema_path(name)
        path.write_text(render(generate_schema(name)), encoding="utf-8")
        paths.append(path)
    return paths


@cache
def load_schema(name: str) -> dict[str, Any]:
    path = schema_path(name)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    return generate_schema(name)


@cache
def validator(name: str) -> Draft202012Validator:
    """A draft 2020-12 validator for topic message ``name``, with format checks on."""
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@cache
def fast_validator(name: str) -> jsonschema_rs.Draft202012Validator:
    """The same schema compiled by jsonschema-rs: the cheap "valid?" of the common case."""
    return jsonschema_rs.Draft202012Validator(load_schema(name), validate_formats=True)


def schema_errors(name: str, value: Any) -> list[str]:
    """Every way ``value`` breaks the contract of ``name``, as ``path: message`` lines (empty if valid)."""
    try:
        valid = fast_validator(name).is_valid(value)  # the common case, ~80x cheaper than python-jsonschema
    except Exception:  # a value it cannot take (e.g. an integer over 64 bits): python-jsonschema decides
        valid = False
    if valid:
        return []
    check = validator(name)
    errors = sorted(check.iter_errors(value), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def is_known(name: str) -> bool:
    return name in CONTRACTS


if __name__ == "__main__":  # python -m pipelines.kafka.contracts: regenerate schemas/
    for written in write_schemas():
        print(written)  # noqa: T201
