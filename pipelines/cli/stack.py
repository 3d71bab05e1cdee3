"""``khabar stack up|down|status``: the local Kafka and Elasticsearch (pipelines.stack)."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from pipelines import stack
from pipelines.errors import StackError

app = typer.Typer(
    help="Start, stop and inspect the local Kafka and Elasticsearch (no Docker).", no_args_is_help=True
)
console = Console(stderr=True)


class Service(StrEnum):
    kafka = "kafka"
    elasticsearch = "elasticsearch"


def _names(only: list[Service] | None) -> list[str] | None:
    return [s.value for s in only] if only else None


@app.command()
def up(
    only: list[Service] = typer.Option(None, "--only", help="Start only this service (repeatable)."),
) -> None:
    """Start the servers that are not running and wait until they answer."""
    try:
        with console.status("starting the local stack") as spinner:
            results = stack.up(_names(only), progress=lambda msg: spinner.update(msg))
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
    with console.status("stopping the local stack") as spinner:
        stopped = stack.down(_names(only), progress=lambda msg: spinner.update(msg))
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
