"""What the page shows, without a browser: Arabic dates (Gregorian month names, Hijri), whole-word
highlights, text direction, and query strings that carry the whole search state."""

from __future__ import annotations

from urllib.parse import parse_qs

from pipelines.web.app import text_dir
from pipelines.web.dates import arabic_date, arabic_day
from pipelines.web.highlight import whole_word_parts
from pipelines.web.params import SearchParams


def test_arabic_date_forms() -> None:
    when = arabic_date("2026-11-24T09:30:00+03:00")
    assert when is not None
    assert when.iso == "2026-11-24T06:30:00Z"
    assert when.gregorian == "الثلاثاء ٢٤ نوفمبر ٢٠٢٦"
    assert when.levant == "٢٤ تشرين الثاني ٢٠٢٦"
    assert when.hijri == "١٤ جمادى الآخرة ١٤٤٨ هـ"  # Umm al-Qura
    assert when.time == "٠٦:٣٠" and when.latin == "2026-11-24 06:30 UTC"
    assert arabic_date(None) is None and arabic_date("not a date") is None
    assert arabic_date("1800-01-01T00:00:00").hijri == ""  # outside Umm al-Qura tables: Gregorian only
    assert arabic_day("2026-11-05") == "٥ نوفمبر ٢٠٢٦"


def test_highlights_cover_whole_words() -> None:
    # a mark that starts or ends inside a word is widened to the word, so shaping is never split
    assert whole_word_parts("لـ<mark>سوريا</mark>، و") == [("لـسوريا", True), ("، و", False)]
    assert whole_word_parts("<mark>سوري</mark>ة اليوم") == [("سورية", True), (" اليوم", False)]
    assert whole_word_parts("في <mark>سوريا</mark> &amp; <b>") == [
        ("في ", False),
        ("سوريا", True),
        (" & <b>", False),  # unescaped here, escaped again by the template
    ]


def test_text_direction() -> None:
    assert text_dir("لافروف يستقبل نظيره السوري") == "rtl"
    assert text_dir("Ons Jabeur تعود إلى الملاعب بعد الإصابة") == "rtl"  # Arabic headline opening in Latin
    assert text_dir("Sergey Lavrov meets Asaad al-Shaibani") == "ltr"
    assert text_dir("2026") == "rtl"


def test_query_string_is_the_whole_state() -> None:
    params = SearchParams(q="سوريا", section=["سياسة"], sort="date", page=3, since="2026-11-01")
    state = parse_qs(params.query_string())
    assert state == {
        "q": ["سوريا"],
        "section": ["سياسة"],
        "sort": ["date"],
        "page": ["3"],
        "since": ["2026-11-01"],
    }
    assert SearchParams(**{k: v if k in ("section",) else v[0] for k, v in state.items()}) == params
    # a facet click adds the value and goes back to page 1; a second click removes it
    added = parse_qs(params.toggled("place", "دمشق"))
    assert added["place"] == ["دمشق"] and "page" not in added
    assert "section" not in parse_qs(params.toggled("section", "سياسة"))
