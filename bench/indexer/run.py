"""Indexer throughput on the ANT corpus: Kafka -> khabar indexer -> Elasticsearch, against a plain
``elasticsearch.helpers.bulk`` loop sending the same documents to the same node (the ceiling).

    python bench/indexer/run.py [--limit 10000] [--workers 2] [--reindex-docs 30000] [--cache-only]

Rows, all in one run against the same Elasticsearch node, each into its own fresh index:

- ``ceiling``: ``helpers.bulk`` of the already enriched documents (no Kafka, no validation, no
  enrichment, no near-duplicate lookups, no offsets);
- ``indexer``: ``python -m pipelines.indexer run --until-caught-up`` as a real process reading the
  articles from Kafka: validation, enrichment (``to_document``), near-duplicate clustering, bulk,
  offset commits. Its peak RSS is sampled with psutil;
- ``indexer, pre-enriched``: the same service in-process with ``to_document`` replaced by a lookup
  of the documents the ceiling sent: what the service itself costs on top of Elasticsearch;
- ``indexer x2`` (``--two-processes``): two processes in one consumer group;
- ``pre-enriched + N ms CPU`` (``--enrichment-cost-ms N ...``): the pre-enriched service spending N
  ms of its own CPU per article before each lookup, in each round: the share of the ceiling an
  enrichment of that cost allows, to set beside what ``to_document`` costs
  (``bench/indexer/enrich_parts.py``);
- freshness (``--freshness-seconds``, default 120): a running indexer process while articles are
  published at a steady ``--freshness-rate`` (50/s); for each article, the time from its send
  (its Kafka timestamp, to the millisecond) to a search by ``ids`` finding it, polled every 0.2 s;
  p50/p95/max, and the indexer's own ``khabar_indexer_freshness_seconds`` histogram next to it;
- reindex (``--reindex``): the full indexer's index rebuilt twice, by topic replay
  (``khabar index reindex``) and from the index (``--from-index``), seconds each.

Documents per second = documents indexed / seconds from the service's start to lag 0 (group join
included). Enriched documents are cached in var/bench/cache/ (enrichment is the slow part).
Results: var/bench/indexer.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from elasticsearch import ApiError, Elasticsearch, TransportError

from pipelines.config import PROJECT_ROOT, Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import (
    BENCH_DIR,
    CACHE_DIR,
    bulk_load,
    delete_topics,
    environment,
    run,
    write_result,
)

from pipelines.elastic.client import es_client
from pipelines.elastic.template import delete_alias_and_indices, setup_index
from pipelines.evaluation.ant_corpus import load_ant_articles
from pipelines.indexer.enrich import to_document
from pipelines.indexer.metrics import scrape
from pipelines.indexer.reindex import (
    committed_offsets,
    reindex,
    reindex_from_index,
    seed_group,
)
from pipelines.indexer.service import IndexerService, RunOptions
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import make_consumer, make_producer
from pipelines.kafka.topics import ensure_topics
from pipelines.model import Article

_ENV_FIELDS = ("kafka_bootstrap", "es_url", "topic_articles", "topic_dlq", "index_alias", "indexer_group")


def enriched(articles: list[Article], cache: Path) -> dict[str, dict[str, Any]]:
    """article_id -> ES document, computed once per corpus subset and cached."""
    wanted = {a.article_id for a in articles}
    # this subset's cache, else a larger one that holds it (the corpus is read in a fixed order)
    for path in [cache, *sorted(cache.parent.glob("indexer-docs-*.json"))]:
        if path.is_file():
            docs = json.loads(path.read_text(encoding="utf-8"))
            if wanted <= docs.keys():
                return {k: docs[k] for k in wanted}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        docs = dict(
            zip((a.article_id for a in articles), pool.map(to_document, articles, chunksize=100), strict=True)
        )
    print(f"  enriched {len(docs)} documents in {time.perf_counter() - t0:.0f} s (cached in {cache})")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    return docs


def rate(row: dict[str, Any]) -> float:
    """Documents per second, from the first record consumed to lag 0 (group join excluded)."""
    return row["docs"] / max(1e-9, row["seconds"] - row.get("startup_seconds", 0))


def count(es: Elasticsearch, alias: str) -> int:
    es.indices.refresh(index=alias)
    return int(es.count(index=alias)["count"])


def run_ceiling(es: Elasticsearch, settings: Settings, articles: list[Article], docs: dict) -> dict[str, Any]:
    setup_index(es, settings)
    alias = settings.index_alias
    actions = (
        {
            "_index": alias,
            "_id": a.article_id,
            "version": a.version,
            "version_type": "external",
            "_source": docs[a.article_id],
        }
        for a in articles
    )
    ok, errors, seconds = bulk_load(es, actions, settings)
    return {"docs": count(es, alias), "bulk_ok": ok, "bulk_errors": errors, "seconds": seconds}


def run_process(settings: Settings, processes: int, workers: int = 0) -> dict[str, Any]:
    """Indexer process(es) until caught up, each with ``workers`` enrichment processes; peak RSS
    summed over the processes and their workers, sampled every 0.1 s."""
    log = BENCH_DIR / "indexer-process.log"
    cmd = [sys.executable, "-m", "pipelines.indexer", "run"]
    cmd += ["--until-caught-up", "--no-setup", "--metrics-port", "0", "--workers", str(workers)]
    env = _env(settings)
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=log.open("a"))
        for _ in range(processes)
    ]
    handles = [psutil.Process(p.pid) for p in procs]
    peak = 0
    while any(p.poll() is None for p in procs):
        rss = 0
        for handle in handles:
            with contextlib.suppress(psutil.Error):
                rss += handle.memory_info().rss
                rss += sum(c.memory_info().rss for c in handle.children(recursive=True))
        peak = max(peak, rss)
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    if any(p.returncode for p in procs):
        raise SystemExit(f"indexer exited with {[p.returncode for p in procs]}; see {log}")
    summaries = [json.loads(p.stdout.read()) for p in procs]  # type: ignore[union-attr]
    return {
        "processes": processes,
        "workers_per_process": workers,
        "seconds": max(s["seconds"] for s in summaries),
        "startup_seconds": min(s["startup_seconds"] or 0 for s in summaries),
        "wall_seconds_with_process_start": round(wall, 2),
        "indexed": sum(s["indexed"] for s in summaries),
        "dead_lettered": sum(s["dead_lettered"] for s in summaries),
        "peak_rss_mib": round(peak / 2**20, 1),
    }


def run_pre_enriched(settings: Settings, docs: dict, cost_ms: float = 0.0) -> dict[str, Any]:
    options = RunOptions.from_settings(settings, until_caught_up=True, progress_seconds=60)

    def lookup(article: Article) -> dict[str, Any]:
        if cost_ms:
            _spend_cpu(cost_ms / 1000)
        return dict(docs[article.article_id])

    service = IndexerService(settings, options, to_document=lookup)
    summary = service.run()
    return {
        "seconds": summary.seconds,
        "startup_seconds": summary.startup_seconds or 0,
        "indexed": summary.indexed,
        "dead_lettered": summary.dead_lettered,
    }


def _spend_cpu(seconds: float) -> None:
    """Busy for ``seconds`` of this thread's CPU time, holding the GIL as enrichment does."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def _env(settings: Settings) -> dict[str, str]:
    return dict(os.environ) | {f"KHABAR_{f.upper()}": str(getattr(settings, f)) for f in _ENV_FIELDS}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_freshness(
    settings: Settings, articles: list[Article], rate_per_s: float, seconds: float, workers: int = 0
) -> dict[str, Any]:
    """A live indexer under a steady stream: seconds from send to searchable, per article."""
    es = es_client(settings, request_timeout=30)
    metrics_port = settings.metrics_port
    env = _env(settings) | {"KHABAR_METRICS_PORT": str(metrics_port)}
    log = PROJECT_ROOT / "var" / "bench" / "indexer-freshness.log"
    cmd = [sys.executable, "-m", "pipelines.indexer", "run", "--no-setup", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("a"))
    wanted = articles[: int(rate_per_s * seconds)]
    sent: dict[str, float] = {}
    found: dict[str, float] = {}
    lock = threading.Lock()
    done = threading.Event()

    def publish() -> None:
        producer = make_producer(settings, "bench-freshness")
        tick = 0.1
        per_tick = max(1, round(rate_per_s * tick))
        start = time.time()
        try:
            for n in range(0, len(wanted), per_tick):
                chunk = wanted[n : n + per_tick]
                delay = start + (n / per_tick) * tick - time.time()
                if delay > 0:
                    time.sleep(delay)
                now = time.time()
                with lock:
                    sent.update({a.article_id: now for a in chunk})
                publish_articles(chunk, settings, producer=producer)
        finally:
            producer.close()
            done.set()

    try:
        # Startup is not freshness: the clock starts once a first article went all the way through.
        warm = articles[len(wanted)] if len(articles) > len(wanted) else articles[-1]
        publish_articles([warm], settings)
        ready_by = time.time() + 180
        while not es.options(ignore_status=404).search(
            index=settings.index_alias, query={"ids": {"values": [warm.article_id]}}, source=False
        )["hits"]["hits"]:
            if time.time() > ready_by or proc.poll() is not None:
                raise SystemExit(f"the indexer did not index a first article; see {log}")
            time.sleep(0.2)
        publisher = threading.Thread(target=publish, name="bench-publisher", daemon=True)
        publisher.start()
        deadline = time.time() + seconds + 60
        while time.time() < deadline:
            with lock:
                pending = [i for i in sent if i not in found]
            if done.is_set() and not pending:
                break
            for n in range(0, len(pending), 1000):
                try:
                    hits = es.search(
                        index=settings.index_alias,
                        query={"ids": {"values": pending[n : n + 1000]}},
                        source=False,
                        size=1000,
                    )["hits"]["hits"]
                except (ApiError, TransportError):  # a slow answer under load: poll again
                    continue
                now = time.time()
                found.update({h["_id"]: now for h in hits})
            time.sleep(0.2)
        histogram = scrape(metrics_port) or {}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    ages = [found[i] - sent[i] for i in found]
    buckets = {k: v for k, v in histogram.items() if k.startswith("khabar_indexer_freshness_seconds_bucket")}
    total = histogram.get("khabar_indexer_freshness_seconds_count", 0)
    within_3s = buckets.get("khabar_indexer_freshness_seconds_bucket{le=3.0}", 0)
    return {
        "workers": workers,
        "rate_per_second": rate_per_s,
        "seconds": seconds,
        "sent": len(sent),
        "found": len(found),
        "p50_seconds": round(statistics.median(ages), 3) if ages else None,
        "p95_seconds": round(percentile(ages, 0.95), 3) if ages else None,
        "max_seconds": round(max(ages), 3) if ages else None,
        "metric_count": total,
        "metric_share_within_3s": round(within_3s / total, 3) if total else None,
        "metric_mean_seconds": round(histogram.get("khabar_indexer_freshness_seconds_sum", 0) / total, 3)
        if total
        else None,
    }


