"""Publish throughput on the ANT corpus: khabar's producer settings vs kafka-python's defaults.

    python bench/publish/run.py [--limit N] [--rounds 2] [--bootstrap 127.0.0.1:9092]

Both producers send the same pre-encoded articles (key, JSON value, headers) to fresh 6-partition
topics, alternating, in the same run; the time runs from the first send to the last
acknowledgement. Bytes on the wire are the record batches the broker stored for the topic
(topic ``compression.type=producer``, so batches are kept as the producer compressed them, read
with DescribeLogDirs) next to the uncompressed record bytes. A third row times the whole
``publish_articles`` path (schema validation + JSON encoding + send). Results: var/bench/publish.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import kafka
from kafka import KafkaProducer

from pipelines.config import Settings
from pipelines.evaluation.ant_corpus import load_ant_articles
from pipelines.ingest.publish import publish_articles
from pipelines.kafka.clients import PRODUCER_DEFAULTS, encode_json, make_admin, make_producer, message_headers
from pipelines.kafka.topics import ensure_topics
from pipelines.model import ARTICLE_SCHEMA, ARTICLE_SCHEMA_VERSION, Article

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import BENCH_DIR, delete_topics, environment, private_topics, run, write_result

Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


def encode(articles: list[Article]) -> list[Record]:
    return [
        (
            a.article_id.encode(),
            encode_json(a.to_message()),
            message_headers(ARTICLE_SCHEMA, ARTICLE_SCHEMA_VERSION, source_id=a.source_id),
        )
        for a in articles
    ]


def create_topic(settings: Settings, name: str) -> None:
    admin = make_admin(settings, "bench")
    try:
        configs = {"compression.type": "producer", "max.message.bytes": str(settings.kafka_max_message_bytes)}
        topic = {"num_partitions": settings.articles_partitions, "replication_factor": 1, "configs": configs}
        admin.create_topics({name: topic}, wait_for_metadata=True)
    finally:
        admin.close()


def stored_bytes(settings: Settings, topic: str) -> int:
    admin = make_admin(settings, "bench")
    try:
        dirs = admin.describe_log_dirs([topic])
    finally:
        admin.close()
    return sum(
        p["partition_size"]
        for broker in dirs
        for log_dir in broker["log_dirs"]
        for t in log_dir["topics"]
        if t["name"] == topic
        for p in t["partitions"]
    )


def run_producer(label: str, producer: KafkaProducer, settings: Settings, records: list[Record]) -> dict:
    topic = f"bench.publish.{label}.{uuid.uuid4().hex[:8]}"
    create_topic(settings, topic)
    # Warm up the connection and metadata outside the timed part.
    producer.partitions_for(topic)
    start = time.perf_counter()
    futures = [producer.send(topic, key=k, value=v, headers=h) for k, v, h in records]
    producer.flush()
    elapsed = time.perf_counter() - start
    ok = sum(1 for f in futures if f.succeeded())
    failed = len(futures) - ok
    errors = sorted({type(f.exception).__name__ for f in futures if f.failed()})
    producer.close()
    time.sleep(1.0)  # let the broker roll the size it reports
    on_broker = stored_bytes(settings, topic)
    delete_topics(settings, [topic])
    raw = sum(len(k) + len(v) + sum(len(hk) + len(hv) for hk, hv in h) for k, v, h in records)
    return {
        "producer": label,
        "articles": len(records),
        "ok": ok,
        "failed": failed,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "articles_per_second": round(ok / elapsed, 1),
        "record_bytes": raw,
        "wire_bytes": on_broker,
        "wire_ratio": round(on_broker / raw, 3) if raw else None,
    }


def run_full_path(settings: Settings, articles: list[Article]) -> dict:
    bench = private_topics(settings, "bench.publish.full")
    ensure_topics(bench)
    producer = make_producer(bench, "bench")  # connected before the clock starts, like the others
    producer.partitions_for(bench.topic_articles)
    start = time.perf_counter()
    outcomes = publish_articles(articles, bench, producer=producer)
    elapsed = time.perf_counter() - start
    producer.close()
    ok = sum(o.status == "published" for o in outcomes)
    delete_topics(bench)
    return {
        "producer": "khabar publish_articles (validate+encode+send)",
        "articles": len(articles),
        "ok": ok,
        "dead_lettered": sum(o.status == "dead_lettered" for o in outcomes),
        "failed": sum(o.status == "failed" for o in outcomes),
        "seconds": round(elapsed, 3),
        "articles_per_second": round(ok / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use the first N articles (default: all)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per producer")
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "publish.json")
    args = parser.parse_args()

    settings = Settings.from_env()
    if args.bootstrap:
        settings = settings.with_overrides(kafka_bootstrap=args.bootstrap)
    t0 = time.perf_counter()
    articles, stats = load_ant_articles(settings.data_dir, limit=args.limit)
    load_seconds = time.perf_counter() - t0
    records = encode(articles)
    print(
        f"ANT v2.1: {stats.articles} articles from {stats.files} files ({stats.repaired} malformed "
        f"repaired, {stats.duplicates} duplicate URLs, {stats.skipped} without text) in {load_seconds:.0f} s"
    )

    runs: list[dict[str, Any]] = []
    for round_no in range(args.rounds):
        for label in ("defaults", "khabar"):
            if label == "defaults":
                producer = KafkaProducer(
                    bootstrap_servers=settings.kafka_bootstrap, client_id="bench-defaults"
                )
            else:
                producer = make_producer(settings, "bench")
            result = run_producer(label, producer, settings, records) | {"round": round_no + 1}
            runs.append(result)
            print(f"  round {round_no + 1} {label:8}: {result['articles_per_second']:>9,.0f} articles/s")
    full = run_full_path(settings, articles)
    print(f"  full path: {full['articles_per_second']:,.0f} articles/s")

    summary = {}
    for label in ("defaults", "khabar"):
        mine = [r for r in runs if r["producer"] == label]
        summary[label] = {
            "articles_per_second_median": round(statistics.median(r["articles_per_second"] for r in mine), 1),
            "wire_bytes": mine[-1]["wire_bytes"],
            "record_bytes": mine[-1]["record_bytes"],
            "wire_ratio": mine[-1]["wire_ratio"],
            "failed": max(r["failed"] for r in mine),
        }
    result = {
        "benchmark": "publish",
        "corpus": {"name": "ANT v2.1 multisource", **vars(stats)},
        "environment": environment(kafka_python=kafka.__version__, bootstrap=settings.kafka_bootstrap),
        "khabar_producer_settings": PRODUCER_DEFAULTS
        | {"max_request_size": settings.kafka_max_message_bytes},
        "defaults_producer_settings": "KafkaProducer(bootstrap_servers) only: kafka-python 3.x defaults "
        "(acks=all, enable_idempotence=True, compression_type=None, linger_ms=0, batch_size=16384, "
        "max_request_size=1048576)",
        "runs": runs,
        "full_path": full,
        "summary": summary,
    }
    write_result(args.out, result)

    print()
    print(
        f"{'producer':<10} {'articles/s':>11} {'record MB':>10} {'wire MB':>9} {'wire/record':>12} {'failed':>7}"
    )
    for label, s in summary.items():
        print(
            f"{label:<10} {s['articles_per_second_median']:>11,.0f} {s['record_bytes'] / 1e6:>10.1f} "
            f"{s['wire_bytes'] / 1e6:>9.1f} {s['wire_ratio']:>12.3f} {s['failed']:>7}"
        )
    print(f"{'full path':<10} {full['articles_per_second']:>11,.0f}  (khabar: validate + encode + send)")
    print(f"results: {args.out}")


if __name__ == "__main__":
    run(main)
