"""``khabar demo`` (what ``make demo`` runs): the whole pipeline once, on this machine."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from pipelines.config import get_settings
from pipelines.errors import KhabarError

app = typer.Typer(help="Run the end-to-end demo.")
console = Console()


@app.command()
def demo(
    port: int = typer.Option(8765, help="Port of the sample news site on 127.0.0.1 (a free one if taken)."),
    include_bad: bool = typer.Option(
        True,
        "--bad-cases/--no-bad-cases",
        help="Also crawl the sample site's bad cases (they go to the DLQ).",
    ),
    report_file: Path = typer.Option(
        None, help="Also write the run's report (timings, counts, hits) as JSON."
    ),
) -> None:
    """Start the local stack, scrape the sample site through Airflow into Kafka, index it, search it."""
    from pipelines.cli.demo_view import print_report, progress_view
    from pipelines.ops.demo import run_demo

    # The progress display is the demo's output; only warnings and errors are logged over it.
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.ERROR)  # "no partition metadata yet" while topics settle
    settings = get_settings()
    console.rule("[bold]khabar demo[/] — خبر")
    try:
        with progress_view(console) as view:
            report = run_demo(settings, port=port, include_bad=include_bad, view=view)
    except KhabarError as exc:
        console.print(f"[red]demo failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    print_report(console, settings, report)
    if report_file:
        report_file.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2, default=str))
    if not report.seed_found:
        raise typer.Exit(1)
