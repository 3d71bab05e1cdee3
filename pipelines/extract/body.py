"""Main text of an article as structured blocks (paragraphs, subheadings, quotes, list items).

Candidates, tried in this order and compared per page:

1. ``selectors``: the source's own CSS selector for the body (sources.yaml), when it finds text.
2. ``json-ld``: the ``articleBody`` the site publishes in its JSON-LD (often without paragraphs).
3. ``trafilatura``: trafilatura's main-text extraction (balanced, ``fast``), read as a tree so
   subheadings, quotes and lists survive; the full balanced and ``favor_recall`` passes run only
   when the first pass finds almost nothing.

``choose`` keeps the selectors' text when there is some; otherwise the JSON-LD body when it is
clearly more complete than trafilatura's text and mostly agrees with it (a site's own body is
exact where trafilatura guesses), else trafilatura. Boilerplate blocks ("اقرأ أيضا", share
prompts, newsletter calls) and the "read also" lists under them are dropped from every candidate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC

from cssselect import SelectorError
from lxml import etree
from lxml.html import HtmlElement, fragment_fromstring
from trafilatura import bare_extraction
from trafilatura.settings import Extractor
from trafilatura.xml import remove_empty_elements, strip_double_tags

from pipelines.extract.page import text_of
from pipelines.model import Block
from pipelines.normalize.arabic import clean_display, fold_digits, normalize_text
from pipelines.normalize.arabic_dates import parse_arabic_date

# trafilatura warns on every page it finds too little in; khabar reports those as ExtractionError
logging.getLogger("trafilatura").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

MIN_BODY_CHARS = 40


@dataclass(frozen=True)
class BodyCandidate:
    method: str
    blocks: tuple[Block, ...]
    byline: str | None = None  # author named in a "كتب: ..." line cut from the top of the body

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def words(self) -> int:
        return sum(len(block.text.split()) for block in self.blocks)


# --- boilerplate ----------------------------------------------------------------------------------

# Matched on normalize_text forms, at the start of short blocks. Ordinary verbs stay safe:
# "شارك في الاجتماع..." (took part in) is news, "شارك الخبر" (share this) is not.
_BOILERPLATE = re.compile(
    r"^(?:اقرا ايضا|اقرا المزيد|اقرا كذلك|اقرا اكثر|شاهد ايضا|طالع ايضا|مواضيع ذات صله|اخبار ذات صله"
    r"|ذات صله\s*:|شارك(?:ها)? (?:الخبر|المقال|علي|عبر)|تابعونا"
    r"|تابعوا (?:اخر|اخبار|قناتنا|صفحتنا|حسابنا|تغطيتنا)|لمتابعه (?:اخر|اخبار|المزيد)|حمل تطبيق"
    r"|اشترك في (?:النشره|نشرتنا|قناتنا|خدمه)|read more|read also|see also|share (?:this|on)|follow us"
    r"|sign up for|subscribe to|related(?: articles| stories| coverage)?\s*(?::|$)|(?:اعلان|advertisement)$)",
    re.IGNORECASE,
)
# "الرئيسية | الأرشيف | اتصل بنا": a row of menu items
_MENU = re.compile(r"^[^|•·]{1,30}(?:\s[|•·]\s[^|•·]{1,30})+$")
_LIST_INTRO = re.compile(
    r"^(?:اقرا ايضا|اقرا المزيد|مواضيع ذات صله|اخبار ذات صله|read (?:more|also)|related)"
)


def drop_boilerplate(blocks: Iterable[Block]) -> list[Block]:
    """Drop short boilerplate blocks, and the list items that follow a "read also" heading."""
    kept: list[Block] = []
    in_related_list = False
    for block in blocks:
        if in_related_list and block.kind == "li":
            continue
        in_related_list = False
        if _MENU.match(block.text) and len(block.text.split()) <= 16:
            continue
        if len(block.text) <= 120:  # only short blocks are folded: the long ones are the article
            folded = normalize_text(block.text).lstrip("-–—•:| ")
            if _BOILERPLATE.match(folded):
                in_related_list = bool(_LIST_INTRO.match(folded))
                continue
        kept.append(block)
    return kept


def _dedupe_title(blocks: list[Block], title: str) -> list[Block]:
    if blocks and title and normalize_text(blocks[0].text) == normalize_text(title):
        return blocks[1:]
    return blocks


_BYLINE = re.compile(
    r"^(?:كتب|كتبت|بقلم|إعداد|اعداد|تقرير|حوار|by|par)\s*[:：\-–]?\s*(?P<name>\S.{1,58})$", re.I
)


def strip_dateline_and_byline(blocks: list[Block]) -> tuple[list[Block], str | None]:
    """Cut the dateline ("تونس، الخميس ١٢ نوفمبر ٢٠٢٦") and byline ("كتب: ...") above the text.

    Only short blocks among the first three, that do not end like a sentence, are looked at.
    """
    byline = None
    kept = list(blocks)
    for block in blocks[:3]:
        text = block.text
        if len(text.split()) > 12 or text.endswith((".", "。", "!", "؟", "?")):
            break
        found = _BYLINE.match(text)
        if found and len(text.split()) <= 6:
            byline = byline or found["name"].strip()
        elif not (re.search(r"\d", fold_digits(text)) and parse_arabic_date(text, tz=UTC)):
            break
        kept.remove(block)
    return kept, byline


# --- candidates -----------------------------------------------------------------------------------

_HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
_STRIP_TAGS = ["script", "style", "noscript", "iframe", "form", "button", "svg", "nav", "aside", "template"]
_BLOCK_TAGS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li"]


def _block(kind: str, text: str) -> Block | None:
    text = clean_display(text)
    return Block(kind=kind, text=text) if text else None  # type: ignore[arg-type]


def blocks_from_element(element: HtmlElement) -> list[Block]:
    """Blocks from an HTML subtree: its paragraphs, headings, quotes and list items, in order.

    Edits ``element`` (scripts, forms, menus dropped): pass a copy of a shared tree.
    """
    for junk in list(element.iterdescendants(*_STRIP_TAGS)):
        junk.drop_tree()  # keeps the text that follows it
    structural = list(element.iterdescendants(*_BLOCK_TAGS))
    if not structural:
        lines = text_of(element, "\n").split("\n")
        return [b for line in lines if (b := _block("p", line))]
    containers = {tag for tag in structural if tag.tag in ("blockquote", "li")}
    blocks: list[Block] = []
    for tag in structural:
        # a <p> inside a <blockquote> or <li> is read with its container
        if containers and next(tag.iterancestors("blockquote", "li"), None) in containers:
            continue
        kind = _HEADINGS.get(tag.tag) or {"blockquote": "quote", "li": "li"}.get(tag.tag, "p")
        if (b := _block(kind, text_of(tag))) is not None:
            blocks.append(b)
    return blocks


def select(tree: HtmlElement, css: str) -> list[HtmlElement]:
    """Elements matching a source's CSS selector (an invalid selector matches nothing, logged)."""
    try:
        return tree.cssselect(css)
    except (SelectorError, ValueError):
        log.warning("invalid CSS selector %r", css)
        return []


