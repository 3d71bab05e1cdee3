"""The page parsed once, and one walk over it collecting what the metadata and date readers need.

The lxml tree built here is the only parse of a page: metadata, dates, the source's CSS selectors
and trafilatura (which works on its own copy) all read it. BeautifulSoup over the same page cost
as much CPU as trafilatura's whole extraction, so the extractor does not use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

_DATE_ITEMPROP = re.compile(r"^date(published|created|modified)$")
_DATE_CLASS = re.compile(r"date|time|publish|posted|byline|meta|تاريخ", re.I)
#: elements whose text is code or markup, never something a reader sees
_INVISIBLE = frozenset({"script", "style", "noscript", "template"})


@dataclass
class PageIndex:
    tree: HtmlElement
    html_tag: HtmlElement | None = None
    title: HtmlElement | None = None
    h1: HtmlElement | None = None
    metas: list[HtmlElement] = field(default_factory=list)
    links: list[HtmlElement] = field(default_factory=list)
    json_ld: list[HtmlElement] = field(default_factory=list)
    times: list[HtmlElement] = field(default_factory=list)
    itemprop_dates: list[HtmlElement] = field(default_factory=list)
    mains: list[HtmlElement] = field(default_factory=list)  # <main> / role=main: where the content is
    has_text: bool = False
    #: the words of links, buttons, menus, headers and footers: what an article body is not
    chrome_words: set[str] = field(default_factory=set)

    @cached_property
    def dated(self) -> list[HtmlElement]:
        """Elements whose class or id says "date", "time", "byline"...: read only when the metadata
        gave no date, so looked up on first use (it was a tenth of the scan on every page)."""
        found = []
        for node in _DATED(self.tree):
            if _DATE_CLASS.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
                found.append(node)
                if len(found) >= 200:
                    break
        return found


def parse(html: str) -> HtmlElement | None:
    """The page as an lxml tree (trafilatura's loader: encoding declarations, repairs), or None."""
    return load_html(html)


#: text nodes a reader sees: XPath runs in C, ten times faster than walking the tree in Python
_VISIBLE_TEXT = etree.XPath(
    "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,
)


def strings(element: HtmlElement) -> list[str]:
    """The text pieces a reader sees under ``element``, in document order (scripts, styles skipped)."""
    return _VISIBLE_TEXT(element)  # type: ignore[return-value]


def text_of(element: HtmlElement, separator: str = " ", *, strip: bool = False) -> str:
    """``element``'s visible text joined with ``separator`` (``strip``: pieces trimmed, empties out)."""
    if strip:
        return separator.join(s for piece in strings(element) if (s := piece.strip()))
    return separator.join(strings(element))


def _xpath(expression: str) -> etree.XPath:
    return etree.XPath(expression, smart_strings=False)


# Each lookup is one XPath query (run in C): a Python loop over every element cost more than
# trafilatura's whole extraction on long pages.
#: role=main regions and itemprop elements in one walk (the tags are picked out by ``iter`` below)
_ROLE_OR_ITEMPROP = _xpath("//*[@role='main' or @itemprop]")
#: a union of plain descendant steps: twice as fast as one ancestor:: test per text node of the page
_CHROME_TEXT = _xpath(
    " | ".join(f"//{tag}//text()" for tag in ("a", "button", "nav", "header", "footer", "select", "label"))
)
_DATED = _xpath(
    " | ".join(f"//{tag}[@class or @id]" for tag in ("span", "div", "p", "small", "li", "time", "em"))
)


def scan(tree: HtmlElement) -> PageIndex:
    index = PageIndex(tree=tree)
    index.html_tag = tree if tree.tag == "html" else None
    index.title = tree.find(".//title")  # find stops at the first one, an XPath walks the whole page
    index.h1 = tree.find(".//h1")
    # one walk in C for the five tags (an XPath per tag walked the page five times)
    for node in tree.iter("meta", "link", "script", "time", "main"):
        tag = node.tag
        if tag == "meta":
            index.metas.append(node)
        elif tag == "link":
            if node.get("href") is not None:
                index.links.append(node)
        elif tag == "script":
            if "ld+json" in (node.get("type") or "").lower():
                index.json_ld.append(node)
        elif tag == "time":
            index.times.append(node)
        else:
            index.mains.append(node)
    for node in _ROLE_OR_ITEMPROP(tree):
        if node.get("role") == "main" and node.tag != "main":
            index.mains.append(node)
        if _DATE_ITEMPROP.match((node.get("itemprop") or "").lower()):
            index.itemprop_dates.append(node)
    index.chrome_words = set(" ".join(_CHROME_TEXT(tree)).split())
    index.has_text = has_visible_text(tree)
    return index


def _inside_invisible(element: HtmlElement) -> bool:
    return element.tag in _INVISIBLE or any(a.tag in _INVISIBLE for a in element.iterancestors())


def has_visible_text(tree: HtmlElement) -> bool:
    """Whether any text a reader sees is on the page; stops at the first piece (usually the title)."""
    for element in tree.iter():
        text = element.text
        if text and text.strip() and isinstance(element.tag, str) and not _inside_invisible(element):
            return True
        parent = element.getparent()
        if element.tail and element.tail.strip() and parent is not None and not _inside_invisible(parent):
            return True
    return False


def chrome_share(text: str, index: PageIndex) -> float:
    """Share of the distinct words of ``text`` that also appear in links, menus, headers, footers."""
    words = {w for w in text.split() if any(ch.isalnum() for ch in w)}
    return len(words & index.chrome_words) / len(words) if words else 1.0


def main_text_chars(index: PageIndex) -> int | None:
    """Length of the text inside the page's declared main region, None when it declares none."""
    if not index.mains:
        return None
    mains = set(index.mains)
    outermost = [m for m in index.mains if not any(a in mains for a in m.iterancestors())]
    return sum(len(text_of(m, strip=True)) for m in outermost)


def visible_text(index: PageIndex, limit: int = 4000) -> str:
    """The start of the page's visible text (scripts and styles excluded)."""
    body = index.tree.find("body")
    root = body if body is not None else index.tree
    out: list[str] = []
    size = 0
    for piece in strings(root):
        piece = piece.strip()
        if not piece:
            continue
        out.append(piece)
        size += len(piece) + 1
        if size >= limit:
            break
    return " ".join(out)
