"""One walk over the parsed page, collecting every element the metadata and date readers need.

BeautifulSoup's ``find_all`` walks the whole tree on each call; a page has a dozen of those
lookups, so they are gathered here in a single pass over ``soup.descendants``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

_DATE_ITEMPROP = re.compile(r"^date(published|created|modified)$")
_DATE_CLASS = re.compile(r"date|time|publish|posted|byline|meta|تاريخ", re.I)
_CHROME_TAGS = frozenset({"a", "button", "nav", "header", "footer", "select", "label"})
_DATED_TAGS = frozenset({"span", "div", "p", "small", "li", "time", "em"})


@dataclass
class PageIndex:
    soup: BeautifulSoup
    html_tag: Tag | None = None
    title: Tag | None = None
    h1: Tag | None = None
    metas: list[Tag] = field(default_factory=list)
    links: list[Tag] = field(default_factory=list)
    json_ld: list[Tag] = field(default_factory=list)
    times: list[Tag] = field(default_factory=list)
    itemprop_dates: list[Tag] = field(default_factory=list)
    mains: list[Tag] = field(default_factory=list)  # <main> / role=main: where the page says its content is
    dated: list[Tag] = field(default_factory=list)  # class/id says "date", "time", "byline"...
    has_text: bool = False
    #: the words of links, buttons, menus, headers and footers: what an article body is not
    chrome_words: set[str] = field(default_factory=set)


def parse(html: str) -> BeautifulSoup:
    """The page as a BeautifulSoup tree over lxml.

    ``class`` and ``rel`` stay plain strings (``multi_valued_attributes=None``): splitting them on
    every tag is a fifth of the parse time, and CSS selectors match either form.
    """
    return BeautifulSoup(html, "lxml", multi_valued_attributes=None)


def scan(soup: BeautifulSoup) -> PageIndex:
    index = PageIndex(soup=soup)
    for node in soup.descendants:
        if not isinstance(node, Tag):
            continue
        name = node.name
        attrs = node.attrs
        if name == "meta":
            index.metas.append(node)
        elif name == "link":
            index.links.append(node)
        elif name == "script":
            if "ld+json" in str(attrs.get("type", "")).lower():
                index.json_ld.append(node)
        elif name == "time":
            index.times.append(node)
        elif name == "title" and index.title is None:
            index.title = node
        elif name == "h1" and index.h1 is None:
            index.h1 = node
        elif name == "html" and index.html_tag is None:
            index.html_tag = node
        if name == "main" or attrs.get("role") == "main":
            index.mains.append(node)
        if name in _CHROME_TAGS:
            index.chrome_words.update(node.get_text(" ").split())
        if "itemprop" in attrs and _DATE_ITEMPROP.match(str(attrs["itemprop"]).lower()):
            index.itemprop_dates.append(node)
        if name in _DATED_TAGS and ("class" in attrs or "id" in attrs) and len(index.dated) < 200:
            marker = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
            if _DATE_CLASS.search(marker):
                index.dated.append(node)
    index.has_text = next(soup.stripped_strings, None) is not None
    return index


def chrome_share(text: str, index: PageIndex) -> float:
    """Share of the distinct words of ``text`` that also appear in links, menus, headers, footers."""
    words = {w for w in text.split() if any(ch.isalnum() for ch in w)}
    return len(words & index.chrome_words) / len(words) if words else 1.0


def main_text_chars(index: PageIndex) -> int | None:
    """Length of the text inside the page's declared main region, None when it declares none."""
    if not index.mains:
        return None
    outermost = [
        m for m in index.mains if not any(m in other.descendants for other in index.mains if other is not m)
    ]
    return sum(len(m.get_text(" ", strip=True)) for m in outermost)


def visible_text(index: PageIndex, limit: int = 4000) -> str:
    """The start of the page's visible text (scripts and styles excluded)."""
    root = index.soup.body or index.soup
    out: list[str] = []
    size = 0
    for string in root.stripped_strings:
        out.append(string)
        size += len(string) + 1
        if size >= limit:
            break
    return " ".join(out)
