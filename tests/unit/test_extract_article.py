"""extract_article on the project's own fixture pages: one page in, one clean Article out."""

from __future__ import annotations

import html as html_lib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.errors import ExtractionError
from pipelines.extract import extract_article
from pipelines.model import Article, RawPage, article_id_for, content_hash_for
from pipelines.normalize.arabic import normalize_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = FIXTURES / "pages"
FETCHED = datetime(2025, 10, 30, 12, 0, tzinfo=UTC)


def _page(name: str, url: str, *, content_type: str = "text/html; charset=utf-8", **kw) -> RawPage:
    body = (PAGES / name).read_bytes()
    return RawPage(
        url=url, final_url=url, status=200, content_type=content_type, body=body, fetched_at=FETCHED, **kw
    )


def _extract(name: str, url: str, **kw) -> Article:
    return extract_article(_page(name, url), source_id="test", **kw)


def test_full_json_ld_page() -> None:
    a = _extract(
        "jsonld-full.html", "https://news.example.com/culture/2025/10/30/book-fair-opens?utm_source=rss"
    )
    assert a.title == "افتتاح الدورة الجديدة لمعرض الكتاب في الإسكندرية"
    assert a.canonical_url == "https://news.example.com/culture/2025/10/30/book-fair-opens"
    assert a.article_id == article_id_for(a.canonical_url)
    assert a.published_at == datetime(2025, 10, 30, 8, 15, tzinfo=UTC)
    assert a.published_at_source == "json-ld"
    assert a.updated_at == datetime(2025, 10, 30, 11, 40, tzinfo=UTC)
    assert a.authors == ["سلمى عبد الرحمن", "كريم فؤاد"]
    assert a.section == "ثقافة"
    assert a.tags == ["معرض الكتاب", "الإسكندرية", "دور النشر"]
    assert a.image == "https://news.example.com/images/book-fair.jpg"
    assert a.language == "ar"
    assert a.lead.startswith("افتتحت صباح اليوم")
    # paragraphs and the subheading survive, in order; menus, share buttons, sidebar and footer do not
    assert [b.kind for b in a.body] == ["p", "p", "h2", "p", "p"]
    assert a.body[2].text == "مواعيد الزيارة"
    for junk in ("الرئيسية", "شارك على", "الأكثر قراءة", "جميع الحقوق"):
        assert junk not in a.body_text
    assert a.body_text == "\n\n".join(b.text for b in a.body)
    assert a.content_hash == content_hash_for(a.title, a.lead, a.body_text)
    assert a.extraction_method in {"trafilatura", "json-ld"}


def test_opengraph_only_page_from_a_mobile_url() -> None:
    a = _extract("opengraph-only.html", "https://m.alwaha.example/news/2025/10/dates-festival-ends")
    assert a.title == "مهرجان التمور يختتم فعالياته في الأحساء"
    assert a.canonical_url == "https://www.alwaha.example/news/2025/10/dates-festival-ends"  # og:url
    assert a.published_at == datetime(2025, 10, 28, 16, 30, tzinfo=UTC)
    assert a.published_at_source == "opengraph"
    assert a.updated_at_source == "opengraph"
    assert (a.section, a.tags) == ("اقتصاد", ["تمور", "الأحساء"])
    assert a.image == "https://www.alwaha.example/media/festival.jpg"
    kinds = [b.kind for b in a.body]
    assert "h2" in kinds and "quote" in kinds
    # the "read also" heading and its list are gone, the paragraph after them is kept
    assert "اقرأ أيضاً" not in a.body_text and "صرام النخيل" not in a.body_text
    assert a.body[-1].text.startswith("وتعتزم الجهات المنظمة")


def test_bare_page_with_the_date_only_in_the_text() -> None:
    a = _extract("bare-date-in-text.html", "http://old.example/news/123.html")
    assert a.title == "أمطار غزيرة تغلق طرقاً في المرتفعات"
    assert a.published_at == datetime(2025, 10, 7, 10, 30, tzinfo=UTC)  # ٧ تشرين الأول ٢٠٢٥ - ١٠:٣٠ ص
    assert a.published_at_source == "text"
    assert len([b for b in a.body if b.kind == "p"]) == 3
    assert "الأرشيف" not in a.body_text  # the menu row


