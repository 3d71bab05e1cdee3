"""Structured logs: one JSON object per line, context fields kept, secrets never written."""

import io
import json
import logging

from pipelines.logs import redact, setup


def _log_line(**extra: object) -> dict:
    stream = io.StringIO()
    setup(level="INFO", fmt="json", stream=stream)
    logging.getLogger("khabar.test").info(
        "fetched https://bob:s3cret@example.com/feed password=abc", extra=extra
    )
    return json.loads(stream.getvalue().splitlines()[-1])


def test_context_is_structured() -> None:
    line = _log_line(article_id="a1", source_id="bbc-arabic")
    assert line["level"] == "info"
    assert line["article_id"] == "a1"
    assert line["source_id"] == "bbc-arabic"


def test_secrets_are_redacted() -> None:
    line = _log_line(es_password="topsecret", headers={"Authorization": "Bearer xyz"})
    text = json.dumps(line)
    for secret in ("s3cret", "topsecret", "xyz", "password=abc"):
        assert secret not in text
    assert line["es_password"] == "***"


def test_redact_leaves_arabic_text_alone() -> None:
    assert redact("وزير الخارجية السوري") == "وزير الخارجية السوري"
