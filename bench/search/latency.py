"""Search latency and index growth on the ANT v2.1 corpus: khabar's index vs the built-in ``arabic``.

    python bench/search/latency.py [--sizes 1000,10000,all] [--queries 200] [--quick]

Documents: every ANT v2.1 article turned into its index document by the real enrichment
(:func:`pipelines.indexer.enrich.to_document`), so the facets (source, section, places) hold real
data. Enrichment is slow and runs once: the documents are cached by ``latency_docs.py`` (its time is
reported from the cache's record). Two indices per size, in the same run on the same node:

- ``khabar``: the shipped template (``schemas/index-template.json``: khabar's Arabic chain,
  ``.exact`` and ``.latin`` subfields, offsets for the highlighter);
- ``arabic``: the same mapping with Elasticsearch's built-in ``arabic`` analyzer on title, lead and
  body, no subfields (offsets kept, so both can highlight), stock BM25.

Growth: each size (a fixed-seed sample of the documents; the largest is all of them) is bulk-indexed
into a fresh index (``helpers.bulk``, the indexer's chunk sizes, one refresh at the end, all inside
the time); docs/s and the store size on disk (``_stats``, as bulk + refresh leave it, not merged).

Latency, on the largest index of each: five sets of distinct real queries drawn from the documents
by a fixed-seed rule (see :func:`draw_queries`): one word, two words, a three-word "phrase", one word
within a 30-day date window, one word with a source facet selected. Rows:

- ``khabar``: the shipped :func:`pipelines.search.query.build_request` as it stands (matching over the
  fields and their subfields, its scoring clauses, highlighting of title/lead/body, four
  aggregations: source, section, place, per-day histogram);
- ``khabar, no highlight`` and ``khabar, no aggs/highlight``: the same request without them;
- ``arabic`` and ``arabic, no aggs/highlight``: a plain ``multi_match`` (``title^3 lead^2 body``; a
  quoted text as ``type: phrase``) with the same filters, sort, highlighting and aggregations.

One client, sequential queries, the rows interleaved query by query (machine load drifts hit every
row alike) after warm-up queries of their own; client wall time (request to parsed response) and
Elasticsearch's ``took``. Results: ``var/bench/search-latency.json`` (with the commit and template
version). ``--quick``: the first 2000 articles, sizes 500 and 2000, 40 queries a set, for trying it
out (results to ``search-latency-quick.json``).

Data from ``$KHABAR_DATA_DIR`` (default ``<repo>/../shared/data``).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch
from latency_docs import load_documents

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import load_template
from pipelines.search.query import SearchQuery, build_request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import BENCH_DIR, bulk_load, environment, run, write_result

SEED = 20261129
TEXT_FIELDS = ("title", "lead", "body")
PEER_FIELDS = ["title^3", "lead^2", "body"]
SETS = ("one word", "two words", "phrase", "date filter", "source facet")
_ARABIC_WORD = re.compile(r"[\u0621-\u064A]+")  # letters only: no digits, harakat or punctuation

Query = dict[str, Any]  # {"text": str, "since"/"until": ISO date, "sources": [str]}


# --- indices -----------------------------------------------------------------------------------


def khabar_index() -> dict[str, Any]:
    """The shipped template's settings and mappings (replicas 0: one node)."""
    template = copy.deepcopy(load_template()["template"])
    template["settings"]["index"]["number_of_replicas"] = 0
    template["settings"]["index"].pop("auto_expand_replicas", None)
    return {"settings": template["settings"], "mappings": template["mappings"]}


def arabic_index() -> dict[str, Any]:
    """The same mapping, with the built-in ``arabic`` analyzer on the text fields and no subfields."""
    body = khabar_index()
    body["settings"].pop("analysis", None)
    body["settings"]["index"].pop("similarity", None)  # stock BM25 too
    for name in TEXT_FIELDS:
        body["mappings"]["properties"][name] = {
            "type": "text",
            "analyzer": "arabic",
            "index_options": "offsets",
        }
    return body


INDICES: dict[str, Callable[[], dict[str, Any]]] = {"khabar": khabar_index, "arabic": arabic_index}


