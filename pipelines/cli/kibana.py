"""``khabar kibana setup|check``: khabar's saved objects (data view, searches, dashboard) in Kibana."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pipelines.cli.failures import is_unreachable
from pipelines.kibana.checks import check_against_elasticsearch, reference_problems
from pipelines.kibana.errors import KibanaError
from pipelines.kibana.importer import ImportFailedError, ImportReport, KibanaAuth, dashboard_urls, import_file
from pipelines.kibana.objects import SAVED_OBJECTS_FILE, load_objects

app = typer.Typer(
    help="Kibana: import khabar's data view, saved searches and dashboard.", no_args_is_help=True
)
console = Console(stderr=True)
out = Console()

_FILE = typer.Option(
    SAVED_OBJECTS_FILE, "--file", help="NDJSON saved objects to import.", exists=True, dir_okay=False
)


def _table(report: ImportReport) -> Table:
    table = Table("type", "id", "title", "result")
    for obj in report.objects:
        table.add_row(
            obj.type, obj.id, obj.title, "[green]ok[/green]" if obj.ok else f"[red]{obj.reason}[/red]"
        )
    return table


@app.command()
def setup(
    url: str = typer.Option(
        ...,
        "--url",
        envvar="KHABAR_KIBANA_URL",
        show_envvar=True,
        help="Kibana base URL, e.g. http://127.0.0.1:5601",
    ),
    api_key: str = typer.Option(
        None,
        "--api-key",
        envvar="KHABAR_KIBANA_API_KEY",
        show_envvar=True,
        help="API key (encoded, or id:key).",
        show_default=False,
    ),
    user: str = typer.Option(
        None, "--user", envvar="KHABAR_KIBANA_USER", show_envvar=True, help="Basic-auth user."
    ),
    password: str = typer.Option(
        None,
        "--password",
        envvar="KHABAR_KIBANA_PASSWORD",
        show_envvar=True,
        help="Basic-auth password.",
        show_default=False,
    ),
    space: str = typer.Option(
        None,
        "--space",
        envvar="KHABAR_KIBANA_SPACE",
        show_envvar=True,
        help="Kibana space id (default space if unset).",
    ),
    file: Path = _FILE,
    index_pattern: str = typer.Option(
        None,
        "--index-pattern",
        help="Index pattern of the data view (default: KHABAR_INDEX_ALIAS, news-articles).",
    ),
    timeout: float = typer.Option(30.0, help="Seconds to wait for Kibana."),
    ca_cert: Path = typer.Option(
        None, "--ca-cert", exists=True, dir_okay=False, help="CA bundle for https Kibana."
    ),
) -> None:
    """Import the saved objects (overwrite: running it again replaces them) and print the dashboard's address."""
    from pipelines.config import get_settings

    try:
        objects = load_objects(file)
        report = import_file(
            file,
            url,
            index_pattern=index_pattern or get_settings().index_alias,
            auth=KibanaAuth(api_key=api_key, user=user, password=password),
            space=space,
            timeout=timeout,
            verify=str(ca_cert) if ca_cert else True,
        )
    except ImportFailedError as exc:
        console.print(_table(exc.report))
        console.print(f"[red]import failed[/red]: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    except KibanaError as exc:
        console.print(
            f"[red]kibana setup failed[/red] ({exc.reason}): {exc}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(1) from exc
    console.print(_table(report))
    out.print(f"imported {report.success_count} saved objects into Kibana", highlight=False, soft_wrap=True)
    for title, address in dashboard_urls(url, objects, space).items():
        out.print(f"dashboard {title}: {address}", highlight=False, soft_wrap=True)


@app.command()
def check(
    file: Path = _FILE,
    index: str = typer.Option(
        None, help="Index or alias whose mapping to check against (default: KHABAR_INDEX_ALIAS)."
    ),
) -> None:
    """Check the saved objects without Kibana, against the live Elasticsearch mapping.

    The file parses, every reference resolves inside it, and every field an object names exists
    (and is searchable or aggregatable where the object needs it).
    """
    from pipelines.config import get_settings
    from pipelines.elastic.client import es_client

    settings = get_settings()
    try:
        objects = load_objects(file)
    except KibanaError as exc:
        console.print(f"[red]invalid file[/red]: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    problems = reference_problems(objects)
    try:
        problems += check_against_elasticsearch(es_client(settings), index or settings.index_alias, objects)
    except Exception as exc:  # the mapping check needs Elasticsearch; say why it could not run
        if is_unreachable(exc):
            raise  # one line from the CLI's failure handler
        console.print(
            f"[red]cannot read the mapping[/red]: {type(exc).__name__}: {exc}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from exc
    for problem in problems:
        console.print(f"[red]✗[/red] {problem}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    out.print(
        f"{len(objects)} saved objects OK against {index or settings.index_alias}",
        highlight=False,
        soft_wrap=True,
    )
