"""``khabar extract``: run the extract stage on saved pages and print Articles as JSON.

One page: ``khabar extract --url URL FILE``. Many: ``khabar extract --urls MAP.tsv --jsonl``
(``URL<TAB>PATH`` per line), one JSON object per line in input order: the Article, or
``{"line", "url", "path", "error", "reason", "message"}`` for a page without one.
The extractor (lxml, trafilatura, htmldate) is imported only when a page is extracted, so the
command starts fast.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from pipelines.cli.failures import ExitCode

app = typer.Typer()

#: extraction outcomes that mean "the page holds no article", as opposed to "the page could not be read"
NO_ARTICLE_REASONS = frozenset({"boilerplate_only", "no_title", "empty_page", "not_html"})


def _when(fetched_at: datetime | None) -> datetime:
    when = fetched_at or datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _extract_map(
    urls: Path, *, source_id: str, timezone: str | None, fetched_at: datetime, max_bytes: int
) -> None:
    from pipelines.extract.saved import extract_many, read_url_map

    try:
        lines = urls.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(json.dumps({"error": "input", "reason": "unreadable_map", "message": str(exc)}), err=True)
        raise typer.Exit(1) from exc
    entries = list(read_url_map(lines, urls.parent))
    results = extract_many(
        entries, fetched_at=fetched_at, source_id=source_id, timezone=timezone, max_bytes=max_bytes
    )
    progress = None
    if sys.stderr.isatty():  # a bar for a person watching, nothing in logs or pipes
        from rich.progress import Progress

        progress = Progress(transient=True)
        progress.start()
        task = progress.add_task("extracting", total=len(entries))
    failed = 0
    try:
        for result in results:
            if isinstance(result, dict):
                failed += 1
                line = json.dumps(result, ensure_ascii=False)
            else:
                line = json.dumps(result.to_message(), ensure_ascii=False)
            sys.stdout.write(line + "\n")
            if progress is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    sys.stdout.flush()
    typer.echo(f"{len(entries) - failed} articles, {failed} without one", err=True)


@app.command("extract")
def extract(
    file: Path = typer.Argument(None, exists=True, dir_okay=False, help="saved page: .html or .html.gz"),
    url: str = typer.Option(None, "--url", help="the URL the page was fetched from"),
    urls: Path = typer.Option(
        None, "--urls", exists=True, dir_okay=False, help="MAP.tsv: URL<TAB>PATH per line (many pages)"
    ),
    jsonl: bool = typer.Option(False, "--jsonl", help="one compact JSON object per line (implied by --urls)"),
    source_id: str = typer.Option("cli", "--source", help="source id to stamp on the article"),
    content_type: str = typer.Option("text/html", help="HTTP Content-Type, if known (its charset is used)"),
    timezone: str = typer.Option(None, help="IANA timezone for dates written without an offset"),
    fetched_at: datetime = typer.Option(
        None, help="when the page was fetched (anchors relative dates such as 'منذ ساعتين'); default now"
    ),
) -> None:
    """Extract saved pages into Articles as JSON (one page: exit 3 if it holds no article)."""
    from pipelines.config import get_settings

    max_bytes = get_settings().max_response_bytes
    if urls is not None:
        if file is not None or url is not None:
            raise typer.BadParameter("--urls reads the URLs and files from MAP.tsv: drop --url and FILE")
        _extract_map(
            urls, source_id=source_id, timezone=timezone, fetched_at=_when(fetched_at), max_bytes=max_bytes
        )
        return
    if file is None or url is None:
        raise typer.BadParameter("give --url URL FILE for one page, or --urls MAP.tsv --jsonl for many")

    from pipelines.errors import KhabarError
    from pipelines.extract.article import extract_article
    from pipelines.extract.saved import error_record, read_page

    try:
        page = read_page(
            file,
            url,
            fetched_at=_when(fetched_at),
            source_id=source_id,
            content_type=content_type,
            max_bytes=max_bytes,
        )
        article = extract_article(page, source_id=source_id, timezone=timezone)
    except KhabarError as exc:
        typer.echo(json.dumps(error_record(exc)), err=True)
        # A page without an article is "nothing found" (3); a page that could not be read failed (1).
        nothing = exc.reason in NO_ARTICLE_REASONS
        raise typer.Exit(ExitCode.NOTHING_FOUND if nothing else ExitCode.FAILURE) from exc
    message = article.to_message()
    typer.echo(
        json.dumps(message, ensure_ascii=False)
        if jsonl
        else json.dumps(message, ensure_ascii=False, indent=2)
    )
