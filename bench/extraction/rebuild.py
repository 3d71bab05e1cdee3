"""Rebuild throughput: the 181 benchmark pages replayed through ``news.pages.v1``, then ``khabar rebuild``.

    python bench/extraction/rebuild.py [--rounds 2]

Needs the local Kafka (``khabar stack up kafka``; settings from the environment). Each round uses
fresh topics: the pages are published as the ingest run publishes them, then :func:`rebuild` reads
them back with a fresh group, extracts and publishes the articles (every article is new to the
topic, so all are published: the slowest case). Reports pages/s wall and pages per CPU-second.
Results: var/bench/rebuild.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipelines.config import Settings  # noqa: E402
from pipelines.ingest.publish import Publisher  # noqa: E402
from pipelines.ingest.rebuild import rebuild  # noqa: E402
from pipelines.kafka.clients import make_admin  # noqa: E402
from pipelines.kafka.topics import ensure_topics  # noqa: E402
from pipelines.model import RawPage  # noqa: E402


def _pages(data: Path) -> list[RawPage]:
    root = data / "extraction" / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    fetched = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        RawPage(
            url=truth[i].get("url") or f"https://bench.example/{i}",
            final_url=truth[i].get("url") or f"https://bench.example/{i}",
            status=200,
            content_type="text/html; charset=utf-8",
            body=gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()),
            fetched_at=fetched,
            source_id="bench",
        )
        for i in sorted(truth)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "rebuild.json")
    args = parser.parse_args()
    base = Settings.from_env()
    pages = _pages(base.data_dir)
    rounds = []
    for _ in range(args.rounds):
        run = uuid.uuid4().hex[:8]
        settings = base.with_overrides(
            topic_articles=f"bench.{run}.articles",
            topic_pages=f"bench.{run}.pages",
            topic_dlq=f"bench.{run}.dlq",
            topic_enriched=f"bench.{run}.enriched",
        )
        ensure_topics(settings)
        try:
            with Publisher(settings) as publisher:
                for page in pages:
                    publisher.send_page(page)
                assert all(o.ok for o in publisher.results())
            cpu = time.process_time()
            stats = rebuild(settings, [], group_id=f"bench-{run}")
            cpu = time.process_time() - cpu
            rounds.append({**stats.as_dict(), "pages_per_cpu_second": round(stats.pages / cpu, 1)})
        finally:
            admin = make_admin(settings)
            admin.delete_topics(
                [settings.topic_articles, settings.topic_pages, settings.topic_dlq, settings.topic_enriched]
            )
            admin.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rounds": rounds, "at": datetime.now(UTC).isoformat()}, indent=2))
    print(f"{'round':>5} {'pages':>6} {'republished':>11} {'dead':>5} {'pages/s':>8} {'pages/cpu-s':>11}")
    for n, r in enumerate(rounds, 1):
        print(
            f"{n:>5} {r['pages']:>6} {r['republished']:>11} {r['dead_lettered']:>5} "
            f"{r['pages_per_second']:>8} {r['pages_per_cpu_second']:>11}"
        )


if __name__ == "__main__":
    main()
