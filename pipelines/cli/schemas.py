"""``khabar schemas check``: each topic schema against its released versions (pipelines.kafka.compat)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from pipelines.kafka.compat import check_dir
from pipelines.kafka.contracts import SCHEMA_DIR

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.callback()
def schemas() -> None:
    """Check khabar's topic schemas (JSON Schema) for breaking changes."""
    # A callback keeps ``khabar schemas check`` a group (a lone verb would become ``khabar schemas``).


@app.command()
def check(
    schema_dir: Path = typer.Option(
        None, "--dir", help="Folder with the schemas and released/ (default: the project's schemas/)"
    ),
) -> None:
    """Compare every schema with each of its released versions (schemas/released/<name>/<version>.json).

    Exit code 0 when no change breaks a reader of a released version, 1 when one does, 2 when
    there is nothing to check.
    """
    folder = schema_dir or SCHEMA_DIR
    if not folder.is_dir():
        console.print(f"[red]no schema folder at {folder}[/red]", highlight=False)
        raise typer.Exit(2)
    reports = check_dir(folder)
    if not reports:
        console.print(f"[red]no JSON Schemas in {folder}[/red]", highlight=False)
        raise typer.Exit(2)
    for report in reports:
        if report.current is None:
            console.print(
                f"[red]BREAKING[/red] {report.name}: removed (released {', '.join(report.released)})"
            )
            continue
        if not report.released:
            console.print(f"new      {report.name} {report.current} (no released version yet)")
            continue
        against = ", ".join(report.released)
        if report.ok:
            console.print(f"ok       {report.name} {report.current} (against {against})", highlight=False)
            continue
        console.print(f"[red]BREAKING[/red] {report.name} {report.current}", highlight=False)
        for version, findings in report.findings.items():
            for finding in findings:
                console.print(f"    vs {version}  {finding}", highlight=False, markup=False)
    if not all(r.ok for r in reports):
        console.print("A breaking change needs a new major version and a new topic (docs/consuming.md).")
        raise typer.Exit(1)