def from_selectors(tree: HtmlElement, selectors: Mapping[str, str] | None) -> BodyCandidate | None:
    if not selectors or not selectors.get("body"):
        return None
    blocks: list[Block] = []
    for found in select(tree, selectors["body"]):
        element = deepcopy(found)  # the page's tree is shared with the other readers: edit a copy
        for junk in select(element, selectors["remove"]) if selectors.get("remove") else []:
            if junk is not element:
                junk.drop_tree()
        blocks.extend(blocks_from_element(element))
    blocks = drop_boilerplate(blocks)
    return BodyCandidate("selectors", tuple(blocks)) if blocks else None


def from_json_ld(article_body: str) -> BodyCandidate | None:
    if not article_body or not article_body.strip():
        return None
    if re.search(r"<(?:p|br|div|h[1-6])[\s/>]", article_body, re.I):
        try:
            fragment = fragment_fromstring(article_body, create_parent="div")
        except etree.ParserError:
            return None
        blocks = blocks_from_element(fragment)
    else:
        blocks = [b for part in re.split(r"\n\s*\n|\n", article_body) if (b := _block("p", part))]
    blocks = drop_boilerplate(blocks)
    return BodyCandidate("json-ld", tuple(blocks)) if blocks else None


def _xml_pieces(element: etree._Element) -> list[tuple[str, str]]:
    """(kind, text) of one child of trafilatura's <main>."""
    tag = element.tag
    if tag == "head":
        return [(_HEADINGS.get((element.get("rend") or "h2").lower(), "h2"), " ".join(element.itertext()))]
    if tag == "list":
        return [("li", " ".join(item.itertext())) for item in element.iter("item")]
    if tag == "quote":
        return [("quote", " ".join(element.itertext()))]
    if tag == "table":
        return _table_pieces(element)
    if tag in ("p", "code"):
        return [("p", " ".join(element.itertext()))]
    return []


_STRUCTURAL = ("head", "p", "list", "quote", "table")


