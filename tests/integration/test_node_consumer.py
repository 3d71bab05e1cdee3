"""The Node.js consumer example (examples/node-consumer: kafkajs + ajv) reads news.articles.v1 from
the real local broker, validates each message with the JSON Schema and prints the titles.

``npm ci`` runs once (node_modules is kept under the example folder, git-ignored) and again only
when package-lock.json changes."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from article_factory import make_article
from publish_fixtures import topic_settings  # noqa: F401

from pipelines.config import PROJECT_ROOT
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import make_producer

pytestmark = pytest.mark.integration

EXAMPLE = PROJECT_ROOT / "examples" / "node-consumer"


@pytest.fixture(scope="session")
def node_example() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed for the Node.js consumer example (Node 18+)", pytrace=False)
    installed = EXAMPLE / "node_modules" / ".package-lock.json"
    lock = EXAMPLE / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=EXAMPLE, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return EXAMPLE


def test_node_consumer_validates_and_prints_the_titles(node_example: Path, topic_settings) -> None:  # noqa: F811
    settings = topic_settings
    articles = [make_article(i, source_id="node-test") for i in range(3)]
    assert all(o.status == "published" for o in publish_articles(articles, settings))
    # What a broken producer could write (no validation on its way in): the consumer must skip it.
    producer = make_producer(settings, "test-raw")
    try:
        invalid = b'{"schema":"news.articles.v1","schema_version":"1.0.0","title":""}'
        producer.send(settings.topic_articles, key=b"broken", value=invalid).get(timeout=30)
    finally:
        producer.close()

    run = subprocess.run(
        [
            "node",
            "consumer.js",
            "--bootstrap",
            settings.kafka_bootstrap,
            "--topic",
            settings.topic_articles,
            "--group",
            f"test-node-{uuid.uuid4().hex[:8]}",
            "--limit",
            "4",
            "--idle-ms",
            "60000",
        ],
        cwd=node_example,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    printed = [line.split(": ", 1)[1] for line in run.stdout.splitlines() if ": " in line]
    assert sorted(printed) == sorted(a.title for a in articles)
    assert all(line.split(" ")[1] == "node-test:" for line in run.stdout.splitlines())
    assert "invalid at" in run.stderr and "title" in run.stderr  # the empty title broke minLength
