"""``khabar extract --url URL FILE``: run the extract stage on a saved page and print the Article JSON."""

from __future__ import annotations

import gzip
import json
import mimetypes
from datetime import UTC, datetime
from pathlib import Path

import typer

from pipelines.errors import ExtractionError
from pipelines.extract import extract_article
from pipelines.fetch.charset import decode_html
from pipelines.model import RawPage

app = typer.Typer()


@app.command("extract")
def extract(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="saved page: .html or .html.gz"),
    url: str = typer.Option(..., "--url", help="the URL the page was fetched from"),
    source_id: str = typer.Option("cli", "--source", help="source id to stamp on the article"),
    content_type: str = typer.Option(None, help="HTTP Content-Type, if known (its charset is used)"),
    timezone: str = typer.Option(None, help="IANA timezone for dates written without an offset"),
) -> None:
    """Extract one saved page into an Article and print it as JSON (exit 2 if no article)."""
    raw = file.read_bytes()
    if file.suffix == ".gz":
        raw = gzip.decompress(raw)
    content_type = content_type or "text/html"
    text, charset = decode_html(raw, content_type)
    fetched = datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)
    page = RawPage(
        url=url,
        final_url=url,
        status=200,
        content_type=content_type or mimetypes.guess_type(file.name)[0] or "text/html",
        charset=charset,
        body=raw,
        text=text,
        fetched_at=max(fetched, datetime.now(UTC)),
        source_id=source_id,
    )
    try:
        article = extract_article(page, source_id=source_id, timezone=timezone)
    except ExtractionError as exc:
        typer.echo(
            json.dumps({"error": exc.error_class, "reason": exc.reason, "message": str(exc)}), err=True
        )
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(article.to_message(), ensure_ascii=False, indent=2))