def run_reindexes(es: Elasticsearch, settings: Settings) -> dict[str, Any]:
    """Rebuild the alias of ``settings`` by topic replay, then from the index; seconds and counts."""
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    replay = reindex(settings, es=es)
    out["topic replay"] = {"seconds": round(time.perf_counter() - t0, 2), "docs": replay.doc_count}
    t0 = time.perf_counter()
    copy = reindex_from_index(settings, es=es)
    out["from index"] = {
        "seconds": round(time.perf_counter() - t0, 2),
        "docs": copy.doc_count,
        "method": copy.copy.method,
        "copy_seconds": copy.copy.seconds,
        "replayed_records": copy.catch_up_before_swap.consumed + copy.catch_up_after_swap.consumed,
    }
    return out


def prepare_reindex(
    es: Elasticsearch, settings: Settings, articles: list[Article], docs: dict[str, dict[str, Any]]
) -> int:
    """A live index of ``articles`` as the indexer would leave it, without spending the run on it:
    the articles published to the topic, their enriched documents bulk-loaded with their external
    versions, and the live group's offsets committed at the end of the topic."""
    ensure_topics(settings)
    publish_articles(articles, settings)
    setup_index(es, settings)
    actions = (
        {
            "_index": settings.index_alias,
            "_id": a.article_id,
            "version": a.version,
            "version_type": "external",
            "_source": docs[a.article_id],
        }
        for a in articles
    )
    bulk_load(es, actions, settings)
    partitions = list(committed_offsets(settings, f"{settings.indexer_group}-probe", settings.topic_articles))
    consumer = make_consumer(settings, role="bench-offsets")
    try:
        ends = consumer.end_offsets(partitions)
    finally:
        consumer.close(autocommit=False)
    seed_group(settings, settings.indexer_group, ends)
    return count(es, settings.index_alias)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10000, help="ANT articles to use (default 10000)")
    parser.add_argument(
        "--two-processes", action=argparse.BooleanOptionalAction, default=True, help="two indexer processes"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="enrichment processes (row)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating ceiling / pre-enriched rounds")
    parser.add_argument("--no-full", action="store_true", help="skip the (enrichment-bound) indexer process")
    parser.add_argument(
        "--enrichment-cost-ms",
        type=float,
        nargs="*",
        default=[],
        metavar="MS",
        help="rows of the pre-enriched service spending this much CPU per article, in each round",
    )
    parser.add_argument("--freshness-seconds", type=float, default=120, help="0 skips the freshness run")
    parser.add_argument("--freshness-rate", type=float, default=50.0, help="articles per second")
    parser.add_argument(
        "--reindex-docs", type=int, default=30000, help="reindex both ways at this size (0: no)"
    )
    parser.add_argument("--cache-only", action="store_true", help="only enrich and cache the documents")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "indexer.json")
    args = parser.parse_args()

    base = Settings.from_env()
    articles, stats = load_ant_articles(base.data_dir, limit=max(args.limit, args.reindex_docs))
    re_articles = articles[: args.reindex_docs]
    articles = articles[: args.limit]
    tag = uuid.uuid4().hex[:8]
    settings = base.with_overrides(
        topic_articles=f"bench.indexer.{tag}.articles",
        topic_dlq=f"bench.indexer.{tag}.dlq",
        topic_pages=f"bench.indexer.{tag}.pages",
        topic_enriched=f"bench.indexer.{tag}.enriched",
        metrics_port=base.metrics_port + 7,  # the freshness run's indexer exposes its histogram there
    )
    es = es_client(settings, request_timeout=120)
    load_at_start = os.getloadavg()
    print(f"ANT v2.1: {len(articles)} articles; load average {load_at_start[0]:.1f} on {os.cpu_count()} CPUs")
    if re_articles:
        re_docs = enriched(re_articles, CACHE_DIR / f"indexer-docs-{len(re_articles)}.json")
    docs = enriched(articles, CACHE_DIR / f"indexer-docs-{len(articles)}.json")
    if args.cache_only:
        return

    rows: dict[str, dict[str, Any]] = {}
    freshness: dict[str, Any] | None = None
    reindexes: dict[str, Any] | None = None
    aliases = []
    topics = [settings.topic_articles, settings.topic_dlq, settings.topic_pages, settings.topic_enriched]

    def target(name: str) -> Settings:
        alias = f"bench-{name}-{tag}"
        aliases.append(alias)
        return settings.with_overrides(index_alias=alias, indexer_group=f"bench-{name}-{tag}")

    def load() -> float:
        return round(os.getloadavg()[0], 1)

    try:
        ensure_topics(settings)
        t0 = time.perf_counter()
        outcomes = publish_articles(articles, settings)
        published = sum(o.status == "published" for o in outcomes)
        print(f"  published {published} articles to Kafka in {time.perf_counter() - t0:.1f} s")

        costs = {f"pre-enriched + {ms:g} ms CPU": ms for ms in args.enrichment_cost_ms}
        rounds: dict[str, list[dict[str, Any]]] = {"ceiling": [], "indexer, pre-enriched": []}
        rounds |= {name: [] for name in costs}
        for n in range(args.rounds):  # alternate, so drift in the shared machine's load hits both
            la = load()
            rounds["ceiling"].append(run_ceiling(es, target(f"ceiling{n}"), articles, docs) | {"load": la})
            s = target(f"pre{n}")
            setup_index(es, s)
            la = load()
            rounds["indexer, pre-enriched"].append(
                run_pre_enriched(s, docs) | {"docs": count(es, s.index_alias), "load": la}
            )
            for name, ms in costs.items():
                s = target(f"cost{n}-{ms:g}".replace(".", "_"))
                setup_index(es, s)
                la = load()
                rounds[name].append(
                    run_pre_enriched(s, docs, ms) | {"docs": count(es, s.index_alias), "load": la}
                )
            print(
                f"  round {n + 1}: " + ", ".join(f"{k} {rate(v[-1]):.0f} docs/s" for k, v in rounds.items())
            )
        full = [("indexer", 1, 0), (f"indexer, {args.workers} workers", 1, args.workers)]
        if args.two_processes:
            full.append(("indexer x2", 2, 0))
        for name, processes, workers in full if not args.no_full else []:
            s = target(name.replace(" ", "").replace(",", "-"))
            setup_index(es, s)
            la = load()
            rows[name] = run_process(s, processes, workers) | {"docs": count(es, s.index_alias), "load": la}
            print(f"  {name}: {rate(rows[name]):.0f} docs/s")
        if args.freshness_seconds > 0:
            fresh_topic = f"bench.indexer.{tag}.fresh"
            topics.append(fresh_topic)
            s = target("fresh").with_overrides(topic_articles=fresh_topic)
            ensure_topics(s)
            setup_index(es, s)
            la = load()
            freshness = run_freshness(
                s, articles, args.freshness_rate, args.freshness_seconds, args.workers
            ) | {"load": la}
            print(f"  freshness: p50 {freshness['p50_seconds']} s, p95 {freshness['p95_seconds']} s")
        if re_articles:
            re_topic = f"bench.indexer.{tag}.re"
            topics.append(re_topic)
            s = target("re").with_overrides(topic_articles=re_topic, indexer_workers=args.workers)
            live = prepare_reindex(es, s, re_articles, re_docs)
            la = load()
            reindexes = {"live_docs": live, "workers": args.workers, "load": la} | run_reindexes(es, s)
            print(
                f"  reindex of {live} docs: "
                + ", ".join(f"{k} {v['seconds']:.1f} s" for k, v in reindexes.items() if isinstance(v, dict))
            )
    finally:
        for alias in aliases:
            delete_alias_and_indices(es, alias)
            # a reindex leaves the previous indices outside the alias
            for index in es.indices.get(index=f"{alias}-*", expand_wildcards="all").body:
                es.indices.delete(index=index, ignore_unavailable=True)
        with contextlib.suppress(Exception):
            delete_topics(settings, topics)

    for name, runs in reversed(rounds.items()):  # the median round represents the row
        if not runs:
            continue
        rows = {
            name: sorted(runs, key=rate)[len(runs) // 2] | {"rounds": [round(rate(r), 1) for r in runs]}
        } | rows
    ceiling = rate(rows["ceiling"]) if "ceiling" in rows else None  # --rounds 0: freshness/reindex only
    for row in rows.values():
        row["docs_per_second"] = round(rate(row), 1)
        row["share_of_ceiling"] = round(row["docs_per_second"] / ceiling, 3) if ceiling else None
        row["seconds"] = round(row["seconds"], 2)

    result = {
        "benchmark": "indexer",
        "corpus": {
            "name": "ANT v2.1 multisource",
            "articles": len(articles),
            "published": published,
            **{k: v for k, v in vars(stats).items() if k != "skipped_examples"},
        },
        "ceiling_docs_per_second": round(ceiling, 1) if ceiling else None,
        "rows": rows,
        "freshness": freshness,
        "reindex": reindexes,
        "settings": {
            k: getattr(settings, k)
            for k in (
                "bulk_max_docs",
                "bulk_max_bytes",
                "bulk_max_seconds",
                "bulk_linger_seconds",
                "indexer_workers",
            )
        },
        "load_average_at_start": [round(x, 1) for x in load_at_start],
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
        "environment": environment(es_url=settings.es_url),
    }
    write_result(args.out, result)

    print(
        f"\n{'row':30} {'docs':>6} {'seconds':>8} {'docs/s':>8} {'of ceiling':>10} {'peak RSS':>9} {'load':>5}"
    )
    # seconds: the whole run; docs/s: from the first record to lag 0 (consumer-group join excluded)
    for name, row in rows.items():
        rss = f"{row['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in row else "-"
        print(
            f"{name:30} {row['docs']:>6} {row['seconds']:>8.1f} {row['docs_per_second']:>8.0f} "
            f"{row['share_of_ceiling']:>10.0%} {rss:>9} {row.get('load', 0):>5.1f}"
        )
    if freshness:
        print(
            f"\nfreshness at {freshness['rate_per_second']:.0f} articles/s for {freshness['seconds']:.0f} s: "
            f"{freshness['found']}/{freshness['sent']} found, p50 {freshness['p50_seconds']} s, "
            f"p95 {freshness['p95_seconds']} s, max {freshness['max_seconds']} s "
            f"(metric: mean {freshness['metric_mean_seconds']} s, {freshness['metric_share_within_3s']} within 3 s)"
        )
    if reindexes:
        print(f"\n{'reindex (' + str(reindexes['live_docs']) + ' docs)':24} {'seconds':>8} {'docs':>6}")
        for name, row in reindexes.items():
            if isinstance(row, dict):
                print(f"{name:24} {row['seconds']:>8.1f} {row['docs']:>6}")
    print(f"load average at start {load_at_start[0]:.1f}, at end {os.getloadavg()[0]:.1f}")
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    run(main)
