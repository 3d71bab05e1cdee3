"""One fetched page -> one clean, normalized :class:`~pipelines.model.Article`.

``extract_article`` raises :class:`~pipelines.errors.ExtractionError` with a ``reason``:
``not_html`` (PDF, image, JSON...), ``empty_page`` (no content, or a 304 with nothing to read),
``boilerplate_only`` (menus and footers but no article text), ``no_title``.

Per-source CSS selectors (sources.yaml ``selectors``) are optional; keys read here: ``body``,
``remove`` (inside the body), ``title``, ``lead``, ``date``, ``author``, ``section``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin

import py3langid
from lxml.html import HtmlElement

from pipelines.errors import ExtractionError
from pipelines.extract.body import MIN_BODY_CHARS, extract_body, select
from pipelines.extract.dates import find_dates, zone
from pipelines.extract.metadata import read_metadata
from pipelines.extract.page import PageIndex, chrome_share, main_text_chars, parse, scan, text_of
from pipelines.fetch.charset import decode_html
from pipelines.model import Article, Block, RawPage, article_id_for, content_hash_for
from pipelines.normalize.arabic import clean_display
from pipelines.normalize.urls import resolve_canonical

#: a short body whose words mostly come from links/menus is boilerplate (long bodies are left alone:
#: some sites link every other word of real articles)
MAX_CHROME_CHARS = 600
MAX_CHROME_SHARE = 0.5
#: a page whose declared <main> region holds less text than this has no article
MIN_MAIN_CHARS = 80
_HTML_TYPES = ("html", "xml", "text/plain")
_LOOKS_LIKE_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|article|div|p)[\s>]", re.I)


def page_html(page: RawPage) -> str:
    """The page's HTML as text, decoding the raw bytes if the fetcher did not."""
    content_type = page.content_type or page.headers.get("content-type") or page.headers.get("Content-Type")
    if content_type and not any(t in content_type.lower() for t in _HTML_TYPES):
        raise ExtractionError(f"not an HTML page: {content_type}", reason="not_html")
    text = page.text
    if not text and page.body:
        text, _charset = decode_html(page.body, content_type)
    if not text or not text.strip():
        raise ExtractionError("the page has no content", reason="empty_page")
    if not _LOOKS_LIKE_HTML.search(text[:20000]):
        raise ExtractionError("the content is not HTML", reason="not_html")
    return text


def _selected_text(tree: HtmlElement, selectors: Mapping[str, str] | None, key: str) -> str:
    if not selectors or not selectors.get(key):
        return ""
    found = select(tree, selectors[key])
    if not found:
        return ""
    # a date selector may point at <meta content=...> or <time datetime=...>
    value = (found[0].get("content") or found[0].get("datetime")) if key == "date" else None
    return clean_display(value if value else text_of(found[0]))


def _trim_chrome(blocks: list[Block], index: PageIndex) -> list[Block]:
    """Drop short blocks at either end made only of link/menu words (a menu row leaking in)."""
    while len(blocks) > 1 and len(blocks[0].text.split()) <= 12 and chrome_share(blocks[0].text, index) == 1:
        blocks = blocks[1:]
    while (
        len(blocks) > 1 and len(blocks[-1].text.split()) <= 12 and chrome_share(blocks[-1].text, index) == 1
    ):
        blocks = blocks[:-1]
    return blocks


def _language(declared: str | None, text: str) -> str:
    if declared:
        return declared
    lang, _score = py3langid.classify(text[:5000])
    return str(lang)


def extract_article(
    page: RawPage,
    *,
    source_id: str,
    selectors: Mapping[str, str] | None = None,
    timezone: str | None = None,
) -> Article:
    """The article a fetched page shows (see the module docstring for the errors).

    ``timezone`` is the source's IANA zone, applied to dates written without an offset (else UTC).
    """
    if page.not_modified:
        raise ExtractionError("304 Not Modified: nothing to extract", reason="empty_page")
    html = page_html(page)
    tree = parse(html)  # the one parse: metadata, body and dates all read this tree
    if tree is None:
        raise ExtractionError("the page could not be parsed as HTML", reason="not_html")
    index = scan(tree)
    if not index.has_text:
        raise ExtractionError("the page has no text", reason="empty_page")
    url = page.final_url or page.url
    md = read_metadata(index)

    title = _selected_text(tree, selectors, "title") or md.title
    if not title:
        raise ExtractionError("no title found", reason="no_title")
    body = extract_body(tree, url=url, title=title, json_ld_body=md.json_ld_body, selectors=selectors)
    if body is None or len(body.text) < MIN_BODY_CHARS:
        raise ExtractionError("no article text, only boilerplate", reason="boilerplate_only")
    main_chars = main_text_chars(index)
    declared_elsewhere = md.json_ld_body or body.method == "selectors"
    if main_chars is not None and main_chars < MIN_MAIN_CHARS and not declared_elsewhere:
        # the page's own <main> holds a line or two ("this content is not available"): no article
        raise ExtractionError("the page's main region has no article text", reason="boilerplate_only")
    if len(body.text) < MAX_CHROME_CHARS and chrome_share(body.text, index) >= MAX_CHROME_SHARE:
        # what was found is menus, links and buttons, not prose
        raise ExtractionError("only links and menus, no article text", reason="boilerplate_only")
    blocks = _trim_chrome(list(body.blocks), index)
    body_text = "\n\n".join(b.text for b in blocks)

    dates = find_dates(
        index,
        md.dates,
        fetched_at=page.fetched_at,
        tz=zone(timezone),
        selector_text=_selected_text(tree, selectors, "date") or None,
        body_text=body_text,
    )
    lead = _selected_text(tree, selectors, "lead") or md.lead
    author = _selected_text(tree, selectors, "author")
    authors = [author] if author else []
    canonical = resolve_canonical(url, md.canonical, md.amp_link, og_url=md.og_url)
    return Article(
        article_id=article_id_for(canonical),
        url=url,
        canonical_url=canonical,
        source_id=source_id,
        title=title,
        lead=lead,
        body=blocks,
        body_text=body_text,
        authors=authors or md.authors or ([body.byline] if body.byline else []),
        published_at=dates.published_at,
        published_at_source=dates.published_at_source,  # type: ignore[arg-type]
        updated_at=dates.updated_at,
        updated_at_source=dates.updated_at_source,  # type: ignore[arg-type]
        language=_language(md.language, body_text),
        section=_selected_text(tree, selectors, "section") or md.section,
        tags=md.tags,
        image=urljoin(url, md.image) if md.image else None,
        fetched_at=page.fetched_at,
        content_hash=content_hash_for(title, lead, body_text),
        extraction_method=body.method,
    )