def index_documents(
    es: Elasticsearch, name: str, body: dict[str, Any], docs: list[dict[str, Any]], settings: Settings
) -> dict[str, Any]:
    es.indices.create(index=name, **body)
    actions = ({"_index": name, "_id": d["article_id"], "_source": d} for d in docs)
    cpu_before = node_cpu_seconds(es)
    t0 = time.perf_counter()
    ok, errors, bulk_seconds = bulk_load(es, actions, settings)
    if errors:
        print(f"  warning: {errors} documents refused by {name}", flush=True)
    es.indices.refresh(index=name)
    seconds = time.perf_counter() - t0
    # The node's own CPU seconds: what the template costs Elasticsearch, apart from the client
    # building the requests and from whatever else the shared cores run at the time.
    cpu_seconds = node_cpu_seconds(es) - cpu_before
    stats = es.indices.stats(index=name, metric="store,segments,docs,indexing,merge")["indices"][name][
        "primaries"
    ]
    size = stats["store"]["size_in_bytes"]
    return {
        "docs": stats["docs"]["count"],
        "bulk_errors": errors,
        "seconds": round(seconds, 2),
        "bulk_seconds": round(bulk_seconds, 2),
        "es_cpu_seconds": round(cpu_seconds, 2),
        "index_seconds": round(stats["indexing"]["index_time_in_millis"] / 1000, 2),
        "merge_seconds": round(stats["merges"]["total_time_in_millis"] / 1000, 2),
        "docs_per_second": round(ok / seconds, 1),
        "ms_per_doc": round(1000 * seconds / max(1, ok), 3),
        "store_bytes": size,
        "store_mib": round(size / 2**20, 1),
        "bytes_per_doc": round(size / max(1, ok)),
        "segments": stats["segments"]["count"],
    }


def node_cpu_seconds(es: Elasticsearch) -> float:
    """CPU seconds the Elasticsearch process(es) behind ``es`` have used so far (all nodes)."""
    nodes = es.nodes.stats(metric="process")["nodes"].values()
    return sum(node["process"]["cpu"]["total_in_millis"] for node in nodes) / 1000


# --- queries -----------------------------------------------------------------------------------


def _words(text: str, min_len: int) -> list[str]:
    return [w for w in (text or "").split() if len(w) >= min_len and _ARABIC_WORD.fullmatch(w)]


def stop_words(es: Elasticsearch, docs: list[dict[str, Any]]) -> set[str]:
    """The title words Elasticsearch's ``_arabic_`` stop list removes (asked of the node itself)."""
    vocabulary = sorted({w for d in docs for w in _words(d["title"], 2)})
    kept: set[str] = set()
    for start in range(0, len(vocabulary), 5000):  # _analyze returns at most 10k tokens
        chunk = vocabulary[start : start + 5000]
        response = es.indices.analyze(
            tokenizer="whitespace", filter=[{"type": "stop", "stopwords": "_arabic_"}], text=" ".join(chunk)
        )
        kept.update(t["token"] for t in response["tokens"])
    return set(vocabulary) - kept


