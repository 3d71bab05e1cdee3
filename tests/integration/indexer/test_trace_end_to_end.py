"""One article followed end to end by its trace id: born in the scrape task (ingest_source, as the
DAG runs it, against the sample site on 127.0.0.1), carried by publish in ``traceparent`` (and
``trace_id``), read by a real indexer process, and found in the indexer's log line for that article
and in the enriched message it publishes."""

from __future__ import annotations

import json
import logging
import re

import pytest
import yaml
from crawl_fixtures import source_for

from pipelines.ingest.run import ingest_source
from pipelines.kafka.clients import headers_dict, read_topic
from pipelines.kafka.contracts import schema_errors
from pipelines.kafka.events import trace_id_of
from pipelines.sample_site import SampleSite

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_an_article_keeps_its_trace_id_from_the_scrape_task_to_the_indexer_log(
    indexer_env,
    tmp_path,
    monkeypatch,
    caplog,
) -> None:
    env = indexer_env
    with SampleSite() as site:
        source = source_for(site, feeds=("/feeds/rss.xml",), source_id="trace-test")
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(
            yaml.safe_dump({"sources": [source.model_dump(mode="json")]}, allow_unicode=True),
            encoding="utf-8",
        )
        settings = env.settings.with_overrides(state_url=f"sqlite:///{tmp_path / 'crawl-state.sqlite3'}")
        with caplog.at_level(logging.DEBUG, logger="pipelines.ingest.scrape"):
            counts = ingest_source(source.id, settings, sources_file=sources_file, limit=3)
    assert counts["published"] == 3, counts
    born = {
        r.article_id: r.trace_id for r in caplog.records if r.getMessage() == "article extracted"
    }  # the scrape task's own log lines
    assert len(born) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", t) for t in born.values())

    # Publish carried each article's trace (and its page shares it).
    published = {}
    for record in read_topic(settings, settings.topic_articles):
        headers = headers_dict(record.headers)
        published[record.key.decode()] = headers
        assert trace_id_of(headers) == headers["trace_id"] == born[record.key.decode()]
    assert set(published) == set(born)
    page_traces = {trace_id_of(headers_dict(r.headers)) for r in read_topic(settings, settings.topic_pages)}
    assert page_traces == set(born.values())

    # The indexer (its own process, debug logs) logs each article with that trace id.
    monkeypatch.setenv("KHABAR_LOG_LEVEL", "DEBUG")
    summary = env.finish(env.start("--until-caught-up", "--publish-enriched", name="traced"))
    assert summary["indexed"] == 3, summary
    lines = env.log_text().splitlines()
    for article_id, trace_id in born.items():
        mine = [line for line in lines if "article indexed" in line and article_id in line]
        assert mine, f"no indexer log line for {article_id}"
        assert all(trace_id in line for line in mine), mine

    # And the enriched message it published carries the same trace, with its own contract.
    enriched = list(read_topic(settings, settings.topic_enriched))
    assert len(enriched) == 3
    for record in enriched:
        headers = headers_dict(record.headers)
        article_id = record.key.decode()
        assert trace_id_of(headers) == born[article_id]
        assert headers["ce_type"] == "news.articles.enriched.v1:1.0.0"
        assert headers["ce_source"] == "urn:khabar:indexer"
        assert headers["ce_id"] == published[article_id]["ce_id"]  # the same article version
        assert schema_errors("news.articles.enriched.v1", json.loads(record.value)) == []
