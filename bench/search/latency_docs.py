"""The ANT v2.1 corpus as enriched index documents, cached for bench/search/latency.py.

Enrichment (:func:`pipelines.indexer.enrich.to_document`: language, keywords, places, minhash) costs
~20 ms per article, mostly YAKE, so 31.5k articles take 10+ minutes of CPU. The documents are built
once and kept in ``var/bench/cache/search-latency-docs-<key>.jsonl.gz`` (one document per line, in
corpus order) with a sidecar ``.meta.json`` that records how long enrichment took. ``key`` hashes
the corpus file (name and size), the article limit and the code that shapes a document (enrich,
normalize, the ANT reader, the model), so a change of any of them builds a new cache by itself;
``rebuild=True`` forces it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from pipelines.config import PROJECT_ROOT
from pipelines.evaluation.ant_corpus import ANT_V2, load_ant_articles
from pipelines.indexer.enrich import to_document

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import CACHE_DIR

# Files whose change changes the documents; everything under a folder counts (data included).
_CODE = (
    "pipelines/indexer/enrich",
    "pipelines/normalize",
    "pipelines/evaluation/ant_corpus.py",
    "pipelines/model.py",
)
# A fixed indexing time keeps the cached documents identical between builds.
_INDEXED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def code_hash() -> str:
    digest = hashlib.sha256()
    for entry in _CODE:
        path = PROJECT_ROOT / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(PROJECT_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def cache_path(data_dir: Path, limit: int | None) -> Path:
    corpus = data_dir / ANT_V2
    key = hashlib.sha256(
        f"{corpus.name}:{corpus.stat().st_size}:{limit or 'all'}:{code_hash()}".encode()
    ).hexdigest()[:12]
    return CACHE_DIR / f"search-latency-docs-{limit or 'all'}-{key}.jsonl.gz"


def _read(path: Path, limit: int | None) -> list[dict[str, Any]]:
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            docs.append(json.loads(line))
            if limit is not None and len(docs) >= limit:
                break
    return docs


def _meta(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".jsonl.gz") + ".meta.json")


def load_documents(
    data_dir: Path, *, limit: int | None = None, rebuild: bool = False, workers: int = 1
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(documents in corpus order, enrichment info). A cache of the whole corpus also serves
    any ``limit`` (its first ``limit`` documents are the first ``limit`` articles)."""
    path = cache_path(data_dir, limit)
    full = cache_path(data_dir, None)
    for candidate in (path, full):
        if not rebuild and candidate.is_file() and _meta(candidate).is_file():
            meta = json.loads(_meta(candidate).read_text(encoding="utf-8"))
            docs = _read(candidate, limit)
            return docs, meta | {"cache": str(candidate), "from_cache": True}

    t0 = time.perf_counter()
    articles, stats = load_ant_articles(data_dir, limit=limit)
    read_seconds = time.perf_counter() - t0
    enrich = partial(to_document, indexed_at=_INDEXED_AT)
    cpu0 = os.times()
    t0 = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            docs = list(pool.map(enrich, articles, chunksize=100))
    else:
        docs = [enrich(a) for a in articles]
    seconds = time.perf_counter() - t0
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    cpu += (cpu1.children_user - cpu0.children_user) + (cpu1.children_system - cpu0.children_system)
    meta = {
        "articles": len(articles),
        "corpus_stats": {k: v for k, v in vars(stats).items() if k != "skipped_examples"},
        "read_seconds": round(read_seconds, 1),
        "enrich_seconds": round(seconds, 1),
        "enrich_cpu_seconds": round(cpu, 1),
        "enrich_workers": workers,
        "enrich_ms_per_doc_cpu": round(1000 * cpu / max(1, len(docs)), 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_hash": code_hash(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    tmp.replace(path)
    _meta(path).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return docs, meta | {"cache": str(path), "from_cache": False}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="build the enriched-document cache")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    from pipelines.config import Settings

    docs, info = load_documents(
        Settings.from_env().data_dir, limit=args.limit, rebuild=args.rebuild, workers=args.workers
    )
    print(json.dumps(info, indent=2))
