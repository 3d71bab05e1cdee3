"""Page metadata: JSON-LD shapes seen in the wild, OpenGraph/meta fallbacks, site-level noise."""

from __future__ import annotations

import pytest

from pipelines.extract.metadata import Metadata, read_metadata
from pipelines.extract.page import parse, scan


def _md(head: str, body: str = "<p>نص</p>", lang: str = "") -> Metadata:
    html = f"<html{lang}><head>{head}</head><body>{body}</body></html>"
    return read_metadata(scan(parse(html)))


def _ld(json_text: str) -> str:
    return f'<script type="application/ld+json">{json_text}</script>'


def test_json_ld_in_a_list_with_nested_author_and_image_objects() -> None:
    md = _md(
        _ld(
            '[{"@type": "BreadcrumbList"}, {"@type": "NewsArticle", "headline": "عنوان الخبر",'
            '"author": {"@type": "Person", "name": "ليلى حسن"}, "image": {"@type": "ImageObject",'
            '"url": "https://cdn.example/a.jpg"}, "articleSection": "سياسة", "keywords": ["مصر", "انتخابات"],'
            '"datePublished": "2025-10-01T09:00:00+02:00", "articleBody": "الفقرة الأولى.\\nالفقرة الثانية."}]'
        )
    )
    assert md.title == "عنوان الخبر"
    assert md.authors == ["ليلى حسن"]
    assert md.image == "https://cdn.example/a.jpg"
    assert md.section == "سياسة"
    assert md.tags == ["مصر", "انتخابات"]
    assert md.json_ld_body == "الفقرة الأولى.\nالفقرة الثانية."
    assert ("2025-10-01T09:00:00+02:00", "json-ld", "published") in md.dates


def test_json_ld_graph_and_type_lists_and_blog_posting() -> None:
    md = _md(
        _ld(
            '{"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "صفحة"},'
            '{"@type": ["BlogPosting"], "headline": "تدوينة", "author": [{"name": "أ"}, "ب"]}]}'
        )
    )
    assert md.title == "تدوينة"
    assert md.authors == ["أ", "ب"]


def test_slightly_broken_json_ld_is_still_read() -> None:
    # trailing comma and a raw newline inside a string, both common CMS slips
    md = _md(_ld('{"@type": "ReportageNewsArticle", "headline": "سطر\nثان", "dateModified": "2025-01-02",}'))
    assert md.title == "سطر ثان"
    assert ("2025-01-02", "json-ld", "updated") in md.dates


@pytest.mark.parametrize(
    ("start", "end"),
    [("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>"), ("/*<![CDATA[*/", "/*]]>*/"), ("<!--", "-->")],
)
def test_json_ld_inside_a_cdata_or_comment_wrapper_is_read(start: str, end: str) -> None:
    # nbcnews.com wraps its JSON-LD in a bare CDATA section: its datePublished was lost, and the
    # og:published_time (the last update there) dated the article a day late
    md = _md(
        _ld(
            f'\n  {start}\n  {{"@type": "NewsArticle", "headline": "خبر", "datePublished": "2024-12-06T22:00:40Z"}}\n  {end}\n'
        )
    )
    assert md.title == "خبر"
    assert ("2024-12-06T22:00:40Z", "json-ld", "published") in md.dates


def test_opengraph_and_meta_fallbacks() -> None:
    md = _md(
        '<meta property="og:title" content="عنوان من OG">'
        '<meta property="og:description" content="ملخص الخبر">'
        '<meta property="og:image" content="/img/x.jpg">'
        '<meta property="og:locale" content="ar_AE">'
        '<meta name="pubdate" content="2025-05-05">'
        '<meta property="article:section" content="رياضة">'
        '<meta name="keywords" content="كرة، دوري, كأس">'
        '<link rel="canonical" href="https://example.com/a">'
        '<link rel="amphtml" href="https://example.com/a/amp">'
    )
    assert md.title == "عنوان من OG"
    assert md.lead == "ملخص الخبر"
    assert md.image == "/img/x.jpg"
    assert md.language == "ar"
    assert md.section == "رياضة"
    assert md.tags == ["كرة", "دوري", "كأس"]
    assert md.canonical == "https://example.com/a"
    assert md.amp_link == "https://example.com/a/amp"
    assert ("2025-05-05", "meta", "published") in md.dates


def test_language_from_html_lang_first() -> None:
    assert _md("", lang=' lang="ar-EG"').language == "ar"
    assert _md('<meta http-equiv="content-language" content="fr-FR">').language == "fr"
    assert _md("").language is None


def test_site_name_is_cut_from_titles_and_a_logo_h1_is_skipped() -> None:
    md = _md(
        '<meta property="og:site_name" content="اليوم السابع">'
        '<meta property="og:title" content="وزير الري يشهد توقيع عقد دراسة - اليوم السابع">',
        body="<h1>اليوم السابع</h1><p>نص</p>",
    )
    assert md.title == "وزير الري يشهد توقيع عقد دراسة"
    # only the site's own segment goes; the title's own separators stay as written
    md = _md(
        '<meta property="og:site_name" content="الواحة">'
        '<meta property="og:title" content="الواحة | محادثات لافروف – شيباني: أهمية وتوقيت">'
    )
    assert md.title == "محادثات لافروف – شيباني: أهمية وتوقيت"


def test_title_tag_and_h1_when_nothing_else() -> None:
    assert _md("<title>عنوان الصفحة | الموقع</title>", body="<p>نص</p>").title == "عنوان الصفحة | الموقع"
    # the page's own h1 beats the <title>, which usually carries the site's name
    assert _md("<title>x</title>", body="<h1>عنوان المقال</h1>").title == "عنوان المقال"
    assert _md("", body="<h1>عنوان المقال</h1>").title == "عنوان المقال"


def test_site_level_description_and_authors_are_not_article_metadata() -> None:
    md = _md(
        '<meta property="og:site_name" content="بوابة اخبار اليوم">'
        '<meta property="og:site_name" content="https://akhbarelyom.example/">'
        '<meta property="og:description" content="بوابة أخبار اليوم الإلكترونية">'
        '<meta itemprop="description" content="يصادف اليوم ذكرى ميلاد الفنانة">'
        '<meta name="author" content="akhbarelyom">'
        '<meta name="author" content="Developed By Someone">'
        '<meta property="og:title" content="عنوان">'
    )
    assert md.lead == "يصادف اليوم ذكرى ميلاد الفنانة"
    assert md.authors == []


def test_headline_cut_by_the_cms_is_replaced_by_the_full_one() -> None:
    full = "وزير الخارجية الروسي يستقبل نظيره السوري في موسكو لبحث العلاقات الثنائية والتطورات الإقليمية الأخيرة في المنطقة"
    md = _md(
        _ld(f'{{"@type": "NewsArticle", "headline": "{full[:60]}…"}}')
        + f'<meta property="og:title" content="{full}">'
    )
    assert md.title == full
