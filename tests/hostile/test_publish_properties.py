"""Property test, end to end: random responses through fetch -> extract -> publish to the real local
Kafka. Every page becomes a published article or a dead letter with its reason; the run goes on."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import fast_settings
from hostile_server import HostileServer, hostile_server, raw
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from pages import serve_article, serve_feed, source_on
from strategies import responses

from pipelines.config import Settings
from pipelines.ingest.run import ingest_source
from pipelines.kafka.topics import ensure_topics

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from publish_fixtures import consume_all, delete_topics, unique_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server() as served:
        yield served


@pytest.fixture(scope="module")
def kafka_settings(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("publish-props")
    base = fast_settings(home, connect_timeout=0.5, read_timeout=0.5, fetch_deadline_seconds=2.0)
    topics = unique_settings(kafka_bootstrap, home)
    settings = base.with_overrides(
        kafka_bootstrap=kafka_bootstrap,
        **{k: getattr(topics, k) for k in ("topic_articles", "topic_pages", "topic_dlq", "topic_enriched")},
    )
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


@hsettings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(page=responses())
def test_every_page_is_published_or_dead_lettered(
    server: HostileServer, kafka_settings: Settings, page
) -> None:
    run = uuid.uuid4().hex[:8]
    status, headers, body = page
    server.routes[f"/h-{run}"] = raw(status, headers, body)
    serve_article(server, f"/good-{run}", 1)
    source = source_on(server, serve_feed(server, [f"/h-{run}", f"/good-{run}"], feed=f"/f-{run}.xml"))
    source = source.model_copy(update={"id": f"hostile-{run}"})
    sources = kafka_settings.home / f"sources-{run}.yaml"
    sources.write_text(
        yaml.safe_dump([source.model_dump(mode="json", exclude_none=True)], allow_unicode=True)
    )
    settings = kafka_settings.with_overrides(
        state_url=f"sqlite:///{kafka_settings.home / f'state-{run}.sqlite3'}"
    )

    counts = ingest_source(source.id, settings, sources_file=sources)

    assert counts["published"] == counts["articles"] >= 1  # the good article at least
    assert counts["dead_lettered"] == counts["errors"]
    letters = [json.loads(r.value) for r in consume_all(settings, settings.topic_dlq)]
    mine = [d for d in letters if d.get("source_id") == source.id]
    assert len(mine) == counts["errors"]
    assert all(d["reason"] and d["stage"] for d in mine)
    published = [json.loads(r.value) for r in consume_all(settings, settings.topic_articles)]
    urls = {a["url"] for a in published}
    assert server.url(f"/good-{run}") in urls
    # the hostile page: an article, a dead letter, or a 304 with nothing to do
    hostile = server.url(f"/h-{run}")
    assert hostile in urls or any(d.get("url") == hostile for d in mine) or counts["not_modified"]