def draw_queries(
    docs: list[dict[str, Any]], per_set: int, seed: int, stop: set[str]
) -> dict[str, list[Query]]:
    """``per_set`` distinct queries per set, drawn from random documents with ``random.Random(seed)``.

    A content word is a title word of Arabic letters only, 3+ letters long, not in the ``_arabic_``
    stop list (``stop``), found in at least 2 titles and in at most 2 % of them. One word: a content
    word of a random title; two words: two content words of one title, in title order; phrase:
    three consecutive Arabic-letter words (2+ letters) of a random body, quoted; date filter: a
    content word of a dated article, since/until 15 days either side of its date; source facet: a
    content word of an article, filtered to its source.
    """
    rng = random.Random(seed)
    df = Counter(w for d in docs for w in set(_words(d["title"], 3)))
    ceiling = max(2, int(0.02 * len(docs)))

    def content(doc: dict[str, Any]) -> list[str]:
        return list(
            dict.fromkeys(w for w in _words(doc["title"], 3) if 2 <= df[w] <= ceiling and w not in stop)
        )

    def one_word(doc: dict[str, Any]) -> Query | None:
        words = content(doc)
        return {"text": rng.choice(words)} if words else None

    def two_words(doc: dict[str, Any]) -> Query | None:
        words = content(doc)
        if len(words) < 2:
            return None
        i, j = sorted(rng.sample(range(len(words)), 2))
        return {"text": f"{words[i]} {words[j]}"}

    def phrase(doc: dict[str, Any]) -> Query | None:
        tokens = (doc["body"] or "").split()
        for _ in range(20):
            if len(tokens) < 3:
                return None
            start = rng.randrange(len(tokens) - 2)
            window = tokens[start : start + 3]
            if all(len(t) >= 2 and _ARABIC_WORD.fullmatch(t) for t in window):
                return {"text": '"' + " ".join(window) + '"'}
        return None

    def date_filter(doc: dict[str, Any]) -> Query | None:
        query = one_word(doc)
        if not query or not doc.get("published_at"):
            return None
        day = date.fromisoformat(doc["published_at"][:10])
        since, until = (str(day + timedelta(days=d)) for d in (-15, 15))
        return query | {"since": since, "until": until}

    def source_facet(doc: dict[str, Any]) -> Query | None:
        query = one_word(doc)
        return query | {"sources": [doc["source_id"]]} if query else None

    makers = dict(zip(SETS, (one_word, two_words, phrase, date_filter, source_facet), strict=True))
    out: dict[str, list[Query]] = {}
    for name, make in makers.items():
        seen: dict[str, Query] = {}
        for _ in range(per_set * 50):
            if len(seen) >= per_set:
                break
            query = make(docs[rng.randrange(len(docs))])
            if query:
                seen.setdefault(json.dumps(query, ensure_ascii=False, sort_keys=True), query)
        out[name] = list(seen.values())
    return out


def _query(query: Query) -> SearchQuery:
    return SearchQuery(
        query["text"], sources=query.get("sources") or (), since=query.get("since"), until=query.get("until")
    )


def khabar_request(query: Query, *, aggs: bool = True, highlight: bool = True) -> dict[str, Any]:
    request = build_request(_query(query))
    if not aggs:
        request.pop("aggs")
    if not highlight:
        request.pop("highlight")
    return request


def arabic_request(query: Query, *, aggs: bool = True) -> dict[str, Any]:
    """The shipped request's filters, sort, size, highlight and aggs around a plain multi_match."""
    request = khabar_request(query, aggs=aggs, highlight=aggs)
    # the shipped request's non-text filters (sources, dates): what it builds for an empty text
    filters = build_request(replace(_query(query), text=""))
    text = query["text"]
    if text.startswith('"') and text.endswith('"'):
        match = {"multi_match": {"query": text.strip('"'), "fields": PEER_FIELDS, "type": "phrase"}}
    else:
        match = {"multi_match": {"query": text, "fields": PEER_FIELDS, "operator": "or"}}
    request["query"] = {"bool": {"must": [match], "filter": filters["query"]["bool"]["filter"]}}
    return request


# row -> (index variant, request builder)
ROWS: dict[str, tuple[str, Callable[[Query], dict[str, Any]]]] = {
    "khabar": ("khabar", khabar_request),
    "khabar, no highlight": ("khabar", lambda q: khabar_request(q, highlight=False)),
    "khabar, no aggs/highlight": ("khabar", lambda q: khabar_request(q, aggs=False, highlight=False)),
    "arabic": ("arabic", arabic_request),
    "arabic, no aggs/highlight": ("arabic", lambda q: arabic_request(q, aggs=False)),
}


def _summary(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(cuts[18], 1),
        "mean": round(statistics.fmean(values), 1),
        "max": round(max(values), 1),
    }


