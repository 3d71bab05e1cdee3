"""Kafka over SASL_SSL with SCRAM-SHA-512 users and ACLs, for real, on the local stack's secure
listener (pipelines/stack/kafka_security.py): the scraper publishes, the indexer reads; a client
without credentials, and the indexer writing where it may not, are refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from article_factory import make_article
from elasticsearch import Elasticsearch
from kafka import KafkaProducer
from kafka.errors import KafkaError, TopicAuthorizationFailedError
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.config import Settings, get_settings
from pipelines.elastic.template import delete_alias_and_indices, setup_index
from pipelines.indexer.service import IndexerService, RunOptions
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import make_producer, read_topic
from pipelines.kafka.topics import ensure_topics
from pipelines.stack import kafka_security

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def secure(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The session's settings (their topics), with users and ACLs made by `khabar stack users` on
    the running broker (what `khabar stack up` runs when it starts Kafka)."""
    settings = get_settings().with_overrides(kafka_bootstrap=kafka_bootstrap)
    ensure_topics(settings)
    result = CliRunner().invoke(app, ["stack", "users"])
    assert result.exit_code == 0, result.output
    assert f"127.0.0.1:{kafka_security.secure_port(settings)}" in result.output
    yield settings


def test_scraper_publishes_and_indexer_reads_over_sasl_ssl(secure: Settings, tmp_path: Path) -> None:
    scraper = kafka_security.role_settings(secure, "scraper").with_overrides(home=tmp_path)
    article = make_article(4242)
    outcomes = publish_articles([article], scraper)
    assert [o.ok for o in outcomes] == [True], outcomes
    indexer = kafka_security.role_settings(secure, "indexer")
    seen = [r.key for r in read_topic(indexer, secure.topic_articles)]
    assert article.article_id.encode() in seen


def test_client_without_credentials_is_refused(secure: Settings) -> None:
    no_creds = kafka_security.role_settings(secure, "scraper", password="wrong-password")
    with pytest.raises(KafkaError):
        producer = make_producer(no_creds, max_block_ms=5000)
        try:
            producer.send(secure.topic_articles, b"x").get(timeout=10)
        finally:
            producer.close(timeout=2)


def test_indexer_may_not_write_articles(secure: Settings) -> None:
    indexer = kafka_security.role_settings(secure, "indexer")
    forger: KafkaProducer = make_producer(indexer, max_block_ms=10_000)
    try:
        with pytest.raises(KafkaError) as info:
            forger.send(secure.topic_articles, b"forged").get(timeout=15)
    finally:
        forger.close(timeout=2)
    assert isinstance(info.value, TopicAuthorizationFailedError) or isinstance(
        info.value.__cause__, TopicAuthorizationFailedError
    ), repr(info.value)
    dlq = make_producer(indexer, max_block_ms=10_000)  # a fresh one: the refusal is fatal to a producer
    try:
        dlq.send(secure.topic_dlq, b"{}").get(timeout=15)  # the DLQ it may write
    finally:
        dlq.close(timeout=2)


def test_indexer_indexes_what_the_scraper_published_over_sasl_ssl(
    secure: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    alias = f"khabar-test-sasl-{uuid.uuid4().hex[:8]}"
    scraper = kafka_security.role_settings(secure, "scraper").with_overrides(home=tmp_path)
    indexer = kafka_security.role_settings(secure, "indexer").with_overrides(
        home=tmp_path, index_alias=alias, es_url=secure.es_url
    )
    article = make_article(int(uuid.uuid4().int % 10**6))
    assert all(o.ok for o in publish_articles([article], scraper))
    setup_index(es, indexer)
    try:
        summary = IndexerService(
            indexer, RunOptions.from_settings(indexer, until_caught_up=True), es=es
        ).run()
        es.indices.refresh(index=alias)
        assert es.get(index=alias, id=article.article_id)["found"], summary
    finally:
        delete_alias_and_indices(es, alias)