def test_naive_dates_take_the_source_timezone() -> None:
    a = _extract("bare-date-in-text.html", "http://old.example/news/123.html", timezone="Asia/Amman")
    assert a.published_at == datetime(2025, 10, 7, 7, 30, tzinfo=UTC)


def test_windows_1256_page_is_decoded_from_its_meta_charset() -> None:
    page = _page("windows-1256.html", "https://agri.example/news/55", content_type="text/html")
    a = extract_article(page, source_id="test")
    assert a.title == "وزارة الزراعة تطلق حملة لتشجير الطرق"
    assert "مليون شجرة" in a.body_text
    assert a.published_at == datetime(2025, 10, 26, 9, 45, tzinfo=UTC)
    assert a.published_at_source == "meta"


def test_amp_page_resolves_to_its_canonical_article() -> None:
    a = _extract("amp-page.html", "https://amp.sport.example/football/2025/10/city-reach-final/amp")
    assert a.url == "https://amp.sport.example/football/2025/10/city-reach-final/amp"
    assert a.canonical_url == "https://www.sport.example/football/2025/10/city-reach-final"
    assert a.article_id == article_id_for("https://www.sport.example/football/2025/10/city-reach-final")
    assert a.authors == ["يوسف العلي"]
    assert "الملعب الوطني" in a.body_text and "كرة القدم" not in a.body_text


def test_boilerplate_only_page_is_refused() -> None:
    with pytest.raises(ExtractionError) as err:
        _extract("boilerplate-only.html", "https://x.example/missing")
    assert err.value.reason == "boilerplate_only"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (RawPage(url="u", final_url="https://e.x/a.pdf", status=200, content_type="application/pdf", body=b"%PDF"),
         "not_html"),
        (RawPage(url="u", final_url="https://e.x/a", status=200, content_type="text/html", body=b""), "empty_page"),
        (RawPage(url="u", final_url="https://e.x/a", status=200, content_type="text/html",
                 text="<html><body>   </body></html>"), "empty_page"),
        (RawPage(url="u", final_url="https://e.x/a", status=304, not_modified=True), "empty_page"),
        (RawPage(url="u", final_url="https://e.x/a", status=200, content_type="text/html",
                 text='{"json": "not a page"}'), "not_html"),
        (RawPage(url="u", final_url="https://e.x/a", status=200, content_type="text/html",
                 text="<html><body><p>" + "نص طويل بلا عنوان. " * 30 + "</p></body></html>"), "no_title"),
    ],
)  # fmt: skip
def test_pages_that_are_not_articles_raise_with_a_reason(page: RawPage, reason: str) -> None:
    with pytest.raises(ExtractionError) as err:
        extract_article(page, source_id="test")
    assert err.value.reason == reason


def test_source_selectors_win_when_given() -> None:
    selectors = {
        "title": "h1.headline",
        "body": "div.story",
        "remove": "blockquote, ul",
        "date": "meta[property='article:modified_time']",
        "author": "#footer",
    }
    a = _extract("opengraph-only.html", "https://www.alwaha.example/news/x", selectors=selectors)
    assert a.extraction_method == "selectors"
    assert a.title == "مهرجان التمور يختتم فعالياته في الأحساء"
    assert "نافذة حقيقية" not in a.body_text  # removed blockquote
    assert a.body[0].text.startswith("اختتم مهرجان التمور")
    assert "h2" in [b.kind for b in a.body]
    # the date selector overrides the page's own article:published_time
    assert (a.published_at, a.published_at_source) == (datetime(2025, 10, 29, 5, 5, tzinfo=UTC), "selector")


