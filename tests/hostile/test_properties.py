"""Property tests: random bytes, URLs, headers and JSON thrown at fetch -> extract (served from
127.0.0.1) and at the indexer's prepare(). Whatever comes in, each page ends as an article or
exactly one structured error record with its reason, each record as a document or a dead letter,
and the run goes on.

Safety: the fetcher here resolves through a resolver that refuses every address but 127.0.0.1 and
::1, so no random URL can make it connect anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from article_factory import make_article
from conftest import fast_settings
from hostile_server import HostileServer, hostile_server, raw
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from kafka.consumer.fetcher import ConsumerRecord
from pages import serve_article, serve_feed, source_on
from strategies import hostile_urls, json_values, responses

from pipelines.config import Settings
from pipelines.errors import FetchError
from pipelines.fetch import CrawlState, Fetcher
from pipelines.fetch.ssrf import resolve
from pipelines.indexer.consume import prepare
from pipelines.indexer.enrich import to_document
from pipelines.ingest.scrape import scrape_source
from pipelines.kafka.contracts import schema_errors
from pipelines.kafka.dlq import DeadLetterWriter, payload_as_bytes
from pipelines.kafka.messages import DLQ_SCHEMA
from pipelines.model import ErrorRecord

STAGES = {"discover", "fetch", "extract"}


def loopback_only(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The test resolver: loopback literals only; anything else fails like a missing DNS name."""
    ip = ipaddress.ip_address(host.strip("[]")) if _literal(host) else None
    if ip is None or not ip.is_loopback:
        raise FetchError(f"test resolver: {host} is off limits", reason="dns_error")
    return resolve(host, port)


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server() as served:
        yield served


@pytest.fixture(scope="module")
def prop_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fast_settings(
        tmp_path_factory.mktemp("props"),
        connect_timeout=0.5,
        read_timeout=0.5,
        fetch_deadline_seconds=2.0,
        extract_timeout_seconds=10.0,
    )


@pytest.fixture(scope="module")
def fetcher(prop_settings: Settings) -> Iterator[Fetcher]:
    with Fetcher(prop_settings, backoff_base=0.01, resolver=loopback_only) as client:
        yield client


def _check_accounted(result, hostile: list[str], good: str) -> None:
    """Every page fetched ends as an article, a 304, or exactly one error record with a reason."""
    assert good in [a.url for a in result.articles], result.errors  # the run went on
    for record in result.errors:
        assert isinstance(record, ErrorRecord)
        assert record.stage in STAGES and record.reason and record.error_class and record.message
    by_url = {e.url for e in result.errors if e.stage != "discover"}
    articles = {a.url for a in result.articles}
    for url in hostile:
        assert (
            url in articles or url in by_url or result.counts["not_modified"] or result.counts["unchanged"]
        ), url
    assert len([e for e in result.errors if e.stage != "discover"]) == len(by_url)  # one record per page


@hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(page=responses(), links=st.lists(hostile_urls, max_size=3))
def test_fetch_extract_turns_any_response_into_an_article_or_one_error(
    server: HostileServer, prop_settings: Settings, fetcher: Fetcher, page, links: list[str]
) -> None:
    run = uuid.uuid4().hex[:8]
    status, headers, body = page
    server.routes[f"/h-{run}"] = raw(status, headers, body)
    serve_article(server, f"/good-{run}", 1)
    feed = serve_feed(server, [f"/h-{run}", f"/good-{run}"], feed=f"/feed-{run}.xml")
    # random URLs straight in the feed too (the feed XML escapes them)
    state = CrawlState(f"sqlite:///{prop_settings.home / f'state-{run}.sqlite3'}")
    try:
        extra = [link for link in links if link.strip()]
        if extra:
            from html import escape

            items = "".join(f"<item><title>x</title><link>{escape(u)}</link></item>" for u in extra)
            xml = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                f"<item><link>{escape(server.url(f'/h-{run}'))}</link></item>"
                f"<item><link>{escape(server.url(f'/good-{run}'))}</link></item>{items}</channel></rss>"
            )
            server.routes[f"/feed-{run}.xml"] = raw(
                "200 OK", [("Content-Type", "application/rss+xml")], xml.encode()
            )
        result = scrape_source(source_on(server, feed), prop_settings, state=state, client=fetcher)
    finally:
        state.close()
    _check_accounted(result, [server.url(f"/h-{run}")], server.url(f"/good-{run}"))


def _record(value: bytes | None, headers: list | None = None) -> ConsumerRecord:
    return ConsumerRecord("news.articles.v1", 0, -1, 5, 0, 0, b"k", value, headers or [], None, 3, 0, 0)


_VALID = make_article(1).to_message()

messages = st.one_of(
    st.binary(max_size=3000),
    st.builds(lambda v: json.dumps(v).encode(), json_values),
    st.builds(
        lambda v: json.dumps(_VALID | v, default=str).encode(),
        st.dictionaries(st.sampled_from(sorted(_VALID)), json_values, max_size=4),
    ),
    st.builds(lambda d: (b"[" * d) + (b"]" * d), st.integers(1, 200_000)),
    st.builds(lambda n: b'{"n": ' + b"9" * n + b"}", st.integers(1, 20_000)),
)


@hsettings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    value=messages,
    headers=st.lists(
        st.tuples(st.text(max_size=10), st.one_of(st.binary(max_size=20), st.integers(), st.none())),
        max_size=3,
    ),
)
def test_prepare_turns_any_record_into_a_document_or_a_dead_letter(
    value: bytes, headers: list, tmp_path_factory: pytest.TempPathFactory
) -> None:
    prepared = prepare(_record(value, headers), to_document, max_doc_bytes=1_000_000)
    assert (prepared.doc is None) != (prepared.failure is None)
    if prepared.failure is None:
        return
    assert prepared.failure.error.reason
    home = tmp_path_factory.getbasetemp() / "dlq-props"
    writer = DeadLetterWriter(Settings(home=Path(home)))  # building one needs no broker
    letter = prepared.dead_letter(writer)
    assert letter.reason == prepared.failure.error.reason
    assert not schema_errors(DLQ_SCHEMA, letter.to_message())
    payload_as_bytes(prepared.failure.payload)  # the DLQ can carry it
