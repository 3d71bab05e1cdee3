"""Session fixtures: the real local Kafka and Elasticsearch (``pipelines.stack``), no mocks.

Each service is started on first use (a test that only needs Kafka never waits for Elasticsearch)
and stopped at the end of the session only if this session started it; a stack that was already
up (``khabar stack up``) is used and left running. A service that cannot start FAILS the tests
that need it, with the reason (missing JDK, Maven, port conflict...): it never skips them.
Area-specific fixtures belong in conftest files under tests/<area>/.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pytest
from elasticsearch import Elasticsearch

from pipelines import stack as local_stack
from pipelines.config import Settings, get_settings
from pipelines.elastic.client import es_client
from pipelines.errors import StackError
from pipelines.model import Article


class _StackManager:
    """Starts services lazily, remembers failures (one start attempt per session) and what it started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started: list[str] = []
        self.ready: set[str] = set()
        self.failed: dict[str, str] = {}

    def ensure(self, *names: str) -> None:
        for name in names:
            if name in self.failed:
                pytest.fail(f"local {name} could not start: {self.failed[name]}", pytrace=False)
            if name in self.ready:
                continue
            try:
                self.started += local_stack.ensure_up([name], settings=self.settings)
            except StackError as exc:
                self.failed[name] = str(exc)
            else:
                self.ready.add(name)
                continue
            pytest.fail(f"local {name} could not start: {self.failed[name]}", pytrace=False)

    def stop_started(self) -> None:
        if self.started:
            local_stack.down(self.started, settings=self.settings)


@pytest.fixture(scope="session")
def _stack_manager() -> Iterator[_StackManager]:
    manager = _StackManager(get_settings())
    yield manager
    manager.stop_started()


@dataclass(frozen=True)
class StackInfo:
    kafka_bootstrap: str
    es_url: str
    #: the session's settings, pointed at the running stack
    settings: Settings


def _services(settings: Settings) -> dict[str, local_stack.LocalService]:
    return {svc.name: svc for svc in local_stack.services(settings=settings)}


@pytest.fixture(scope="session")
def kafka_bootstrap(_stack_manager: _StackManager) -> str:
    """``127.0.0.1:<port>`` of the running local Kafka."""
    _stack_manager.ensure("kafka")
    return _services(_stack_manager.settings)["kafka"].address


@pytest.fixture(scope="session")
def es_url(_stack_manager: _StackManager) -> str:
    """``http://127.0.0.1:<port>`` of the running local Elasticsearch."""
    _stack_manager.ensure("elasticsearch")
    return _services(_stack_manager.settings)["elasticsearch"].address


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, es_url: str, _stack_manager: _StackManager) -> StackInfo:
    """Kafka and Elasticsearch both up; ``.settings`` points khabar's clients at them."""
    settings = _stack_manager.settings.with_overrides(kafka_bootstrap=kafka_bootstrap, es_url=es_url)
    return StackInfo(kafka_bootstrap=kafka_bootstrap, es_url=es_url, settings=settings)


@pytest.fixture(scope="session")
def es(es_url: str, _stack_manager: _StackManager) -> Iterator[Elasticsearch]:
    """An Elasticsearch client for the local node, built by khabar's own client factory."""
    client = es_client(_stack_manager.settings.with_overrides(es_url=es_url))
    yield client
    client.close()


IndexArticles = Callable[[Settings, Iterable[Article]], list[dict]]


@pytest.fixture(scope="session")
def index_articles(es: Elasticsearch) -> IndexArticles:
    """``index_articles(settings, articles)``: the index khabar sets up behind
    ``settings.index_alias``, filled with the articles' enriched documents (near-duplicate clusters
    assigned), refreshed. Returns the documents; the caller deletes the alias when done."""
    from elasticsearch import helpers

    from pipelines.elastic.template import setup_index
    from pipelines.indexer.enrich import assign_clusters, to_document

    def index(settings: Settings, articles: Iterable[Article]) -> list[dict]:
        setup_index(es, settings)
        docs = [to_document(a) for a in articles]
        assign_clusters(es, settings.index_alias, docs)
        actions = [{"_index": settings.index_alias, "_id": d["article_id"], "_source": d} for d in docs]
        ok, errors = helpers.bulk(es, actions, refresh=True, raise_on_error=False)
        assert not errors and ok == len(docs)
        return docs

    return index


@pytest.fixture
def unique_topic(request: pytest.FixtureRequest) -> str:
    """A topic name no other test (or earlier run) used: ``test.<test name>.<random>``."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", request.node.name)[:80].strip("-.")
    return f"test.{name}.{uuid.uuid4().hex[:8]}"