def _container_pieces(container: etree._Element) -> list[tuple[str, str]]:
    """Pieces of every child of a container, loose text between children included."""
    pieces: list[tuple[str, str]] = [("p", container.text or "")]
    for element in container:
        pieces.extend(_xml_pieces(element))
        pieces.append(("p", element.tail or ""))  # loose text between elements is a paragraph too
    return pieces


def _table_pieces(table: etree._Element) -> list[tuple[str, str]]:
    """A data table row by row as ``| a | b |``; a layout table (cells holding paragraphs) as blocks."""
    pieces: list[tuple[str, str]] = []
    for row in table.iter("row"):
        cells = list(row.iter("cell"))
        if any(child.tag in _STRUCTURAL for cell in cells for child in cell):
            for cell in cells:
                pieces.extend(_container_pieces(cell))
            continue
        texts = [" ".join(cell.itertext()).strip() for cell in cells]
        if any(texts):
            pieces.append(("p", "| " + " | ".join(t for t in texts if t) + " |"))
    return pieces


def _body_blocks(body: etree._Element) -> list[Block]:
    return [b for kind, text in _container_pieces(body) if (b := _block(kind, text)) is not None]


def from_trafilatura(
    tree: HtmlElement, url: str | None = None, *, mode: str = "balanced", fast: bool = False
) -> BodyCandidate | None:
    """trafilatura's main text; ``mode`` is ``balanced``, ``recall`` or ``precision``; ``fast`` skips its fallbacks.

    Reads trafilatura's result tree directly (its XML output would be serialized, fingerprinted and
    parsed back: a tenth of the time for nothing); trafilatura works on a copy of ``tree``.
    """
    options = Extractor(
        output_format="xml",
        fast=fast,
        comments=False,
        tables=True,
        recall=mode == "recall",
        precision=mode == "precision",
        dedup=False,
        with_metadata=False,
        url=url,
    )
    document = bare_extraction(tree, options=options, as_dict=False)
    if document is None or document.body is None:
        return None
    body = document.body
    strip_double_tags(body)
    remove_empty_elements(body)
    blocks = drop_boilerplate(_body_blocks(body))
    return BodyCandidate("trafilatura", tuple(blocks)) if blocks else None


# --- choice ---------------------------------------------------------------------------------------


def _agreement(candidate: BodyCandidate, reference: BodyCandidate) -> float:
    """Share of the reference's words that the candidate also has."""
    ref = set(normalize_text(reference.text).split())
    if not ref:
        return 0.0
    return len(ref & set(normalize_text(candidate.text).split())) / len(ref)


def choose(
    selectors: BodyCandidate | None, json_ld: BodyCandidate | None, traf: BodyCandidate | None
) -> BodyCandidate | None:
    if selectors is not None and len(selectors.text) >= MIN_BODY_CHARS:
        return selectors
    if json_ld is not None and traf is not None:
        more_complete = json_ld.words >= 1.15 * traf.words
        if more_complete and _agreement(json_ld, traf) >= 0.8:
            return json_ld
        return traf
    return traf or json_ld or selectors


def _trafilatura_best(tree: HtmlElement, url: str | None) -> BodyCandidate | None:
    """The balanced pass (``fast``); the full balanced pass, then a recall pass, only when it finds almost nothing.

    One pass per page in the usual case, without trafilatura's readability/jusText comparison
    (``fast``). Chosen on the development parts of both benchmark sets (bench/extraction/passes.py
    and the rule in its README): tied on F1 with the precision pass (0.956 vs 0.957 pooled, under
    the 0.002 the rule counts as a tie) and faster; the later passes rescue pages where it cut too much.
    """
    best = from_trafilatura(tree, url, fast=True)
    for mode in ("balanced", "recall"):
        if best is not None and len(best.text) >= 4 * MIN_BODY_CHARS:
            break
        found = from_trafilatura(tree, url, mode=mode)
        if found is not None and (best is None or found.words > best.words):
            best = found
    return best


def extract_body(
    tree: HtmlElement,
    *,
    url: str | None,
    title: str,
    json_ld_body: str,
    selectors: Mapping[str, str] | None = None,
) -> BodyCandidate | None:
    """The best body candidate of a page, without its title repeated, or None."""
    by_selectors = from_selectors(tree, selectors)
    by_json_ld = from_json_ld(json_ld_body)
    by_traf = None
    if by_selectors is None or len(by_selectors.text) < MIN_BODY_CHARS:
        by_traf = _trafilatura_best(tree, url)  # trafilatura works on its own copy
    best = choose(by_selectors, by_json_ld, by_traf)
    if best is None:
        return None
    blocks, byline = strip_dateline_and_byline(_dedupe_title(list(best.blocks), title))
    return BodyCandidate(best.method, tuple(blocks), byline)
