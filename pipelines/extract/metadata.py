"""Page metadata: JSON-LD first, then OpenGraph / twitter / plain meta tags, then the markup itself.

Everything returned is display text (``clean_display``); dates are returned as raw candidates
(value, source, kind) for :mod:`pipelines.extract.dates` to parse in priority order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from pipelines.extract.page import PageIndex, text_of
from pipelines.normalize.arabic import clean_display, normalize_text

ARTICLE_TYPES = frozenset(
    {
        "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle",
        "liveblogposting", "socialmediaposting", "scholarlyarticle", "report", "techarticle",
    }
)  # fmt: skip

# (meta key, source literal, kind): published or updated. Order is priority within each source.
META_DATE_KEYS: list[tuple[str, str, str]] = [
    ("article:published_time", "opengraph", "published"),
    ("og:published_time", "opengraph", "published"),
    ("article:modified_time", "opengraph", "updated"),
    ("og:updated_time", "opengraph", "updated"),
    ("datepublished", "meta", "published"),
    ("pubdate", "meta", "published"),
    ("publishdate", "meta", "published"),
    ("publish-date", "meta", "published"),
    ("publish_date", "meta", "published"),
    ("article.published", "meta", "published"),
    ("parsely-pub-date", "meta", "published"),
    ("sailthru.date", "meta", "published"),
    ("dc.date.issued", "meta", "published"),
    ("dcterms.issued", "meta", "published"),
    ("dc.date", "meta", "published"),
    ("dcterms.created", "meta", "published"),
    ("dc.date.created", "meta", "published"),
    ("citation_publication_date", "meta", "published"),
    ("original-publish-date", "meta", "published"),
    ("date", "meta", "published"),
    ("datemodified", "meta", "updated"),
    ("dcterms.modified", "meta", "updated"),
    ("dc.date.modified", "meta", "updated"),
    ("article.updated", "meta", "updated"),
    ("lastmod", "meta", "updated"),
]


@dataclass
class Metadata:
    title: str = ""
    lead: str = ""
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    canonical: str | None = None
    og_url: str | None = None
    amp_link: str | None = None
    language: str | None = None
    site_name: str | None = None
    json_ld_body: str = ""
    # (raw value, source literal, "published" | "updated"), best first
    dates: list[tuple[str, str, str]] = field(default_factory=list)


# --- JSON-LD --------------------------------------------------------------------------------------


_CDATA_START = re.compile(r"^(?://|/\*)?\s*<!\[CDATA\[\s*(?:\*/)?")
_CDATA_END = re.compile(r"(?://|/\*)?\s*\]\]>\s*(?:\*/)?$")


def _load_json_ld(raw: str) -> Any:
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
    # a CDATA wrapper, bare or behind a JS comment ("//<![CDATA[", "/*<![CDATA[*/"): JSON cannot read it
    raw = _CDATA_START.sub("", raw, count=1)
    raw = _CDATA_END.sub("", raw, count=1).strip()
    try:
        return json.loads(raw, strict=False)
    except RecursionError:  # nested deeper than any real article: no metadata from it
        return None
    except ValueError:
        # Frequent CMS slips: trailing commas, raw newlines inside strings.
        fixed = re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ").replace("\r", " "))
        try:
            return json.loads(fixed, strict=False)
        except (ValueError, RecursionError):
            return None


def _nodes(data: Any) -> Iterator[dict]:
    """Every typed object in a JSON-LD value: lists, @graph and nesting flattened."""
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                yield from _nodes(data[key])


def _types(node: dict) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def json_ld_article(scripts: list[HtmlElement]) -> dict | None:
    """The page's article object from JSON-LD, the one with the most text if there are several."""
    articles = []
    for script in scripts:
        try:
            nodes = list(_nodes(_load_json_ld(script.text or "")))
        except RecursionError:  # @graph inside @graph... hundreds deep: a hostile page, skip it
            continue
        articles += [node for node in nodes if _types(node) & ARTICLE_TYPES]
    if not articles:
        return None
    return max(articles, key=lambda n: (len(_text(n.get("articleBody"))), bool(n.get("headline"))))


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if v), "")
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("text") or ""
    return str(value) if isinstance(value, str | int | float) else ""


def _names(value: Any) -> list[str]:
    """Author names from a string, an object, or a list of either."""
    if not value:
        return []
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, dict):
        value = value.get("name") or ""
        if isinstance(value, list | dict):
            return _names(value)
    return [clean_display(str(value))] if str(value).strip() else []


def _url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return str(value).strip() if isinstance(value, str) and value.strip() else None


