"""``khabar rebuild``: re-extract the stored pages of ``news.pages.v1`` and republish what changed.

No page is fetched. Progress and pages/s go to stderr (a bar on a terminal, a log line otherwise);
the summary is printed as JSON on stdout. Stopped midway, it resumes from its consumer group.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

app = typer.Typer()


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@app.command("rebuild")
def rebuild(
    source: list[str] = typer.Option(None, "--source", help="only pages of this source (repeatable)"),
    since: datetime = typer.Option(None, help="only pages fetched at or after this time (UTC if no offset)"),
    until: datetime = typer.Option(None, help="only pages fetched before this time (UTC if no offset)"),
    sources_file: Path = typer.Option(None, "--sources", help="sources YAML (default: KHABAR_SOURCES_FILE)"),
    group: str = typer.Option("khabar-rebuild", help="consumer group (its offsets make a rerun resume)"),
) -> None:
    """Extract every stored page again with the current extractor and selectors; publish changed articles."""
    import logging

    from kafka.errors import KafkaError

    from pipelines.config import get_settings
    from pipelines.errors import KhabarError
    from pipelines.ingest.rebuild import rebuild as run_rebuild
    from pipelines.sources import load_sources

    settings = get_settings()
    log = logging.getLogger("pipelines.cli.rebuild")
    try:
        sources = load_sources(sources_file or settings.sources_file)
    except KhabarError as exc:
        typer.echo(f"sources: {exc}", err=True)
        raise typer.Exit(1) from exc

    bar = None
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("rebuild"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(), transient=True,
        )  # fmt: skip
        task = bar.add_task("rebuild", total=None, rate="")
        bar.start()
    last_log = [0.0]

    def progress(done: int, total: int, rate: float) -> None:
        if bar is not None:
            bar.update(task, completed=done, total=total, rate=f"{rate:.1f} pages/s")
        elif done - last_log[0] >= 1000 or done == total:
            last_log[0] = done
            log.info(
                "rebuild progress", extra={"done": done, "total": total, "pages_per_second": round(rate, 1)}
            )

    try:
        stats = run_rebuild(
            settings,
            sources,
            source_ids=source or None,
            since=_aware(since),
            until=_aware(until),
            group_id=group,
            progress=progress,
        )
    except (KhabarError, KafkaError) as exc:
        typer.echo(f"rebuild stopped: {exc!r} (rerun to resume)", err=True)
        raise typer.Exit(1) from exc
    finally:
        if bar is not None:
            bar.stop()
    typer.echo(json.dumps(stats.as_dict(), ensure_ascii=False))
