"""``khabar eval search`` end to end: read the data, derive the queries, run every configuration.

Returns one JSON-able report (see :mod:`pipelines.evaluation.report` for its table). Bad input
never stops the run: unreadable corpus files and archives are counted, a QA file that cannot be
read drops the QA task with the reason in the report.
"""

from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from pipelines.config import PROJECT_ROOT
from pipelines.evaluation.configs import BASELINE, Config
from pipelines.evaluation.documents import CorpusStats, Doc, iter_corpus_docs
from pipelines.evaluation.harness import ProgressFactory, Task, evaluate, no_progress
from pipelines.evaluation.known_item import CLASSES, QUERY_WORDS, build_queries, corpus_stats
from pipelines.evaluation.qa import QaSet, load_squad

log = logging.getLogger(__name__)

QA_TASK = "qa"


def known_item_task(kind: str) -> str:
    return f"known_item:{kind}"


@dataclass
class Options:
    archives: list[Path]
    qa_file: Path | None
    configs: list[Config]
    sample: int = 300
    seed: int = 20181
    limit: int | None = None
    query_words: int = QUERY_WORDS


#: What the ``khabar`` configuration reads: a table is only comparable at the same state of these.
CHAIN_FILES = (
    "schemas/index-template.json",
    "schemas/name-aliases.txt",
    "pipelines/search/query.py",
    "pipelines/elastic/template.py",
    "pipelines/elastic/aliases.py",
)


def code_state() -> dict[str, Any]:
    """The checkout's commit and whether the khabar chain's files differ from it (None: no git)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--", *CHAIN_FILES],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "chain_files_modified": None}
    return {"commit": commit, "chain_files_modified": sorted(line[3:] for line in changed if line.strip())}


def _timed(timings: dict[str, float], name: str, started: float) -> None:
    timings[name] = round(time.perf_counter() - started, 2)


def run(es: Elasticsearch, options: Options, progress: ProgressFactory = no_progress) -> dict[str, Any]:
    wall = time.perf_counter()
    timings: dict[str, float] = {}

    started = time.perf_counter()
    corpus = CorpusStats()
    advance = progress("read corpus", options.limit or 0)
    articles: list[Doc] = []
    for doc in iter_corpus_docs(options.archives, limit=options.limit, stats=corpus):
        articles.append(doc)
        advance(1)
    _timed(timings, "read_corpus", started)
    log.info("corpus read", extra={"articles": len(articles), "seconds": timings["read_corpus"]})

    qa = QaSet()
    qa_error = None
    if options.qa_file is not None:
        try:
            qa = load_squad(options.qa_file)
        except (OSError, ValueError) as exc:  # JSONDecodeError is a ValueError
            qa_error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("QA task skipped", extra={"file": str(options.qa_file), "reason": qa_error})

    started = time.perf_counter()
    stats = corpus_stats(articles, progress("word statistics", len(articles)))
    known = build_queries(
        articles, stats, sample=options.sample, seed=options.seed, query_words=options.query_words
    )
    _timed(timings, "queries", started)

    tasks = [
        Task(known_item_task(kind), [(q.text, q.doc_id) for q in known.queries[kind]]) for kind in CLASSES
    ]
    if qa.questions:
        tasks.append(Task(QA_TASK, [(q.text, q.doc_id) for q in qa.questions]))
    docs = articles + qa.docs

    started = time.perf_counter()
    results = evaluate(es, options.configs, docs, tasks, progress)
    _timed(timings, "configs", started)
    timings["wall"] = round(time.perf_counter() - wall, 2)

    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "elasticsearch": es.info().body["version"]["number"],
        **code_state(),
        "seed": options.seed,
        "sample": options.sample,
        "limit": options.limit,
        "top_k": 100,
        "baseline": BASELINE,
        "documents": {"articles": len(articles), "qa_paragraphs": len(qa.docs), "total": len(docs)},
        "corpus": {"archives_read": [str(a) for a in options.archives], **corpus.to_dict()},
        "qa": {
            "file": str(options.qa_file) if options.qa_file else None,
            "error": qa_error,
            "paragraphs": len(qa.docs),
            "questions": len(qa.questions),
            "skipped_paragraphs": qa.skipped_paragraphs,
            "skipped_questions": qa.skipped_questions,
        },
        "known_item": {
            "query_words": options.query_words,
            "articles": known.articles,
            "articles_without_query": known.no_query,
            "articles_filed_twice": known.duplicates,
            "queries": {kind: len(known.queries[kind]) for kind in CLASSES},
            "skipped": known.skipped,
        },
        "tasks": [t.name for t in tasks],
        "configs": [r.to_dict() for r in results],
        "relative_ndcg@10": relative_ndcg([r.to_dict() for r in results], BASELINE),
        # every query with the rank of its relevant document per configuration (null: not in top 100)
        "queries": {
            task.name: [
                {"query": text, "doc_id": doc_id, "ranks": {r.name: r.ranks[task.name][i] for r in results}}
                for i, (text, doc_id) in enumerate(task.queries)
            ]
            for task in tasks
        },
        "timings": timings,
    }


def relative_ndcg(configs: list[dict[str, Any]], baseline: str) -> dict[str, dict[str, float | None]]:
    """config -> task -> (nDCG@10 - baseline's) / baseline's; None when the baseline did not run
    or scored 0."""
    base = next((c for c in configs if c["name"] == baseline), None)
    out: dict[str, dict[str, float | None]] = {}
    for config in configs:
        out[config["name"]] = {}
        for task, metrics in config["tasks"].items():
            reference = base["tasks"].get(task, {}).get("ndcg@10") if base else None
            value = metrics["ndcg@10"]
            out[config["name"]][task] = (value - reference) / reference if reference else None
    return out
