"""``khabar index setup|run|status|reindex``: the Elasticsearch side of khabar."""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import asdict
from typing import Any

import typer
from elasticsearch import ApiError, TransportError
from rich.console import Console
from rich.table import Table

from pipelines.cli.failures import is_unreachable
from pipelines.config import get_settings
from pipelines.errors import KhabarError

app = typer.Typer(help="Index articles from Kafka into Elasticsearch.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


@app.command()
def setup() -> None:
    """Create (or update) the index template, the first index and the write alias. Idempotent."""
    from pipelines.elastic.client import es_client
    from pipelines.elastic.template import setup_index

    settings = get_settings()
    try:
        report = setup_index(es_client(settings), settings)
    except (KhabarError, ApiError, TransportError) as exc:
        if is_unreachable(exc):
            raise  # one line from the CLI's failure handler
        console.print(f"[red]setup failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    out.print_json(json.dumps(report, default=str))


@app.command()
def run(
    group: str = typer.Option(None, envvar="KHABAR_INDEXER_GROUP", show_envvar=True, help="Consumer group."),
    until_caught_up: bool = typer.Option(False, "--until-caught-up", help="Exit once the group's lag is 0."),
    max_idle_seconds: float = typer.Option(None, help="Exit after this many seconds without a message."),
    metrics_port: int = typer.Option(
        None,
        envvar="KHABAR_METRICS_PORT",
        show_envvar=True,
        help="Prometheus port (0: off; the address is KHABAR_METRICS_ADDR).",
    ),
    publish_enriched: bool = typer.Option(
        False, "--publish-enriched", help="Also publish indexed documents to news.articles.enriched.v1."
    ),
    max_doc_bytes: int = typer.Option(None, help="Dead-letter documents larger than this (bytes)."),
    workers: int = typer.Option(
        None, envvar="KHABAR_INDEXER_WORKERS", show_envvar=True, help="Enrichment processes (0: in-process)."
    ),
    setup_first: bool = typer.Option(True, "--setup/--no-setup", help="Run `index setup` before consuming."),
) -> None:
    """Consume news.articles.v1 and index every article (SIGTERM/SIGINT stop it cleanly)."""
    from pipelines.indexer.service import RunOptions, run_indexer

    settings = get_settings()
    options = RunOptions.from_settings(
        settings,
        group=group,
        until_caught_up=until_caught_up,
        max_idle_seconds=max_idle_seconds,
        publish_enriched=publish_enriched,
        max_doc_bytes=max_doc_bytes,
        workers=workers,
    )
    try:
        summary = run_indexer(settings, options, metrics_port=metrics_port, setup_first=setup_first)
    except KhabarError as exc:
        console.print(f"[red]indexer failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    out.print_json(json.dumps(asdict(summary)))


@app.command()
def status(
    group: str = typer.Option(None, envvar="KHABAR_INDEXER_GROUP", show_envvar=True, help="Consumer group."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Documents in the index, consumer lag per partition, and a running indexer's metrics."""
    from pipelines.indexer.status import collect_status

    settings = get_settings()
    report = collect_status(settings, group=group or settings.indexer_group)
    if as_json:
        out.print_json(json.dumps(report, default=str))
        return
    indices = Table("index", "write", "documents", title=f"alias {report['alias']}")
    for row in report["indices"]:
        indices.add_row(row["index"], "yes" if row["write"] else "", str(row["docs"]))
    out.print(indices)
    lag = Table("partition", "committed", "end", "lag", title=f"group {report['group']} on {report['topic']}")
    for row in report["partitions"]:
        lag.add_row(str(row["partition"]), str(row["committed"]), str(row["end"]), str(row["lag"]))
    out.print(lag)
    if report["metrics"] is None:
        out.print(f"no indexer exposes metrics on port {settings.metrics_port}")
    else:
        metrics = Table("metric", "value", title="running indexer")
        for name, value in sorted(report["metrics"].items()):
            if "_bucket" not in name:
                metrics.add_row(name, f"{value:g}")
        out.print(metrics)


@app.command()
def reindex(
    from_index: bool = typer.Option(
        False,
        "--from-index",
        help="copy the live index's documents (no enrichment) and replay only the topic's tail; "
        "for analysis or mapping changes",
    ),
) -> None:
    """Rebuild into a new index (from the topic, or --from-index), then swap the alias atomically."""
    from pipelines.indexer.reindex import reindex as run_reindex
    from pipelines.indexer.reindex import reindex_from_index

    settings = get_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def progress(consumed: int, total: int, indexed: int) -> None:
        share = f"{100 * consumed / total:5.1f}%" if total else "  -  "
        console.print(f"replaying {consumed}/{total} messages ({share}), {indexed} documents written")

    def copy_progress(copied: int, total: int) -> None:
        console.print(f"copied {copied}/{total} documents")

    try:
        if from_index:
            report: Any = reindex_from_index(
                settings, progress=progress, copy_progress=copy_progress, stop=stop
            )
        else:
            report = run_reindex(settings, progress=progress, stop=stop)
    except KhabarError as exc:
        if is_unreachable(exc):
            raise
        console.print(f"[red]reindex failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    console.print(
        f"alias {report.alias} -> {report.new_index} ({report.doc_count} documents); "
        f"previous: {', '.join(report.old_indices)} ({report.old_doc_count} documents), kept: "
        "delete it when you no longer need it"
    )
    out.print_json(json.dumps(asdict(report), default=str))