def measure(
    es: Elasticsearch,
    indices: dict[str, str],
    queries: dict[str, list[Query]],
    warmup: dict[str, list[Query]],
) -> dict[str, dict[str, Any]]:
    """Row -> set -> wall/took summaries; the rows take turns on every query (rotating order)."""

    def run(row: str, query: Query) -> tuple[float, int, int]:
        variant, make = ROWS[row]
        request = make(query)
        t0 = time.perf_counter()
        response = es.search(index=indices[variant], **request).body
        wall = 1000 * (time.perf_counter() - t0)
        return wall, int(response["took"]), int(response["hits"]["total"]["value"])

    rows = list(ROWS)
    for name in SETS:
        for query in warmup[name]:
            for row in rows:
                run(row, query)

    def summary(values: list[tuple[float, int, int]]) -> dict[str, Any]:
        return {
            "queries": len(values),
            "wall_ms": _summary([v[0] for v in values]),
            "took_ms": _summary([float(v[1]) for v in values]),
            "mean_hits": round(statistics.fmean(v[2] for v in values), 1),
        }

    results: dict[str, dict[str, Any]] = {row: {} for row in rows}
    pooled: dict[str, list[tuple[float, int, int]]] = {row: [] for row in rows}
    for name in SETS:
        samples: dict[str, list[tuple[float, int, int]]] = {row: [] for row in rows}
        for i, query in enumerate(queries[name]):
            for row in rows[i % len(rows) :] + rows[: i % len(rows)]:
                samples[row].append(run(row, query))
        for row, values in samples.items():
            results[row][name] = summary(values)
            pooled[row].extend(values)
        print(f"  measured {name!r}: {len(queries[name])} queries x {len(rows)} rows", flush=True)
    for row, values in pooled.items():
        results[row]["all sets"] = summary(values)
    return results


# --- run ---------------------------------------------------------------------------------------


