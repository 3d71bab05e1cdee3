"""``khabar scrape``: scrape sources from a sources file, write articles as JSON lines, print a summary.

Articles go to ``--out`` (default stdout), one ``news.articles.v1`` message per line; error records
go to ``--errors`` (default stderr) as JSON lines; the per-source summary table goes to stderr.
Nothing is published to Kafka here (the ``news_ingest`` DAG does that).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import typer
from rich.console import Console
from rich.table import Table

from pipelines.config import get_settings
from pipelines.errors import ConfigError

app = typer.Typer()


@contextlib.contextmanager
def _open(path: Path | None, default: IO[str]) -> Iterator[IO[str]]:
    if path is None or str(path) == "-":
        yield default
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        yield handle


def _summary(results: list) -> Table:  # list[ScrapeResult]
    table = Table(title="khabar scrape", show_lines=False)
    for column in ("source", "found", "new", "fetched", "304", "extracted", "unchanged", "skipped", "failed"):
        table.add_column(column, justify="left" if column == "source" else "right")
    table.add_column("failed by reason")
    for result in results:
        c = result.counts
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(c.get("failed_by_reason", {}).items()))
        table.add_row(
            result.source_id,
            *(
                str(c.get(k, 0))
                for k in ("found", "new", "fetched", "not_modified", "extracted", "unchanged")
            ),
            str(c.get("skipped", 0)),
            f"[red]{c['failed']}[/]" if c.get("failed") else "0",
            reasons,
        )
    return table


@app.command("scrape")
def scrape(
    sources: Path = typer.Option(
        None, "--sources", envvar="KHABAR_SOURCES_FILE", show_envvar=True, help="sources YAML"
    ),
    source: list[str] = typer.Option(None, "--source", help="only this source id (repeatable)"),
    limit: int = typer.Option(None, "--limit", min=0, help="at most N article pages per source"),
    out: Path = typer.Option(None, "--out", help="articles as JSON lines (default: stdout)"),
    errors: Path = typer.Option(None, "--errors", help="error records as JSON lines (default: stderr)"),
) -> None:
    """Discover, fetch and extract articles from news sources (no Kafka)."""
    from pipelines.fetch import CrawlState, Fetcher
    from pipelines.ingest.scrape import scrape_source
    from pipelines.sources import SourcesError, load_sources, select_sources

    # Not a terminal (CI, a pipe): a wide table, not one squeezed into 80 columns.
    console = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)
    settings = get_settings()
    path = sources or settings.sources_file
    try:
        chosen = select_sources(load_sources(path), source or None)
    except SourcesError as exc:
        noun = "entry is" if len(exc.problems) == 1 else "entries are"
        console.print(f"[bold red]{exc.path}[/]: {len(exc.problems)} source {noun} invalid:")
        for problem in exc.problems:
            console.print(f"  - {problem.removeprefix(exc.path + ': ')}", markup=False)
        raise typer.Exit(2) from exc
    except ConfigError as exc:
        console.print(f"[bold red]error:[/] {exc}", markup=True)
        raise typer.Exit(2) from exc
    if not chosen:
        console.print(f"no enabled sources in {path}")
        raise typer.Exit(0)

    results = []
    state = CrawlState.from_settings(settings)
    try:
        with (
            Fetcher(settings) as client,
            _open(out, sys.stdout) as out_fh,
            _open(errors, sys.stderr) as err_fh,
        ):
            for src in chosen:
                result = scrape_source(src, settings, state=state, client=client, limit=limit)
                results.append(result)
                for article in result.articles:
                    out_fh.write(json.dumps(article.to_message(), ensure_ascii=False) + "\n")
                for record in result.errors:
                    err_fh.write(json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n")
                out_fh.flush()
    finally:
        state.close()
    console.print(_summary(results))
