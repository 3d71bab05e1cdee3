"""``khabar search QUERY``: Arabic-aware search over the indexed articles, in the terminal or as JSON.

Arabic is printed in logical order, as stored: a bidi-capable terminal (GNOME Terminal/VTE,
Konsole, iTerm2, mlterm, Windows Terminal) lays it out right-to-left. Strings are never reversed
here: reversing would break copy/paste, search in the scrollback and every terminal that already
does bidi. On a terminal without bidi support, use ``--json`` or Kibana.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.cli.failures import ExitCode
from pipelines.cli.render import marked
from pipelines.config import get_settings
from pipelines.elastic.client import es_client
from pipelines.search.query import SearchQuery, SearchResult, search

app = typer.Typer()


def _parse_when(value: str | None, option: str) -> date | datetime | None:
    if not value:
        return None
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            return parse(value)
        except ValueError:
            continue
    raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or ISO datetime", param_hint=option)


@app.command("search")
def search_command(
    query: str = typer.Argument("", help='words to find, Arabic or Latin; "phrase", -exclude, a | b'),
    source: list[str] = typer.Option(None, "--source", help="only this source id (repeatable)"),
    since: str = typer.Option(None, help="published on or after (YYYY-MM-DD or ISO datetime, UTC)"),
    until: str = typer.Option(None, help="published on or before (YYYY-MM-DD covers the whole day)"),
    sort: str = typer.Option("relevance", help="relevance or date"),
    size: int = typer.Option(10, min=1, max=100, help="results per page"),
    page: int = typer.Option(1, min=1, help="page number"),
    collapse: bool = typer.Option(False, "--collapse", help="one result per near-duplicate story"),
    as_json: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
) -> None:
    """Search articles: every form of an Arabic word matches (clitics, hamza, diacritics, digits)."""
    if sort not in ("relevance", "date"):
        raise typer.BadParameter("relevance or date", param_hint="--sort")
    settings = get_settings()
    wanted = SearchQuery(
        text=query,
        sources=source or (),
        since=_parse_when(since, "--since"),
        until=_parse_when(until, "--until"),
        sort=sort,  # type: ignore[arg-type]
        size=size,
        page=page,
        collapse=collapse,
    )
    result = search(es_client(settings), settings, wanted)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        render(result, Console())
    if result.total == 0:
        raise typer.Exit(ExitCode.NOTHING_FOUND)


def render(result: SearchResult, console: Console) -> None:
    """Results with bold highlights, then the facets."""
    console.print(Text(f"{result.total} results for «{result.query}» ({result.took_ms} ms)", style="dim"))
    for n, hit in enumerate(result.hits, 1):
        console.print()
        title = hit.highlights.get("title", [hit.title])[0]
        console.print(Text(f"{n}. ", style="cyan") + marked(title))
        meta = f"{hit.source_id} · {(hit.published_at or '')[:16].replace('T', ' ')} · {hit.url}"
        console.print(Text(meta, style="dim"))
        for fragment in hit.highlights.get("body", []) or hit.highlights.get("lead", []):
            console.print(Text("  … ") + marked(fragment) + Text(" …"))
    if not any(result.facets.values()):
        return
    table = Table(title="facets", show_header=True, header_style="bold")
    table.add_column("facet")
    table.add_column("value")
    table.add_column("count", justify="right")
    for name, buckets in result.facets.items():
        for bucket in buckets:
            table.add_row(name, bucket.key[:19], str(bucket.count))
    console.print()
    console.print(table)
