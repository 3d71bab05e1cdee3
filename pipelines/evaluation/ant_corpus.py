"""The ANT Arabic news corpus (Chouigui et al.) as khabar Articles, for benchmarks and demos.

One TREC-style ``<DOC>`` per file inside a ``.tar.xz``: DOCNO, URL, SRC, CAT, TITLE, TIME
(RFC 822), AUTHOR, ABSTRACT, TEXT. Some files are not well-formed XML (a bare ``&``, a stray ``<``,
control characters): they are read field by field instead, and counted as repaired. France 24 files the
same URL under two categories: with ``dedupe`` (default) the second copy is skipped, as khabar's
article_id would make it an overwrite anyway.

Used by bench/publish and bench/indexer; the path comes from Settings.data_dir.
"""

from __future__ import annotations

import html
import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from pipelines.model import Article, Block, article_id_for, content_hash_for
from pipelines.normalize.arabic import clean_display
from pipelines.normalize.urls import canonicalize_url

ANT_V2 = Path("corpus") / "ant-v2.1-multisource.tar.xz"
ANT_V1 = Path("corpus") / "ant-v1.1-jawharafm.tar.xz"

_FIELD = re.compile(r"<(DOCNO|URL|SRC|CAT|TITLE|TIME|AUTHOR|ABSTRACT|TEXT)>(.*?)</\1>", re.S)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class AntStats:
    """What reading the corpus met: files, repaired (malformed XML), duplicates, unusable."""

    files: int = 0
    articles: int = 0
    repaired: int = 0
    duplicates: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)


def parse_doc(raw: bytes) -> tuple[dict[str, str], bool]:
    """The fields of one ``<DOC>`` (tag -> text) and whether it had to be repaired first.

    Malformed files (bare ``&``, a stray ``<`` in the text, control characters) are read field by
    field instead, entities unescaped, control characters dropped.
    """
    text = raw.decode("utf-8", errors="replace")
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        fields = {
            tag: html.unescape(_XML_INVALID.sub("", value)).strip() for tag, value in _FIELD.findall(text)
        }
        if "URL" not in fields:
            raise
        return fields, True
    return {child.tag: (child.text or "").strip() for child in root}, False


def _published(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_article(fields: dict[str, str]) -> Article:
    """An Article as khabar's extractor would have produced it from the page (display-clean text)."""
    canonical = canonicalize_url(fields["URL"])
    title = clean_display(fields.get("TITLE"))
    paragraphs = [p for p in clean_display(fields.get("TEXT"), multiline=True).split("\n") if p]
    lead = clean_display(fields.get("ABSTRACT"))
    body_text = "\n\n".join(paragraphs) or lead
    published = _published(fields.get("TIME", ""))
    author = clean_display(fields.get("AUTHOR"))
    return Article(
        article_id=article_id_for(canonical),
        url=fields["URL"],
        canonical_url=canonical,
        source_id=fields.get("SRC", "ant").lower() or "ant",
        title=title,
        lead=lead,
        body=[Block(kind="p", text=p) for p in paragraphs],
        body_text=body_text,
        authors=[author] if author else [],
        published_at=published,
        published_at_source="feed" if published else None,
        section=fields.get("CAT") or None,
        # The corpus has no fetch time: the publication time stands in (deterministic runs).
        fetched_at=published or datetime(2018, 1, 1, tzinfo=UTC),
        content_hash=content_hash_for(title, lead, body_text),
        extraction_method="ant-corpus",
    )


def iter_ant_articles(
    archive: Path, *, limit: int | None = None, dedupe: bool = True, stats: AntStats | None = None
) -> Iterator[Article]:
    """Articles from an ANT ``.tar.xz``, streamed in archive order."""
    stats = stats if stats is not None else AntStats()
    seen: set[str] = set()
    with tarfile.open(archive, mode="r:xz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".txt"):
                continue
            stats.files += 1
            handle = tar.extractfile(member)
            if handle is None:
                continue
            try:
                fields, repaired = parse_doc(handle.read())
                article = to_article(fields)
            except (ET.ParseError, KeyError, ValueError) as exc:
                stats.skipped += 1
                if len(stats.skipped_examples) < 5:
                    stats.skipped_examples.append(f"{member.name}: {type(exc).__name__}: {exc}"[:300])
                continue
            stats.repaired += repaired
            if dedupe:
                if article.article_id in seen:
                    stats.duplicates += 1
                    continue
                seen.add(article.article_id)
            stats.articles += 1
            yield article
            if limit is not None and stats.articles >= limit:
                return


def load_ant_articles(
    data_dir: Path, *, limit: int | None = None, archive: Path = ANT_V2
) -> tuple[list[Article], AntStats]:
    """All (or ``limit``) articles of the ANT v2.1 corpus under ``data_dir``, with reading stats."""
    stats = AntStats()
    articles = list(iter_ant_articles(data_dir / archive, limit=limit, stats=stats))
    return articles, stats
