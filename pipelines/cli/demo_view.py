"""How ``khabar demo`` looks: a Rich progress line per step while :func:`pipelines.ops.demo.run_demo`
runs, then the report (ingest table, indexer counts, searches with highlights, what to do next)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipelines.cli.render import marked
from pipelines.config import Settings
from pipelines.ops.demo import DemoReport, Say, StepView, how_to_continue


@contextmanager
def progress_view(console: Console) -> Iterator[StepView]:
    """A live progress display; each step is one line, with its time once done."""
    columns = (
        SpinnerColumn(finished_text="[green]✓[/]"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:

        @contextmanager
        def step(description: str) -> Iterator[Say]:
            task = progress.add_task(description, total=1)
            started = time.monotonic()
            try:
                yield lambda message: progress.update(task, description=f"{description} — {message}")
            finally:
                took = time.monotonic() - started
                progress.update(task, completed=1, description=f"{description} ({took:.1f}s)")

        yield step


def print_ingest(console: Console, ingest: dict[str, Any]) -> None:
    summary = ingest.get("xcoms", {}).get("summarize", {})
    table = Table(
        title=f"news_ingest run {ingest.get('run_id', '')}: {ingest.get('state')}", title_justify="left"
    )
    for column in ("source", "task", "articles", "published", "pages", "errors", "error classes"):
        table.add_column(column)
    states = {t["map_index"]: t["state"] for t in ingest.get("tasks", []) if t["task_id"] == "ingest_source"}
    for source_id, state in sorted(states.items()):
        counts = summary.get("per_source", {}).get(source_id, {})
        classes = ", ".join(f"{k} {v}" for k, v in sorted(counts.get("error_classes", {}).items()))
        table.add_row(
            source_id,
            state,
            str(counts.get("articles", "-")),
            str(counts.get("published", "-")),
            str(counts.get("pages", "-")),
            str(counts.get("errors", "-")),
            classes or "-",
        )
    console.print(table)
    totals = summary.get("totals", {})
    console.print(
        f"Crawl state: {totals.get('discovery_not_modified', 0)} feeds/sitemaps and "
        f"{totals.get('not_modified', 0)} pages answered 304 Not Modified; "
        f"{totals.get('unchanged', 0)} re-fetched articles were unchanged; "
        f"{totals.get('published', 0)} new or updated articles published; "
        f"{totals.get('dead_lettered', 0)} error records sent to the DLQ."
    )


def print_searches(console: Console, searches: dict[str, Any]) -> None:
    for query, result in searches.items():
        console.print(
            f"\n[bold]بحث:[/] [cyan]{escape(query)}[/]  — {result['total']} نتيجة ({result['took_ms']} ms)"
        )
        for hit in result["hits"]:
            console.print(f"  • [bold]{escape(hit['title'])}[/]  [dim]{hit['source_id']} {hit['url']}[/]")
            fragments = [f for frags in hit.get("highlights", {}).values() for f in frags][:2]
            for fragment in fragments:
                console.print(Text("      ") + marked(fragment, "bold black on yellow"))
        facets = {
            name: ", ".join(f"{b['key']} ({b['count']})" for b in buckets[:5])
            for name, buckets in result.get("facets", {}).items()
            if buckets
        }
        for name, text in facets.items():
            console.print(f"    [dim]{name}:[/] {escape(text)}")


def print_report(console: Console, settings: Settings, report: DemoReport) -> None:
    print_ingest(console, report.ingest)
    indexed = report.indexed
    console.print(
        f"Indexer: consumed {indexed.get('consumed', 0)}, indexed {indexed.get('indexed', 0)}, "
        f"version conflicts (older or replayed) {indexed.get('conflicts', 0)}, "
        f"dead-lettered {indexed.get('dead_lettered', 0)}."
    )
    print_searches(console, report.searches)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    verdict = "[green]found[/]" if report.seed_found else "[red]NOT found[/]"
    console.print(f"\nSeed article for «سوريا»: {verdict}.  Took {report.total_seconds:.1f}s ({timing}).")
    console.rule("next")
    for what, command in how_to_continue(settings):
        console.print(what)
        # soft_wrap: a long command stays one line, so it can be copied as is.
        console.print(f"  [bold cyan]{escape(command)}[/]", soft_wrap=True)