def _keywords(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    tags = [clean_display(t) for v in values for t in re.split(r"[,،;؛]", _text(v))]
    return list(dict.fromkeys(t for t in tags if t))


# --- meta tags ------------------------------------------------------------------------------------


def _meta_map(metas: list[HtmlElement]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tag in metas:
        content = tag.get("content")
        if content is None or not str(content).strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = tag.get(attr)
            if key:
                found.setdefault(str(key).strip().lower(), []).append(str(content).strip())
    return found


def _first(meta: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        for value in meta.get(key, []):
            if value.strip():
                return value.strip()
    return ""


def _link(links: list[HtmlElement], rel: str) -> str | None:
    for tag in links:
        if not tag.get("href"):
            continue
        if rel in (tag.get("rel") or "").lower().split():
            return tag.get("href", "").strip() or None
    return None


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:«»•·]\s+")


def _site_names(meta: dict[str, list[str]], ld: dict | None) -> set[str]:
    """Folded names the site goes by (og:site_name, publisher, application-name, its host)."""
    names = meta.get("og:site_name", []) + meta.get("application-name", []) + meta.get("twitter:site", [])
    if ld and isinstance(ld.get("publisher"), dict):
        names.append(_text(ld["publisher"]))
    folded = set()
    for name in names:
        name = name.strip().lstrip("@")
        host = re.match(r"^(?:https?://)?(?:www\.)?([\w-]+)\.[\w.]+/?$", name)
        folded.add(normalize_text(host.group(1) if host else name))
    # a CMS that fills og:site_name with the headline must not make the headline a "site name"
    return {f for f in folded if f and len(f.split()) <= 5}


def _strip_site_name(title: str, site_names: set[str]) -> str:
    """ "وزير الري يشهد ... - اليوم السابع" -> "وزير الري يشهد ..."."""
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    first, last = separators[0], separators[-1]
    if normalize_text(title[last.end() :]) in site_names:
        title = title[: last.start()]
    elif normalize_text(title[: first.start()]) in site_names:
        title = title[first.end() :]
    return title.strip()


def _is_site_level(text: str, site_names: set[str]) -> bool:
    """A description or author that names the site, not the article (``بوابة أخبار اليوم الإلكترونية``)."""
    folded = normalize_text(text)
    if re.search(r"(?:developed|powered|designed) by|^https?://", folded):
        return True
    compact = folded.replace(" ", "")
    named = any(name in folded or name.replace(" ", "") in compact for name in site_names)
    return named and len(folded.split()) <= 8


def _language(html: HtmlElement | None, meta: dict[str, list[str]], ld: dict | None) -> str | None:
    candidates = [
        html.get("lang") if html is not None else None,
        html.get("xml:lang") if html is not None else None,
        _text(ld.get("inLanguage")) if ld else None,
        _first(meta, "og:locale"),
        _first(meta, "content-language", "language", "dc.language"),
    ]
    for value in candidates:
        if value and re.match(r"^[A-Za-z]{2,3}(?:$|[-_,;\s])", str(value).strip()):
            return re.split(r"[-_,;\s]", str(value).strip())[0].lower()
    return None


# --- entry point ----------------------------------------------------------------------------------


def read_metadata(page: PageIndex) -> Metadata:
    meta = _meta_map(page.metas)
    ld = json_ld_article(page.json_ld)
    md = Metadata()
    md.site_name = clean_display(_first(meta, "og:site_name", "application-name")) or None

    site_names = _site_names(meta, ld)
    h1, title_tag = page.h1, page.title
    titles = [
        _text(ld.get("headline")) if ld else "",
        _first(meta, "og:title", "twitter:title", "dc.title", "title"),
        text_of(h1) if h1 is not None else "",
        text_of(title_tag) if title_tag is not None else "",
        _text(ld.get("name")) if ld else "",
    ]
    titles = [_strip_site_name(clean_display(t), site_names) for t in titles if t and clean_display(t)]
    titles = [t for t in titles if normalize_text(t) not in site_names]
    if titles:
        md.title = titles[0]
        # JSON-LD headlines get cut at 110 characters for Google: prefer the full one.
        stem = md.title.rstrip(".… ")
        longer = [t for t in titles[1:] if len(t) > len(md.title) and t.startswith(stem)]
        if longer and (md.title.endswith(("…", "...")) or len(md.title) >= 100):
            md.title = longer[0]

    leads = [
        *meta.get("og:description", []),
        *meta.get("description", []),
        *meta.get("twitter:description", []),
        *meta.get("dc.description", []),
        _text(ld.get("description")) if ld else "",
    ]
    md.lead = next((clean_display(x) for x in leads if x and not _is_site_level(x, site_names)), "")
    if ld:
        md.authors = _names(ld.get("author") or ld.get("creator"))
        section = ld.get("articleSection")
        md.section = clean_display(_text(section)) or None
        md.tags = _keywords(ld.get("keywords"))
        md.image = _url(ld.get("image")) or _url(ld.get("thumbnailUrl"))
        body = ld.get("articleBody") or ld.get("text")
        md.json_ld_body = body if isinstance(body, str) else ""
        for key, kind in (("datePublished", "published"), ("dateCreated", "published")):
            if _text(ld.get(key)):
                md.dates.append((_text(ld.get(key)), "json-ld", kind))
        if _text(ld.get("dateModified")):
            md.dates.append((_text(ld.get("dateModified")), "json-ld", "updated"))

    if not md.authors:
        md.authors = [
            clean_display(a)
            for a in meta.get("author", []) + meta.get("article:author", []) + meta.get("dc.creator", [])
            if clean_display(a) and not a.startswith("http")
        ]
    md.authors = list(
        dict.fromkeys(
            re.sub(r"^(?:by|بقلم|كتب)[:\s]+", "", a, flags=re.I)
            for a in md.authors
            if not _is_site_level(a, site_names)
        )
    )
    md.section = md.section or clean_display(_first(meta, "article:section", "section")) or None
    md.tags = md.tags or _keywords(meta.get("article:tag", []) or _first(meta, "news_keywords", "keywords"))
    md.image = md.image or _first(meta, "og:image", "og:image:url", "twitter:image") or None

    md.canonical = _link(page.links, "canonical")
    md.og_url = _first(meta, "og:url") or None
    md.amp_link = _link(page.links, "amphtml")
    md.language = _language(page.html_tag, meta, ld)

    for key, source, kind in META_DATE_KEYS:
        for value in meta.get(key, []):
            md.dates.append((value, source, kind))
    return md