def ratios(growth: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per size: khabar's indexing time and store size over the ``arabic`` peer's."""
    by = {(r["index"], r["size"]): r for r in growth}
    return {
        str(size): {
            "seconds": round(by["khabar", size]["seconds"] / by["arabic", size]["seconds"], 2),
            "store": round(by["khabar", size]["store_bytes"] / by["arabic", size]["store_bytes"], 2),
        }
        for (variant, size) in by
        if variant == "khabar" and ("arabic", size) in by
    }


def parse_sizes(text: str, available: int) -> list[int]:
    sizes = {available if part.strip() == "all" else min(int(part), available) for part in text.split(",")}
    return sorted(sizes)


def _git_commit() -> str:
    run = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    return run.stdout.strip() or "unknown"


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated document counts, 'all' = every one")
    parser.add_argument("--queries", type=int, default=None, help="distinct queries per set (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up queries per set and row")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N corpus articles")
    parser.add_argument("--quick", action="store_true", help="2000 articles, sizes 500,2000, 40 queries")
    parser.add_argument("--rebuild", action="store_true", help="enrich again even if cached")
    parser.add_argument("--workers", type=int, default=1, help="enrichment processes (cache build)")
    parser.add_argument(
        "--out", type=Path, default=None, help="default var/bench/search-latency[-quick].json"
    )
    args = parser.parse_args()
    out = args.out or BENCH_DIR / f"search-latency{'-quick' if args.quick else ''}.json"
    limit = args.limit or (2000 if args.quick else None)
    sizes_text = args.sizes or ("500,all" if args.quick else "1000,10000,all")
    per_set = args.queries or (40 if args.quick else 200)
    warmup_per_set = min(args.warmup, 10) if args.quick else args.warmup

    settings = Settings.from_env()
    uptime_start = _uptime()
    print(f"start: {uptime_start}")
    docs, enrichment = load_documents(
        settings.data_dir, limit=limit, rebuild=args.rebuild, workers=args.workers
    )
    how = "cache " + enrichment["cache"] if enrichment["from_cache"] else "built now"
    print(
        f"{len(docs)} documents ({how}); enrichment took {enrichment['enrich_seconds']:.0f} s wall, "
        f"{enrichment['enrich_ms_per_doc_cpu']:.0f} ms CPU per document"
    )
    sizes = parse_sizes(sizes_text, len(docs))
    order = list(range(len(docs)))
    random.Random(SEED).shuffle(order)  # each size is a sample of the whole corpus, not one source

    es = es_client(settings, request_timeout=300)
    tag = uuid.uuid4().hex[:8]
    created: list[str] = []
    growth: list[dict[str, Any]] = []
    latency: dict[str, dict[str, Any]] = {}
    stop = stop_words(es, docs)
    queries = draw_queries(docs, per_set, SEED, stop)
    warmup = draw_queries(docs, warmup_per_set, SEED + 1, stop)
    try:
        for n in sizes:
            subset = [docs[i] for i in order[:n]]
            for variant, body in INDICES.items():
                name = f"khabar-bench-latency-{tag}-{variant}-{n}"
                created.append(name)
                row = {"index": variant, "size": n} | index_documents(es, name, body(), subset, settings)
                growth.append(row)
                print(
                    f"  {variant:7} {n:>6} docs: {row['seconds']:6.1f} s, {row['docs_per_second']:6.0f} docs/s, "
                    f"{row['store_mib']:7.1f} MiB",
                    flush=True,
                )
                if n != sizes[-1]:
                    es.indices.delete(index=name)
        largest = {variant: f"khabar-bench-latency-{tag}-{variant}-{sizes[-1]}" for variant in INDICES}
        uptime_latency = _uptime()
        latency = measure(es, largest, queries, warmup)
    finally:
        for name in created:
            es.indices.delete(index=name, ignore_unavailable=True)
    uptime_end = _uptime()

    info = es.info().body
    result = {
        "benchmark": "search-latency",
        "corpus": {"name": "ANT v2.1 multisource", "documents": len(docs), "limit": limit},
        "enrichment": enrichment,
        "growth": growth,
        "khabar_vs_arabic": ratios(growth),
        "latency_index_size": sizes[-1],
        "latency": latency,
        "queries": {
            "per_set": {name: len(q) for name, q in queries.items()},
            "warmup_per_set": warmup_per_set,
            "seed": SEED,
            "examples": {name: q[:5] for name, q in queries.items()},
            "client": "one client, sequential; wall = request to parsed response",
        },
        "environment": environment(
            elasticsearch=info["version"]["number"],
            uptime_start=uptime_start,
            uptime_latency_start=uptime_latency,
            uptime_end=uptime_end,
            es_url=settings.es_url,
            commit=_git_commit(),
            template_version=load_template().get("version"),
        ),
    }
    write_result(out, result)
    print_tables(result)
    print(f"\nresults: {out}")


def print_tables(result: dict[str, Any]) -> None:
    print("\nGrowth (bulk + one refresh; store size as left, not merged)")
    print(
        f"{'index':8} {'docs':>6} {'seconds':>8} {'docs/s':>7} {'ms/doc':>7} {'MiB':>7} {'KiB/doc':>8} "
        f"{'segments':>8}"
    )
    for row in result["growth"]:
        print(
            f"{row['index']:8} {row['docs']:>6} {row['seconds']:>8.1f} {row['docs_per_second']:>7.0f} "
            f"{row['ms_per_doc']:>7.2f} {row['store_mib']:>7.1f} {row['bytes_per_doc'] / 1024:>8.1f} "
            f"{row['segments']:>8}"
        )
    for size, ratio in result["khabar_vs_arabic"].items():
        print(
            f"  {size} docs: khabar takes x{ratio['seconds']:.2f} the time and x{ratio['store']:.2f} the disk"
        )
    n = result["latency_index_size"]
    print(f"\nLatency on {n} documents, ms (one client, sequential; wall = client, took = Elasticsearch)")
    header = f"{'set':13} {'row':26} {'p50':>6} {'p95':>6} {'mean':>6} {'max':>6} {'took50':>7} {'took95':>7} {'hits':>7}"
    print(header)
    for name in (*SETS, "all sets"):
        for row, sets in result["latency"].items():
            s = sets[name]
            w, t = s["wall_ms"], s["took_ms"]
            print(
                f"{name:13} {row:26} {w['p50']:>6.1f} {w['p95']:>6.1f} {w['mean']:>6.1f} {w['max']:>6.1f} "
                f"{t['p50']:>7.1f} {t['p95']:>7.1f} {s['mean_hits']:>7.0f}"
            )


if __name__ == "__main__":
    run(main)
