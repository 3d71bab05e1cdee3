"""Run the evaluation: one fresh index per configuration, same documents, same queries, scored.

For each configuration: create a temporary index (``khabar-eval-<config>-<random>``) from the
configuration's settings and mappings with refresh off, bulk-load every document
(``parallel_bulk``), refresh, run every task's queries with ``msearch`` (top 100), score the rank
of each query's relevant document, and delete the index, even on failure.
"""

from __future__ import annotations

import copy
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch, helpers

from pipelines.evaluation.configs import Config
from pipelines.evaluation.documents import Doc
from pipelines.evaluation.metrics import Rank, rank_of, summarize

log = logging.getLogger(__name__)

TOP_K = 100
MSEARCH_BATCH = 50
BULK_CHUNK = 500
BULK_THREADS = 2


@dataclass(frozen=True)
class Task:
    """A named list of (query text, id of its one relevant document)."""

    name: str
    queries: Sequence[tuple[str, str]]


@dataclass
class ConfigResult:
    name: str
    description: str
    index: str = ""  # the temporary index (deleted at the end)
    documents: int = 0
    bulk_failures: int = 0
    bulk_failure_examples: list[str] = field(default_factory=list)
    query_errors: int = 0
    index_seconds: float = 0.0
    query_seconds: float = 0.0
    tasks: dict[str, dict[str, float | int]] = field(default_factory=dict)
    #: task -> rank of each query's relevant document (None: not in the top 100)
    ranks: dict[str, list[Rank]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "ranks"}


#: (step name, total) -> advance(n) callback; the CLI wires it to a rich progress bar.
ProgressFactory = Callable[[str, int], Callable[[int], None]]


def no_progress(_name: str, _total: int) -> Callable[[int], None]:
    return lambda _n: None


def _index_name(config: Config) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in config.name.lower()).strip("-")
    return f"khabar-eval-{safe}-{uuid.uuid4().hex[:8]}"


def _actions(index: str, docs: Sequence[Doc]) -> Iterator[dict[str, Any]]:
    for doc in docs:
        yield {"_index": index, "_id": doc.doc_id, "_source": doc.source()}


def load(
    es: Elasticsearch, index: str, docs: Sequence[Doc], result: ConfigResult, advance: Callable[[int], None]
) -> None:
    """Bulk-load ``docs``; rejected documents are counted (with a few reasons), never fatal."""
    for ok, info in helpers.parallel_bulk(
        es,
        _actions(index, docs),
        thread_count=BULK_THREADS,
        chunk_size=BULK_CHUNK,
        raise_on_error=False,
        raise_on_exception=False,
    ):
        if not ok:
            result.bulk_failures += 1
            if len(result.bulk_failure_examples) < 5:
                result.bulk_failure_examples.append(str(info)[:300])
        advance(1)
    es.indices.refresh(index=index)
    result.documents = int(es.count(index=index).body["count"])


def ranks(
    es: Elasticsearch, index: str, config: Config, task: Task, advance: Callable[[int], None]
) -> tuple[list[Rank], int]:
    """The rank of each query's relevant document (None: not in the top :data:`TOP_K`) and how
    many queries Elasticsearch refused (counted as misses)."""
    out: list[Rank] = []
    errors = 0
    for start in range(0, len(task.queries), MSEARCH_BATCH):
        batch = task.queries[start : start + MSEARCH_BATCH]
        searches: list[dict[str, Any]] = []
        for text, _relevant in batch:
            searches += [{}, config.request(text, TOP_K)]
        responses = es.msearch(index=index, searches=searches).body["responses"]
        for (_text, relevant), response in zip(batch, responses, strict=True):
            if "error" in response:
                errors += 1
                if errors <= 3:
                    log.warning("query refused", extra={"config": config.name, "error": str(response)[:300]})
                out.append(None)
                continue
            out.append(rank_of(relevant, [hit["_id"] for hit in response["hits"]["hits"]]))
        advance(len(batch))
    return out, errors


def evaluate_config(
    es: Elasticsearch,
    config: Config,
    docs: Sequence[Doc],
    tasks: Sequence[Task],
    progress: ProgressFactory = no_progress,
) -> ConfigResult:
    result = ConfigResult(config.name, config.description)
    body = copy.deepcopy(config.index_body())
    body.setdefault("settings", {}).setdefault("index", {})["refresh_interval"] = "-1"
    index = result.index = _index_name(config)
    es.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
    try:
        started = time.perf_counter()
        load(es, index, docs, result, progress(f"{config.name}: index", len(docs)))
        result.index_seconds = round(time.perf_counter() - started, 2)
        log.info(
            "indexed",
            extra={"config": config.name, "documents": result.documents, "seconds": result.index_seconds},
        )
        started = time.perf_counter()
        advance = progress(f"{config.name}: search", sum(len(t.queries) for t in tasks))
        for task in tasks:
            found, errors = ranks(es, index, config, task, advance)
            result.query_errors += errors
            result.tasks[task.name] = summarize(found)
            result.ranks[task.name] = found
        result.query_seconds = round(time.perf_counter() - started, 2)
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)
    return result


def evaluate(
    es: Elasticsearch,
    configs: Sequence[Config],
    docs: Sequence[Doc],
    tasks: Sequence[Task],
    progress: ProgressFactory = no_progress,
) -> list[ConfigResult]:
    """Every configuration on the same documents and tasks, one after the other."""
    return [evaluate_config(es, config, docs, tasks, progress) for config in configs]
