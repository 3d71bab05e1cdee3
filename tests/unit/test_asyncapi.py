"""schemas/asyncapi.yaml: a valid AsyncAPI 3.0.0 document (against the official JSON Schema,
vendored in tests/fixtures/asyncapi/ and resolved offline) that names every topic ``khabar topics
create`` makes, with the same cleanup policy and retention, and headers that match what khabar
really sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from article_factory import article_headers, make_article
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.kafka.topics import topic_specs

SCHEMAS = PROJECT_ROOT / "schemas"
OFFICIAL = Path(__file__).parents[1] / "fixtures" / "asyncapi" / "3.0.0.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def asyncapi_validator() -> Draft7Validator:
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    # The bundled schema keeps each definition's $id: crawling registers them, so every $ref
    # (bindings included) resolves inside the file. Anything else would be an error, not a fetch.
    registry = Registry().with_resource(official["$id"], Resource(official, DRAFT7)).crawl()
    return Draft7Validator(official, registry=registry)


def test_the_vendored_schema_is_the_official_one_with_its_licence() -> None:
    folder = OFFICIAL.parent
    assert (folder / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert "7dd3990d9fff9df76e81c8d2ab544e0000f29aff" in (folder / "README.md").read_text()
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    assert official["$id"] == "http://asyncapi.com/definitions/3.0.0/asyncapi.json"
    assert official["properties"]["asyncapi"]["const"] == "3.0.0"


def test_document_is_valid_asyncapi_3(document: dict[str, Any], asyncapi_validator: Draft7Validator) -> None:
    errors = sorted(asyncapi_validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


def test_the_validator_really_rejects_a_broken_document(
    document: dict[str, Any], asyncapi_validator: Draft7Validator
) -> None:
    broken = json.loads(json.dumps(document))
    broken["operations"]["publishArticles"]["action"] = "publish"  # AsyncAPI 2 wording
    broken["channels"]["articles"]["bindings"]["kafka"]["partitions"] = 0
    paths = {"/".join(map(str, e.absolute_path)) for e in asyncapi_validator.iter_errors(broken)}
    assert paths, "a broken document must not validate"


def _channels_by_topic(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {channel["address"]: channel for channel in document["channels"].values()}


def test_every_topic_khabar_creates_is_described(document: dict[str, Any]) -> None:
    specs = topic_specs(Settings())
    channels = _channels_by_topic(document)
    assert {s.name for s in specs} <= set(channels), "a topic of `khabar topics create` is missing"
    for spec in specs:
        binding = channels[spec.name]["bindings"]["kafka"]
        assert binding["topic"] == spec.name
        assert binding["partitions"] == spec.partitions, spec.name
        config = binding["topicConfiguration"]
        assert config["cleanup.policy"] == spec.configs["cleanup.policy"].split(","), spec.name
        for key in ("retention.ms", "retention.bytes", "max.message.bytes", "min.compaction.lag.ms"):
            if key in spec.configs:
                assert str(config.get(key)) == spec.configs[key], f"{spec.name} {key}"


def test_payloads_reference_the_committed_json_schemas(document: dict[str, Any]) -> None:
    channels = _channels_by_topic(document)
    for topic, channel in channels.items():
        for ref in channel["messages"].values():
            name = ref["$ref"].rsplit("/", 1)[-1]
            message = document["components"]["messages"][name]
            target = SCHEMAS / message["payload"]["schema"]["$ref"]
            schema = json.loads(target.read_text(encoding="utf-8"))
            assert schema["title"] == topic == message["title"]


def test_every_topic_has_a_publisher_and_a_consumer(document: dict[str, Any]) -> None:
    actions: dict[str, set[str]] = {}
    for operation in document["operations"].values():
        channel = operation["channel"]["$ref"].rsplit("/", 1)[-1]
        actions.setdefault(document["channels"][channel]["address"], set()).add(operation["action"])
        assert operation.get("x-khabar-component"), "say which component it is"
    assert all(found == {"send", "receive"} for found in actions.values()), actions
    assert set(actions) == set(_channels_by_topic(document))


def test_documented_headers_match_what_khabar_sends(document: dict[str, Any]) -> None:
    article = make_article(1)
    sent = article_headers(article)
    described = document["components"]["schemas"]["headers"]
    assert set(sent) <= set(described["properties"]), set(sent) - set(described["properties"])
    errors = list(
        Draft202012Validator(described, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(sent)
    )
    assert not errors, [e.message for e in errors]
