"""Render the sample site's pages, feeds and sitemaps from ``articles/articles.yaml`` and ``templates/``.

Pure functions of (articles, base URL): the server only routes requests to them.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from functools import cache
from importlib import resources
from string import Template
from xml.sax.saxutils import escape as xml_escape

import yaml

from pipelines.normalize.arabic import arabic_indic_digits
from pipelines.normalize.arabic_dates import MONTH_NAMES

_PKG = resources.files("pipelines.sample_site")


@dataclass(frozen=True)
class SampleArticle:
    slug: str
    template: str
    title: str
    summary: str
    section: str
    author: str
    published: datetime
    updated: datetime | None
    blocks: tuple[tuple[str, str], ...]  # (kind, text): kind is "p" or "h2"
    date_text: str = ""
    amp: bool = False
    hidden: bool = False
    revision: int = 0
    extra: tuple[str, ...] = field(default_factory=tuple)

    @property
    def path(self) -> str:
        return f"/news/{self.slug}.html"

    @property
    def modified(self) -> datetime:
        return self.updated or self.published

    def with_update(self, paragraph: str, when: datetime) -> SampleArticle:
        """The same article with one more paragraph: new content, new ETag, later dateModified."""
        return replace(self, extra=(*self.extra, paragraph), updated=when, revision=self.revision + 1)

    @property
    def all_blocks(self) -> tuple[tuple[str, str], ...]:
        return self.blocks + tuple(("p", text) for text in self.extra)


def _blocks_from_text(text: str) -> tuple[tuple[str, str], ...]:
    """One block per line; a short line without sentence punctuation is a subheading."""
    blocks = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        heading = len(line) < 80 and not line.endswith((".", "،", "؟", "!", ":"))
        blocks.append(("h2" if heading else "p", line))
    return tuple(blocks)


@cache
def load_articles() -> tuple[SampleArticle, ...]:
    """The sample articles in the order of the YAML file (the seed article first)."""
    raw = yaml.safe_load(_PKG.joinpath("articles", "articles.yaml").read_text(encoding="utf-8"))
    out = []
    for item in raw:
        if "body_file" in item:
            body = _blocks_from_text(_PKG.joinpath("articles", item["body_file"]).read_text(encoding="utf-8"))
        else:
            body = tuple(("p", p) for p in item["paragraphs"])
        out.append(
            SampleArticle(
                slug=item["slug"],
                template=item["template"],
                title=item["title"],
                summary=item.get("summary", ""),
                section=item.get("section", ""),
                author=item.get("author", ""),
                published=datetime.fromisoformat(item["published"]),
                updated=datetime.fromisoformat(item["updated"]) if item.get("updated") else None,
                blocks=body,
                date_text=item.get("date_text", ""),
                amp=bool(item.get("amp")),
                hidden=bool(item.get("hidden")),
            )
        )
    return tuple(out)


@cache
def _template(name: str) -> Template:
    return Template(_PKG.joinpath("templates", name).read_text(encoding="utf-8"))


def arabic_date(when: datetime) -> str:
    """'٢٤ نوفمبر ٢٠٢٦' — how Arabic sites print dates in running text."""
    return arabic_indic_digits(f"{when.day} {MONTH_NAMES[when.month - 1]} {when.year}")


def _body_html(article: SampleArticle) -> str:
    parts = []
    for kind, text in article.all_blocks:
        tag = "h2" if kind == "h2" else "p"
        parts.append(f"<{tag}>{html.escape(text)}</{tag}>")
    return "\n".join(parts)


def _jsonld(article: SampleArticle, canonical: str, base: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": "أخبار العينة"},
        "mainEntityOfPage": canonical,
        "articleSection": article.section,
        "image": f"{base}/img/{article.slug}.jpg",
        "inLanguage": "ar",
    }
    # </script> can never appear inside the script element.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def render_article(article: SampleArticle, base: str, *, url_path: str | None = None) -> tuple[bytes, str]:
    """(body bytes, Content-Type) of an article page in the article's own template and charset."""
    canonical = f"{base}{article.path}"
    common = {
        "title": html.escape(article.title),
        "summary": html.escape(article.summary),
        "section": html.escape(article.section),
        "author": html.escape(article.author),
        "canonical": canonical,
        "published_iso": article.published.isoformat(),
        "published_text": arabic_date(article.published),
        "body": _body_html(article),
        "chrome": _template("chrome.html").template,
        "footer": _template("footer.html").template,
        "image": f"{base}/img/{article.slug}.jpg",
        "date_text": html.escape(article.date_text or arabic_date(article.published)),
    }
    if article.template == "jsonld":
        amp_link = f'<link rel="amphtml" href="{base}/amp/{article.slug}.html">' if article.amp else ""
        text = _template("jsonld.html").substitute(
            common, jsonld=_jsonld(article, canonical, base), amp_link=amp_link
        )
        return text.encode("utf-8"), "text/html; charset=utf-8"
    if article.template == "opengraph":
        return _template("opengraph.html").substitute(common).encode("utf-8"), "text/html; charset=utf-8"
    charset = {"bare": "utf-8", "cp1256": "windows-1256", "iso8859-6": "iso-8859-6"}[article.template]
    text = _template("bare.html").substitute(common, charset=charset)
    # Characters the legacy charset lacks (Arabic-Indic digits, ©) become numeric references.
    data = text.encode(charset, errors="xmlcharrefreplace")
    # Legacy pages usually send no charset in the header: the <meta> tag is all a client gets.
    return data, "text/html" if charset != "utf-8" else "text/html; charset=utf-8"


