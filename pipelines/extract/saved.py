"""Saved pages (``.html`` or ``.html.gz`` files) -> Articles, one or many, for ``khabar extract``.

``read_url_map`` reads ``URL<TAB>PATH`` lines; ``extract_many`` yields, in input order, either an
Article or an error record with its reason, so one bad line or page never stops the batch.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.errors import ExtractionError, KhabarError
from pipelines.extract.article import extract_article
from pipelines.fetch.charset import decode_html
from pipelines.fetch.inflate import TooLargeError, gunzip
from pipelines.model import Article, RawPage


@dataclass(frozen=True)
class MapLine:
    line_no: int
    url: str
    path: Path | None  # None: the line is malformed (``problem`` says why)
    problem: str | None = None


def read_url_map(lines: Iterable[str], base: Path) -> Iterator[MapLine]:
    """``URL<TAB>PATH`` per line (relative paths are relative to ``base``); blanks and ``#`` skipped."""
    for line_no, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        url, sep, path = line.partition("\t")
        if not sep or not url.strip() or not path.strip():
            yield MapLine(line_no, url.strip(), None, "expected URL<TAB>PATH")
            continue
        resolved = Path(path.strip())
        yield MapLine(line_no, url.strip(), resolved if resolved.is_absolute() else base / resolved)


def read_page(
    path: Path,
    url: str,
    *,
    fetched_at: datetime,
    source_id: str,
    content_type: str = "text/html",
    max_bytes: int,
) -> RawPage:
    """A saved page as the fetcher would have produced it (same decoding: BOM, charset, <meta>)."""
    try:
        if path.stat().st_size > max_bytes:
            raise ExtractionError(f"{path.name} is larger than {max_bytes} bytes", reason="too_large")
        raw = path.read_bytes()
        if path.suffix == ".gz":
            try:  # a compressed page is held to the same budget once inflated
                raw = gunzip(raw, max_bytes)
            except TooLargeError as exc:
                raise ExtractionError(
                    f"{path.name} inflates past {max_bytes} bytes", reason="too_large"
                ) from exc
    except FileNotFoundError as exc:
        raise ExtractionError(f"no such file: {path}", reason="file_not_found") from exc
    except (OSError, zlib.error, gzip.BadGzipFile) as exc:
        raise ExtractionError(f"cannot read {path}: {exc}", reason="unreadable_file") from exc
    text, charset = decode_html(raw, content_type)
    return RawPage(
        url=url,
        final_url=url,
        status=200,
        content_type=content_type,
        charset=charset,
        body=raw,
        text=text,
        fetched_at=fetched_at,
        source_id=source_id,
    )


def error_record(exc: KhabarError, **where: object) -> dict:
    return {**where, "error": exc.error_class, "reason": exc.reason, "message": str(exc)}


def extract_many(
    entries: Iterable[MapLine],
    *,
    fetched_at: datetime,
    source_id: str,
    timezone: str | None,
    max_bytes: int,
) -> Iterator[Article | dict]:
    """One result per map line, in order: the Article, or an error record saying why not."""
    for entry in entries:
        where = {"line": entry.line_no, "url": entry.url, "path": str(entry.path) if entry.path else None}
        if entry.path is None:
            yield {**where, "error": "input", "reason": "bad_line", "message": entry.problem}
            continue
        try:
            page = read_page(
                entry.path, entry.url, fetched_at=fetched_at, source_id=source_id, max_bytes=max_bytes
            )
            yield extract_article(page, source_id=source_id, timezone=timezone)
        except KhabarError as exc:
            yield error_record(exc, **where)
        except Exception as exc:  # a page that breaks the extractor must not stop the batch
            yield {**where, "error": type(exc).__name__, "reason": "extractor_failed", "message": str(exc)}
