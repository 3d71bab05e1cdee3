"""``khabar stack up|down|status``: the local Kafka and Elasticsearch (pipelines.stack)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from enum import StrEnum

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines import stack
from pipelines.errors import StackError

app = typer.Typer(
    help="Start, stop and inspect the local Kafka and Elasticsearch, and Airflow with --airflow (no Docker).",
    no_args_is_help=True,
)
console = Console(stderr=True)


Service = StrEnum("Service", {name: name for name in stack.SERVICES})


@contextlib.contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    """A progress callback: one line per step with its elapsed time (plain lines when not a terminal)."""
    last: list[str] = []
    if not console.is_terminal:

        def plain(message: str) -> None:
            if not last or last[-1] != message:
                last.append(message)
                console.print(f"... {message}", highlight=False)

        yield plain
        return
    columns = (
        SpinnerColumn(finished_text="[green]✓[/green]"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        tasks: list = []

        def update(message: str) -> None:
            if last and last[-1] == message:
                return
            if tasks:
                bar.update(tasks[-1], total=1, completed=1)
            last.append(message)
            tasks.append(bar.add_task(message, total=None))

        try:
            yield update
        finally:
            if tasks:
                bar.update(tasks[-1], total=1, completed=1)


def _names(only: list[Service] | None) -> list[str] | None:
    return [s.value for s in only] if only else None


@app.command()
def up(
    only: list[Service] = typer.Option(None, "--only", help="Start only this service (repeatable)."),
    airflow: bool = typer.Option(
        False,
        "--airflow",
        help="Also Airflow in production shape: PostgreSQL, Redis, API server, scheduler, DAG processor, "
        "triggerer and two Celery workers.",
    ),
) -> None:
    """Start the servers that are not running and wait until they answer."""
    try:
        with _steps() as progress:
            start = stack.up_airflow if airflow else stack.up
            results = start(_names(only), progress=progress)
    except StackError as exc:
        console.print(f"[red]stack up failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    table = Table("service", "address", "state", "pid", "prepare", "start")
    words = {"started": "started", "running": "already running", "external": "served by another process"}
    for r in results:
        prepare, took = (
            (f"{r.prepare_seconds:.1f}s", f"{r.seconds:.1f}s") if r.action == "started" else ("-", "-")
        )
        table.add_row(r.name, r.address, words[r.action], str(r.pid or "-"), prepare, took)
    Console().print(table)


@app.command()
def down(
    only: list[Service] = typer.Option(None, "--only", help="Stop only this service (repeatable)."),
) -> None:
    """Stop the servers `khabar stack up` started (by pid file; never anything else)."""
    with _steps() as progress:
        stopped = stack.down(_names(only), progress=progress)
    for name, pid in stopped:
        console.print(f"{name}: " + (f"stopped pid {pid}" if pid else "was not started by khabar"))


@app.command()
def status(
    only: list[Service] = typer.Option(None, "--only", help="Show only this service (repeatable)."),
) -> None:
    """What runs: pid (if khabar started it), address, health. Exit 1 if a service is not healthy."""
    rows = stack.status(_names(only))
    table = Table("service", "address", "healthy", "pid", "owner")
    for s in rows:
        healthy = "[green]yes[/green]" if s.healthy else "[red]no[/red]"
        table.add_row(s.name, s.address, healthy, str(s.pid or "-"), s.owner)
    out = Console()
    out.print(table)
    for s in rows:
        out.print(f"{s.name} log: {s.log_file}", highlight=False, soft_wrap=True)
    if not all(s.healthy for s in rows):
        raise typer.Exit(1)
