"""``khabar extract --url URL FILE``: run the extract stage on a saved page and print the Article JSON."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import typer

from pipelines.cli.failures import ExitCode
from pipelines.config import get_settings
from pipelines.errors import ExtractionError, KhabarError
from pipelines.extract import extract_article
from pipelines.fetch.charset import decode_html
from pipelines.fetch.inflate import TooLargeError, gunzip
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
    cap = get_settings().max_response_bytes  # the fetcher's cap: a page it would never have kept
    if file.stat().st_size > cap:
        _fail("FetchError", "too_large", f"{file} is larger than {cap} bytes (KHABAR_MAX_RESPONSE_BYTES)")
    raw = file.read_bytes()
    if file.suffix == ".gz":
        try:
            raw = gunzip(raw, cap)
        except TooLargeError as exc:
            _fail("FetchError", "too_large", f"{file}: {exc} (KHABAR_MAX_RESPONSE_BYTES)")
        except zlib.error as exc:
            _fail("FetchError", "bad_encoding", f"{file}: broken gzip: {exc}")
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
        # A page without an article is "nothing found" (3); anything else failed (1).
        code = ExitCode.NOTHING_FOUND if isinstance(exc, ExtractionError) else ExitCode.FAILURE
        _fail(exc.error_class, exc.reason, str(exc), code)
    typer.echo(json.dumps(article.to_message(), ensure_ascii=False, indent=2))


def _fail(error: str, reason: str, message: str, code: int = ExitCode.FAILURE) -> NoReturn:
    """The error as one JSON object on stderr, then exit ``code``."""
    typer.echo(json.dumps({"error": error, "reason": reason, "message": message}), err=True)
    raise typer.Exit(code)
