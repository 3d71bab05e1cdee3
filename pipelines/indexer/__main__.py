"""``python -m pipelines.indexer``: the indexer alone, for a process manager or a container.

The same run as ``khabar index run`` (:func:`pipelines.indexer.service.run_indexer`) with the same
options, without loading the CLI; the summary is printed as JSON on stdout, logs go to stderr.
``setup``, ``status`` and ``reindex`` are ``khabar index ...`` commands.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict

from pipelines.config import get_settings
from pipelines.errors import KhabarError
from pipelines.indexer.service import RunOptions, run_indexer
from pipelines.logs import setup as setup_logging


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.indexer", description="Consume news.articles.v1 and index every article."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="consume and index (SIGTERM/SIGINT stop it cleanly)")
    run.add_argument("--group", help="consumer group (default: KHABAR_INDEXER_GROUP)")
    run.add_argument("--until-caught-up", action="store_true", help="exit once the group's lag is 0")
    run.add_argument("--max-idle-seconds", type=float, help="exit after this many seconds without a message")
    run.add_argument(
        "--metrics-port", type=int, help="Prometheus port (default: KHABAR_METRICS_PORT; 0: off)"
    )
    run.add_argument(
        "--publish-enriched", action="store_true", help="also publish to news.articles.enriched.v1"
    )
    run.add_argument(
        "--workers", type=int, help="enrichment processes (default: KHABAR_INDEXER_WORKERS; 0: none)"
    )
    run.add_argument("--max-doc-bytes", type=int, help="dead-letter documents larger than this (bytes)")
    run.add_argument(
        "--setup", action=argparse.BooleanOptionalAction, default=True, help="set up the index first"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = get_settings()
    setup_logging(level=settings.log_level, fmt=settings.log_format)  # JSON unless KHABAR_LOG_FORMAT says
    logging.captureWarnings(True)
    options = RunOptions.from_settings(
        settings,
        group=args.group,
        until_caught_up=args.until_caught_up,
        max_idle_seconds=args.max_idle_seconds,
        publish_enriched=args.publish_enriched,
        max_doc_bytes=args.max_doc_bytes,
        workers=args.workers,
    )
    try:
        summary = run_indexer(settings, options, metrics_port=args.metrics_port, setup_first=args.setup)
    except KhabarError as exc:
        sys.stderr.write(f"indexer failed: {exc}\n")
        return 1
    sys.stdout.write(json.dumps(asdict(summary)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
