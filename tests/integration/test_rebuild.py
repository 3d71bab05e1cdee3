"""khabar rebuild on the real local Kafka (and, end to end, Elasticsearch and the sample site on
127.0.0.1): stored pages re-extracted without fetching, only changed articles republished."""

from __future__ import annotations

import json
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from publish_fixtures import consume_all, topic_settings
from sample_site_fixtures import source_for

from pipelines.extract import extract_article
from pipelines.ingest.publish import Publisher
from pipelines.ingest.rebuild import rebuild
from pipelines.kafka.clients import make_producer
from pipelines.kafka.messages import PageMessage
from pipelines.model import Article, RawPage
from pipelines.sources import Discovery, Selectors, SourceConfig

__all__ = ["topic_settings"]  # fixture imported for pytest

pytestmark = pytest.mark.integration

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


def _indexed(settings) -> int:  # type: ignore[no-untyped-def]
    """Index ``news.articles.v1`` up to its end (an in-process indexer, as the DAG test runs it)."""
    from pipelines.indexer.service import RunOptions, run_indexer

    options = RunOptions.from_settings(settings, until_caught_up=True)
    summary = run_indexer(settings, options, metrics_port=0, setup_first=False)
    assert summary.exit_reason == "caught_up", summary
    return summary.indexed


@pytest.mark.slow
def test_rebuild_end_to_end_sample_site_selector_change_without_fetching(
    topic_settings, es, tmp_path
) -> None:
    """Ingest the sample site, index, change the source's body selector, stop the site, rebuild,
    index: the changed articles are searched with their new body, no page was fetched, the
    unchanged articles were not published again."""
    from collections import Counter

    import yaml

    from pipelines.elastic.template import delete_alias_and_indices, setup_index
    from pipelines.ingest.run import ingest_source
    from pipelines.sample_site import SampleSite
    from pipelines.search.query import SearchQuery, search

    tag = uuid.uuid4().hex[:8]
    settings = topic_settings.with_overrides(
        index_alias=f"test-rebuild-{tag}",
        indexer_group=f"test-rebuild-{tag}",
        state_url=f"sqlite:///{tmp_path / 'crawl-state.sqlite3'}",
        bulk_max_seconds=0.5,
        metrics_port=0,
    )
    setup_index(es, settings)
    try:
        with SampleSite() as site:
            source = source_for(site, feeds=("/feeds/rss.xml",), rate_limit=0.02, source_id="rebuild-e2e")
            sources_file = tmp_path / "sources.yaml"
            sources_file.write_text(
                yaml.safe_dump({"sources": [source.model_dump(mode="json")]}, allow_unicode=True),
                encoding="utf-8",
            )
            counts = ingest_source(source.id, settings, sources_file=sources_file)
            templates = {a.slug: a.template for a in site.articles(include_hidden=True)}
            site_paragraphs = {a.slug: a for a in site.articles(include_hidden=True)}
            address = (urlsplit(site.base_url).hostname, urlsplit(site.base_url).port)
        # the site is down from here on: a rebuild that fetched anything would fail or find nothing
        with pytest.raises(OSError):
            socket.create_connection(address, timeout=1).close()

        ingested = [
            Article.from_message(json.loads(r.value)) for r in consume_all(settings, settings.topic_articles)
        ]
        assert counts["published"] == len(ingested) >= 6, counts
        slug = {a.article_id: a.canonical_url.rsplit("/", 1)[-1].removesuffix(".html") for a in ingested}
        # the new selector keeps only the first paragraph, and only matches the jsonld template's body
        matching = {a.article_id for a in ingested if templates.get(slug[a.article_id]) == "jsonld"}
        assert matching and matching != set(slug), templates  # some change, some do not
        assert _indexed(settings) == len(ingested)

        changed = source.model_copy(
            update={"selectors": Selectors(body="div.article-body > p:first-of-type")}
        )
        stats = rebuild(settings, [changed], group_id=f"test-rebuild-{tag}")

        assert stats.pages == len(ingested) and stats.dead_lettered == 0, stats
        assert (stats.republished, stats.unchanged) == (len(matching), len(ingested) - len(matching)), stats
        after = [
            Article.from_message(json.loads(r.value)) for r in consume_all(settings, settings.topic_articles)
        ]
        per_article = Counter(a.article_id for a in after)
        assert {i for i, n in per_article.items() if n == 2} == matching  # republished once each
        assert {i for i, n in per_article.items() if n == 1} == set(slug) - matching  # not again
        new = {a.article_id: a for a in after if a.extracted_at is not None}
        old = {a.article_id: a for a in ingested}
        for article_id, article in new.items():
            assert article.extraction_method == "selectors"
            assert article.fetched_at == old[article_id].fetched_at  # the stored page, not a new fetch
            assert article.version > old[article_id].version

        assert _indexed(settings) == len(matching)
        es.indices.refresh(index=settings.index_alias)
        for article_id, article in new.items():
            left_out = [text for kind, text in site_paragraphs[slug[article_id]].blocks if kind == "p"][1:]
            stored = es.get(index=settings.index_alias, id=article_id)["_source"]
            assert stored["body"] == article.body_text != old[article_id].body_text
            # searched by its new body: found; by a paragraph the new selector leaves out: not found
            words = " ".join(article.body_text.split()[:8])
            hits = search(es, settings, SearchQuery(words, sources=[source.id], size=50)).hits
            assert article_id in {h.article_id for h in hits}
            assert left_out and not any(text[:40] in stored["body"] for text in left_out)
    finally:
        delete_alias_and_indices(es, settings.index_alias)
