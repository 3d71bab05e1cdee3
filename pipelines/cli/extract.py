"""``khabar extract --url URL FILE``: run the extract stage on a saved page and print the Article JSON."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from pipelines.cli.failures import ExitCode
from pipelines.errors import ExtractionError, KhabarError
from pipelines.extract import extract_article
from pipelines.fetch.charset import decode_html
from pipelines.model import RawPage

app = typer.Typer()


@app.command("extract")
def extract(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="saved page: .html or .html.gz"),
    url: str = typer.Option(..., "--url", help="the URL the page was fetched from"),
    source_id: str = typer.Option("cli", "--source", help="source id to stamp on the article"),
    content_type: str = typer.Option("text/html", help="HTTP Content-Type, if known (its charset is used)"),
    timezone: str = typer.Option(None, help="IANA timezone for dates written without an offset"),
    fetched_at: datetime = typer.Option(
        None, help="when the page was fetched (anchors relative dates such as 'منذ ساعتين'); default now"
    ),
) -> None:
    """Extract one saved page into an Article and print it as JSON (exit 3 if it holds no article)."""
    raw = file.read_bytes()
    if file.suffix == ".gz":
        raw = gzip.decompress(raw)
    when = fetched_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        # decoded here the way the fetcher does it: BOM, Content-Type charset, <meta>, detection
        text, charset = decode_html(raw, content_type)
        page = RawPage(
            url=url,
            final_url=url,
            status=200,
            content_type=content_type,
            charset=charset,
            body=raw,
            text=text,
            fetched_at=when,
            source_id=source_id,
        )
        article = extract_article(page, source_id=source_id, timezone=timezone)
    except KhabarError as exc:
        typer.echo(
            json.dumps({"error": exc.error_class, "reason": exc.reason, "message": str(exc)}), err=True
        )
        # A page without an article is "nothing found" (3); anything else failed (1).
        raise typer.Exit(
            ExitCode.NOTHING_FOUND if isinstance(exc, ExtractionError) else ExitCode.FAILURE
        ) from exc
    typer.echo(json.dumps(article.to_message(), ensure_ascii=False, indent=2))
