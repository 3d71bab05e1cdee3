"""The topic contracts: committed schemas match the models, messages validate, v1 readers are
forward compatible (unknown fields accepted), and format checks are really on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from article_factory import make_article, make_page
from jsonschema import Draft202012Validator, FormatChecker

from pipelines.config import Settings
from pipelines.errors import ExtractionError
from pipelines.kafka.contracts import CONTRACTS, generate_schema, render, schema_errors, schema_path
from pipelines.kafka.dlq import DeadLetterWriter, read_spooled
from pipelines.kafka.messages import DeadLetter, PageMessage, TopicPosition, payload_bytes
from pipelines.model import Article, ErrorRecord

NAMES = sorted(CONTRACTS)


@pytest.mark.parametrize("name", NAMES)
def test_committed_schema_matches_its_model(name: str) -> None:
    committed = schema_path(name).read_text(encoding="utf-8")
    assert committed == render(generate_schema(name)), (
        f"schemas/{name}.json drifted from its model: run `python -m pipelines.kafka.contracts` and review the diff"
    )


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_draft_2020_12_and_names_its_version(name: str) -> None:
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == name
    assert {"schema", "schema_version"} <= set(schema["required"])
    assert schema["properties"]["schema"]["const"] == name


def _walk(node: Any) -> list[dict]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


@pytest.mark.parametrize("name", NAMES)
def test_schema_never_forbids_additional_properties(name: str) -> None:
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    for node in _walk(schema):
        assert node.get("additionalProperties", True) is not False
        assert node.get("unevaluatedProperties", True) is not False


def test_article_message_validates_and_round_trips() -> None:
    article = make_article(1)
    message = article.to_message()
    assert message["schema"] == "news.articles.v1"
    assert schema_errors("news.articles.v1", message) == []
    assert Article.from_message(json.loads(json.dumps(message))) == article


def test_format_checks_are_on() -> None:
    message = make_article(2).to_message()
    message["fetched_at"] = "yesterday at noon"
    errors = schema_errors("news.articles.v1", message)
    assert any(e.startswith("fetched_at:") and "date-time" in e for e in errors), errors
    assert FormatChecker().conforms("2026-11-02T09:00:00Z", "date-time")


def test_invalid_article_reports_each_broken_field() -> None:
    message = make_article(3).to_message()
    message["article_id"] = "not-a-hash"
    del message["title"]
    errors = schema_errors("news.articles.v1", message)
    assert any(e.startswith("article_id:") for e in errors)
    assert any("'title' is a required property" in e for e in errors)


def test_every_model_field_is_described_in_the_schema() -> None:
    for name, (model, _) in CONTRACTS.items():
        schema = generate_schema(name)
        fields = {f.alias or n for n, f in model.model_fields.items()}
        assert fields == set(schema["properties"]), name
    message = make_article(3).to_message() | {"title": ""}
    assert any(e.startswith("title:") for e in schema_errors("news.articles.v1", message))


def test_v1_reader_accepts_a_later_v1_message_with_unknown_fields() -> None:
    """Additive change within major 1: new top-level and nested fields, a later minor version."""
    message = make_article(4).to_message()
    message["schema_version"] = "1.7.0"
    message["sentiment"] = {"label": "neutral", "score": 0.1}
    message["body"][0]["speaker"] = "لافروف"
    assert schema_errors("news.articles.v1", message) == []
    article = Article.from_message(message)
    assert article.article_id == message["article_id"]
    assert article.body[0].text == message["body"][0]["text"]


def test_major_version_2_is_not_a_v1_message() -> None:
    message = make_article(5).to_message()
    message["schema_version"] = "2.0.0"
    assert any(e.startswith("schema_version:") for e in schema_errors("news.articles.v1", message))


def test_page_message_keeps_the_raw_bytes_compressed() -> None:
    article = make_article(6)
    page = make_page(article, size=50_000)
    message = PageMessage.from_raw_page(page)
    value = message.to_message()
    assert schema_errors("news.pages.v1", value) == []
    assert value["body_encoding"] == "zstd+base64"
    assert len(value["body"]) < len(page.body) / 4  # padding compresses away
    assert set(value["headers"]) == {"content-type", "last-modified"}
    back = PageMessage.from_message(value).to_raw_page()
    assert back.body == page.body
    assert back.url == page.url and back.charset == "utf-8"


def test_dead_letter_from_error_record_validates() -> None:
    error = ErrorRecord.from_exception(
        ExtractionError("no main text", reason="empty_body"),
        source_id="src",
        stage="extract",
        url="https://news.example.org/x",
    )
    letter = DeadLetter.from_error(error, payload={"url": "https://news.example.org/x"}, target_topic=None)
    value = letter.to_message()
    assert schema_errors("news.dlq.v1", value) == []
    assert value["stage"] == "extract" and value["reason"] == "empty_body"
    assert value["error_class"] == "ExtractionError"
    assert payload_bytes(letter) == b'{"url":"https://news.example.org/x"}'


def test_oversized_payload_goes_by_reference(tmp_path) -> None:
    settings = Settings(home=tmp_path, kafka_max_message_bytes=64 * 1024)
    writer = DeadLetterWriter(settings)  # building needs no broker
    big = make_article(7, body="خبر " * 40_000).to_message()
    letter = writer.build(stage="publish", error=ValueError("too big"), payload=big, target_topic="t")
    assert letter.payload_format == "ref" and letter.payload is None
    assert letter.payload_ref is not None and letter.payload_ref.location.startswith("file://")
    assert letter.reason == "value_error"
    assert json.loads(read_spooled(letter.payload_ref.location)) == big
    assert schema_errors("news.dlq.v1", letter.to_message()) == []

    origin = TopicPosition(topic="news.articles.v1", partition=2, offset=41)
    from_topic = writer.build(stage="index", error=ValueError("x"), payload=big, origin=origin)
    assert from_topic.payload_ref.location == "kafka://news.articles.v1/2/41"
    assert schema_errors("news.dlq.v1", from_topic.to_message()) == []


def test_small_payload_stays_inline(tmp_path) -> None:
    writer = DeadLetterWriter(Settings(home=tmp_path))
    raw = b"\xff\xfe not json"
    letter = writer.build(stage="consume", error=ValueError("bad json"), payload=raw)
    assert letter.payload_format == "base64"
    assert payload_bytes(letter) == raw
    assert schema_errors("news.dlq.v1", letter.to_message()) == []


def _broken_articles() -> list[tuple[str, Any]]:
    """One valid article message and ways to break (or nearly break) each kind of rule."""
    base = make_article(4).to_message()
    cases: list[tuple[str, Any]] = [
        ("valid", base),
        ("unknown field", {**base, "x": {"deep": [1, 2.5, None]}}),
    ]
    for field, value in [
        ("article_id", "ABC"),
        ("article_id", base["article_id"] + "\n"),  # Python's `$` matches before a final newline
        ("title", ""),
        ("title", 7),
        ("schema", "news.pages.v1"),
        ("schema_version", "2.0.0"),
        ("fetched_at", "2026-11-02"),
        ("fetched_at", "2026-02-30T09:00:00Z"),
        ("fetched_at", "٢٠٢٦-١١-٠٢T09:00:00Z"),  # Arabic-Indic digits
        ("fetched_at", "2026-11-02t09:00:00.5+03:00"),
        ("published_at", None),
        ("body", [{"kind": "table", "text": "x"}]),
        ("body", [{"kind": "p"}]),
        ("authors", "one author"),
        ("extra", 10**40),  # beyond 64 bits
    ]:
        cases.append((f"{field}={value!r}", {**base, field: value}))
    cases.append(("no title", {k: v for k, v in base.items() if k != "title"}))
    cases.append(("not an object", ["news.articles.v1"]))
    return cases


@pytest.mark.parametrize(("case", "message"), _broken_articles(), ids=[c for c, _ in _broken_articles()])
def test_fast_check_agrees_with_python_jsonschema(case: str, message: Any) -> None:
    """schema_errors answers "valid?" with jsonschema-rs first: same verdict as python-jsonschema."""
    reference = Draft202012Validator(
        json.loads(schema_path("news.articles.v1").read_text(encoding="utf-8")),
        format_checker=FormatChecker(),
    )
    expected = sorted(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in reference.iter_errors(message)
    )
    assert sorted(schema_errors("news.articles.v1", message)) == expected