def _seed_page() -> tuple[str, list[str]]:
    """An HTML page built from the seed article: short lines are its subheadings."""
    lines = [
        x.strip() for x in (FIXTURES / "seed" / "lavrov-shaibani-moscow.txt").read_text("utf-8").splitlines()
    ]
    lines = [x for x in lines if x]
    parts = [
        f"<h2>{html_lib.escape(x)}</h2>" if len(x) < 120 else f"<p>{html_lib.escape(x)}</p>" for x in lines
    ]
    page = (
        '<html lang="ar"><head><meta charset="utf-8"><title>لافروف يستقبل الشيباني في موسكو</title>'
        '<meta property="article:published_time" content="2025-07-31T09:00:00+03:00"></head><body>'
        '<nav><a href="/">الرئيسية</a> <a href="/world">العالم</a></nav><article><h1>لافروف يستقبل الشيباني في موسكو</h1>'
        + "".join(parts)
        + "</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    return page, lines


def test_seed_article_keeps_every_paragraph_and_subheading() -> None:
    page, lines = _seed_page()
    a = extract_article(
        RawPage(url="https://seed.example/lavrov", final_url="https://seed.example/lavrov", status=200,
                content_type="text/html", text=page, fetched_at=FETCHED),
        source_id="seed",
    )  # fmt: skip
    assert [b.text for b in a.body] == lines
    assert [b.kind for b in a.body] == ["h2" if len(x) < 120 else "p" for x in lines]
    # the tatweel forms of the seed stay as published in display text, and fold for search
    assert "لـسوريا" in a.body_text and "لـ سوريا" in a.body_text
    assert "لسوريا" in normalize_text(a.body_text)
    assert a.published_at == datetime(2025, 7, 31, 6, 0, tzinfo=UTC)


def _inline(html: str, url: str = "https://inline.example/news/1") -> Article:
    page = RawPage(
        url=url, final_url=url, status=200, content_type="text/html", text=html, fetched_at=FETCHED
    )
    return extract_article(page, source_id="test", timezone="Africa/Tunis")


_PARAGRAPHS = (
    "<p>أعلنت اللجنة المنظمة للمهرجان الوطني للمسرح عن قائمة العروض المشاركة في الدورة المقبلة، والتي تضم أعمالاً من عشر فرق مسرحية من مختلف الولايات.</p>"
    "<p>وقال رئيس اللجنة إن الدورة الجديدة ستشهد لأول مرة عروضاً موجهة للأطفال، إضافة إلى ورش تدريبية في الكتابة المسرحية والإخراج يشرف عليها فنانون معروفون.</p>"
    "<p>ومن المقرر أن تقام العروض على ثلاثة مسارح في العاصمة، على أن تعلن النتائج في حفل الختام بعد أسبوع من المنافسة.</p>"
)


def test_layout_table_dateline_and_byline() -> None:
    html = (
        "<html><head><title>المهرجان الوطني للمسرح يعلن عروضه</title></head><body>"
        '<table width="100%"><tr><td><h2>المهرجان الوطني للمسرح يعلن عروضه</h2>'
        '<p class="dateline">تونس، الأحد ١٢ أكتوبر ٢٠٢٥</p><p>كتب: ريم بن علي</p>'
        + _PARAGRAPHS
        + "</td></tr></table></body></html>"
    )
    a = _inline(html)
    # the layout table's paragraphs stay paragraphs; dateline and byline leave the body
    assert [b.kind for b in a.body] == ["p", "p", "p"]
    assert a.body[0].text.startswith("أعلنت اللجنة المنظمة")
    assert a.authors == ["ريم بن علي"]
    # the dateline still dates the article, in the source's timezone
    assert a.published_at == datetime(2025, 10, 11, 23, 0, tzinfo=UTC)
    assert a.published_at_source == "text"


def test_data_tables_are_kept_row_by_row() -> None:
    html = (
        "<html><head><title>نتائج الجولة الخامسة من الدوري</title></head><body><article>"
        + _PARAGRAPHS
        + "<table><tr><th>الفريق</th><th>النقاط</th></tr><tr><td>الترجي</td><td>15</td></tr>"
        "<tr><td>الأفريقي</td><td>12</td></tr></table></article></body></html>"
    )
    rows = [b.text for b in _inline(html).body if b.text.startswith("|")]
    assert rows == ["| الفريق | النقاط |", "| الترجي | 15 |", "| الأفريقي | 12 |"]


def test_a_page_whose_main_region_is_nearly_empty_has_no_article() -> None:
    html = (
        "<html><head><title>أخبار العينة</title></head><body>"
        "<header><a href='/'>أخبار العينة</a><nav><a href='/a'>سياسة</a> <a href='/b'>اقتصاد</a></nav></header>"
        "<div class='ticker'>عاجل: تابعوا آخر الأخبار على مدار الساعة — اشترك في النشرة البريدية</div>"
        "<main><p>عذراً، هذا المحتوى غير متاح حالياً.</p></main>"
        "<footer><p>جميع الحقوق محفوظة. موقع تجريبي للاختبار وللتجربة فقط.</p></footer></body></html>"
    )
    with pytest.raises(ExtractionError) as err:
        _inline(html)
    assert err.value.reason == "boilerplate_only"