def render_amp(article: SampleArticle, base: str) -> bytes:
    canonical = f"{base}{article.path}"
    return (
        _template("amp.html")
        .substitute(
            title=html.escape(article.title),
            canonical=canonical,
            jsonld=_jsonld(article, canonical, base),
            author=html.escape(article.author),
            published_iso=article.published.isoformat(),
            published_text=arabic_date(article.published),
            body=_body_html(article),
        )
        .encode("utf-8")
    )


def render_listing(articles: list[SampleArticle]) -> bytes:
    items = "\n".join(
        f'<li class="story"><a class="story-link" href="{a.path}">{html.escape(a.title)}</a>'
        f' <span class="date">{arabic_date(a.published)}</span></li>'
        for a in articles
    )
    chrome = _template("chrome.html").template
    footer = _template("footer.html").template
    return _template("listing.html").substitute(items=items, chrome=chrome, footer=footer).encode("utf-8")


def render_boilerplate() -> bytes:
    chrome = _template("chrome.html").template
    return (
        _template("boilerplate.html")
        .substitute(chrome=chrome, footer=_template("footer.html").template)
        .encode()
    )


def _rss_item(title: str, link: str, when: datetime | None, summary: str = "") -> str:
    date = f"<pubDate>{format_datetime(when)}</pubDate>" if when else ""
    return (
        f"<item><title>{xml_escape(title)}</title><link>{xml_escape(link)}</link>"
        f"<guid isPermaLink='true'>{xml_escape(link)}</guid>{date}"
        f"<description>{xml_escape(summary)}</description></item>"
    )


def rss(items: list[tuple[str, str, datetime | None, str]], base: str, build: datetime) -> bytes:
    """RSS 2.0 of (title, link, date, summary) items; lastBuildDate changes when the site changes."""
    body = "\n".join(_rss_item(*item) for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>أخبار العينة</title><link>{base}/news/</link><description>آخر الأخبار</description>"
        f"<language>ar</language><lastBuildDate>{format_datetime(build)}</lastBuildDate>\n{body}\n"
        "</channel></rss>\n"
    ).encode()


def atom(articles: list[SampleArticle], base: str, build: datetime) -> bytes:
    entries = "\n".join(
        f"<entry><title>{xml_escape(a.title)}</title>"
        f'<link rel="alternate" type="text/html" href="{base}{a.path}"/>'
        f"<id>{base}{a.path}</id><published>{a.published.isoformat()}</published>"
        f"<updated>{a.modified.isoformat()}</updated><author><name>{xml_escape(a.author)}</name></author>"
        f"<summary>{xml_escape(a.summary)}</summary></entry>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">'
        f'<title>أخبار العينة</title><id>{base}/</id><link rel="self" href="{base}/feeds/atom.xml"/>'
        f"<updated>{build.isoformat()}</updated>\n{entries}\n</feed>\n"
    ).encode()


_SM_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def news_sitemap(articles: list[SampleArticle], base: str) -> bytes:
    urls = "\n".join(
        f"<url><loc>{base}{a.path}</loc><news:news><news:publication>"
        "<news:name>أخبار العينة</news:name><news:language>ar</news:language></news:publication>"
        f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
        f"<news:title>{xml_escape(a.title)}</news:title></news:news></url>"
        for a in articles
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SM_NS} {_NEWS_NS}>\n{urls}\n</urlset>\n'.encode()
    )


def pages_sitemap(articles: list[SampleArticle], base: str) -> bytes:
    urls = "\n".join(
        f"<url><loc>{base}{a.path}</loc><lastmod>{a.modified.date().isoformat()}</lastmod></url>"
        for a in articles
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SM_NS}>\n{urls}\n</urlset>\n'.encode()


def sitemap_index(base: str, children: list[str], build: datetime) -> bytes:
    maps = "\n".join(
        f"<sitemap><loc>{base}{path}</loc><lastmod>{build.isoformat()}</lastmod></sitemap>"
        for path in children
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SM_NS}>\n{maps}\n</sitemapindex>\n'
    ).encode()
