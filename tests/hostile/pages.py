"""Pages and sources for the hostile-input tests: a real-looking Arabic article, an RSS feed."""

from __future__ import annotations

from html import escape

from hostile_server import HostileServer, html, raw

from pipelines.sources import Discovery, SourceConfig

_PARAGRAPHS = [
    "أعلنت وزارة الزراعة اليوم عن إطلاق حملة وطنية واسعة لتشجير الطرق السريعة في جميع المحافظات.",
    "وقال المتحدث باسم الوزارة إن الحملة تستهدف زراعة أكثر من مليون شجرة خلال العام المقبل.",
    "وأضاف أن الحملة ستعتمد على متطوعين من الجامعات والمدارس إلى جانب العاملين في الوزارة.",
    "ويأتي هذا الإعلان في إطار خطة حكومية شاملة لمواجهة التغير المناخي وتحسين جودة الهواء.",
]


def article_html(n: int, *, head: str = "", body: str = "", text: str | None = None) -> str:
    """Article ``n``: a title and four paragraphs of Arabic news, plus ``head``/``body`` markup."""
    paragraphs = "".join(f"<p>{escape(p)} ({n})</p>" for p in _PARAGRAPHS)
    return (
        '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>حملة لتشجير الطرق رقم {n}</title>"
        '<meta property="article:published_time" content="2026-11-30T08:00:00Z">'
        f"{head}</head><body><article><h1>حملة لتشجير الطرق رقم {n}</h1>"
        f"{text if text is not None else paragraphs}{body}</article></body></html>"
    )


def serve_feed(server: HostileServer, paths: list[str], feed: str = "/feed.xml") -> str:
    """Serve an RSS feed listing ``paths`` (in that order); returns the feed URL."""
    items = "".join(f"<item><title>خبر</title><link>{escape(server.url(p))}</link></item>" for p in paths)
    xml = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    server.routes[feed] = raw("200 OK", [("Content-Type", "application/rss+xml")], xml.encode())
    return server.url(feed)


def serve_article(server: HostileServer, path: str, n: int, **kwargs: str) -> None:
    server.routes[path] = html(article_html(n, **kwargs))


def source_on(server: HostileServer, feed_url: str, *, source_id: str = "hostile") -> SourceConfig:
    return SourceConfig(
        id=source_id,
        name="موقع معاد",
        homepage=server.url("/"),
        rate_limit=0.0,
        allow_private_network=True,
        discovery=Discovery(feeds=[feed_url]),
    )
