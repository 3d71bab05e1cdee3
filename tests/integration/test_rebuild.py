"""khabar rebuild on the real local Kafka: stored pages re-extracted, only changed articles republished."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from publish_fixtures import consume_all, topic_settings

from pipelines.extract import extract_article
from pipelines.ingest.publish import Publisher
from pipelines.ingest.rebuild import rebuild
from pipelines.kafka.clients import make_producer
from pipelines.kafka.messages import PageMessage
from pipelines.model import Article, RawPage
from pipelines.sources import Discovery, Selectors, SourceConfig

__all__ = ["topic_settings"]  # fixture imported for pytest

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
FETCHED = datetime(2025, 10, 30, 12, 0, tzinfo=UTC)


def _page(name: str, source_id: str) -> RawPage:
    url = f"https://{source_id}.example/{name}"
    return RawPage(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html; charset=utf-8",
        body=(PAGES / name).read_bytes(),
        fetched_at=FETCHED,
        source_id=source_id,
    )


def _source(source_id: str, body: str | None = None) -> SourceConfig:
    return SourceConfig(
        id=source_id,
        name=source_id,
        homepage=f"https://{source_id}.example/",
        discovery=Discovery(feeds=[f"https://{source_id}.example/rss.xml"]),
        selectors=Selectors(body=body) if body else None,
    )


def test_rebuild_republishes_changed_articles_dead_letters_bad_pages_and_resumes(topic_settings) -> None:
    settings = topic_settings
    pages = [_page("jsonld-full.html", "changed"), _page("opengraph-only.html", "kept")]
    first = [extract_article(p, source_id=p.source_id) for p in pages]
    with Publisher(settings) as publisher:  # what the ingest run published before the selector change
        for page, article in zip(pages, first, strict=True):
            publisher.send_page(page)
            publisher.send_article(article)
        assert all(o.status == "published" for o in publisher.results())
    # bytes that are no page at all, and a page whose body is blank
    producer = make_producer(settings)
    producer.send(settings.topic_pages, key=b"garbage", value=b"\x00\xffnot json")
    blank = _page("opengraph-only.html", "kept").model_copy(
        update={"body": b"   ", "url": "https://kept.example/blank"}
    )
    producer.send(
        settings.topic_pages,
        key=b"blank",
        value=json.dumps(PageMessage.from_raw_page(blank).to_message()).encode(),
    )
    producer.flush()
    producer.close()

    # the "changed" source's body selector now keeps the first paragraph only
    sources = [_source("changed", body="p:first-of-type"), _source("kept")]
    group = f"test-rebuild-{uuid.uuid4().hex[:8]}"
    seen: list[tuple[int, int]] = []
    stats = rebuild(
        settings, sources, group_id=group, progress=lambda done, total, _rate: seen.append((done, total))
    )

    assert (stats.pages, stats.republished, stats.unchanged, stats.dead_lettered) == (4, 1, 1, 2)
    assert stats.reasons == {"undecodable_page": 1, "empty_page": 1}
    assert seen and seen[-1] == (4, 4)

    articles = [
        Article.from_message(json.loads(r.value)) for r in consume_all(settings, settings.topic_articles)
    ]
    assert len(articles) == 3  # two from the ingest run, one from the rebuild: the unchanged one not again
    (new,) = [a for a in articles if a.extracted_at is not None]  # partitions are read one by one
    old = next(a for a in first if a.article_id == new.article_id)
    assert new.source_id == "changed" and new.extraction_method == "selectors"
    assert new.body_text != old.body_text and new.content_hash != old.content_hash
    assert new.version > old.version  # supersedes it in Elasticsearch
    assert new.fetched_at == old.fetched_at  # no page was fetched

    letters = [json.loads(r.value) for r in consume_all(settings, settings.topic_dlq)]
    assert sorted(letter["reason"] for letter in letters) == ["empty_page", "undecodable_page"]
    assert all(
        letter["stage"] == "extract" and letter["origin"]["topic"] == settings.topic_pages
        for letter in letters
    )

    # the group's offsets were committed: a second run has nothing left to read
    again = rebuild(settings, sources, group_id=group)
    assert (again.pages, again.republished) == (0, 0)
