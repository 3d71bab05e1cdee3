"""Dates: the Arabic forms generic parsers miss, and the order of trust between page sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pipelines.extract.dates import find_dates, parse_date
from pipelines.extract.page import parse, scan
from pipelines.normalize.arabic_dates import parse_arabic_date

NOW = datetime(2025, 10, 30, 12, 0, tzinfo=UTC)


def _day(text: str) -> str | None:
    parsed = parse_arabic_date(text, tz=UTC, now=NOW)
    return parsed.date().isoformat() if parsed else None


@pytest.mark.parametrize(
    ("text", "month"),
    [
        # Egypt / Gulf (from the English names), with Egyptian spellings and harakat
        ("5 يناير 2025", 1), ("5 فبراير 2025", 2), ("5 مارس 2025", 3), ("5 أبريل 2025", 4),
        ("5 إبريل 2025", 4), ("5 مايو 2025", 5), ("5 يونيو 2025", 6), ("5 يونيه 2025", 6),
        ("5 يوليو 2025", 7), ("5 يوليه 2025", 7), ("5 أغسطس 2025", 8), ("5 سبتمبر 2025", 9),
        ("5 أكتوبر 2025", 10), ("5 نوفمبر 2025", 11), ("5 ديسمبر 2025", 12), ("5 ينّاير 2025", 1),
        ("5 يَنَايِر 2025", 1),
        # Levant / Iraq (Syriac names)
        ("5 كانون الثاني 2025", 1), ("5 شباط 2025", 2), ("5 آذار 2025", 3), ("5 نيسان 2025", 4),
        ("5 أيار 2025", 5), ("5 حزيران 2025", 6), ("5 تموز 2025", 7), ("5 آب 2025", 8),
        ("5 أيلول 2025", 9), ("5 تشرين الأول 2025", 10), ("5 تشرين الثاني 2025", 11),
        ("5 كانون الأول 2025", 12),
        # Algeria / Tunisia (French names)
        ("5 جانفي 2025", 1), ("5 فيفري 2025", 2), ("5 أفريل 2025", 4), ("5 ماي 2025", 5),
        ("5 جوان 2025", 6), ("5 جويلية 2025", 7), ("5 أوت 2025", 8),
        # Morocco
        ("5 يوليوز 2025", 7), ("5 غشت 2025", 8), ("5 شتنبر 2025", 9), ("5 نونبر 2025", 11),
        ("5 دجنبر 2025", 12),
    ],
)  # fmt: skip
def test_regional_month_names(text: str, month: int) -> None:
    assert _day(text) == f"2025-{month:02d}-05"


def test_levantine_months_are_not_confused_with_each_other() -> None:
    assert _day("1 كانون الثاني 2024") == "2024-01-01"
    assert _day("1 كانون الأول 2024") == "2024-12-01"
    assert _day("1 تشرين الثاني 2024") == "2024-11-01"


def test_arabic_indic_digits_weekday_and_pm_time() -> None:
    parsed = parse_arabic_date("الأربعاء، ٠٧ أكتوبر ٢٠٢٠ - ١٢:٠٩ م", tz=UTC)
    assert parsed == datetime(2020, 10, 7, 12, 9, tzinfo=UTC)
    assert parse_arabic_date("الأحد ٥ جانفي ٢٠٢٥ على الساعة ٠٢:٣٠ م", tz=UTC) == datetime(
        2025, 1, 5, 14, 30, tzinfo=UTC
    )
    assert parse_arabic_date("3 آذار 2025 - 09:15 ص", tz=UTC) == datetime(2025, 3, 3, 9, 15, tzinfo=UTC)
    assert parse_arabic_date("۱۲ مهر", tz=UTC) is None  # Persian calendar names are not guessed


def test_numeric_dates_are_day_first() -> None:
    assert _day("نشر بتاريخ 07/10/2020") == "2020-10-07"
    assert _day("2020/12/01 - 02:00 ص") == "2020-12-01"
    assert _day("٠١-١٢-٢٠٢٠") == "2020-12-01"


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("منذ ساعتين", timedelta(hours=2)),
        ("منذ ساعة", timedelta(hours=1)),
        ("منذ 3 ساعات", timedelta(hours=3)),
        ("منذ ٥ دقائق", timedelta(minutes=5)),
        ("قبل دقيقتين", timedelta(minutes=2)),
        ("منذ 3 أيام", timedelta(days=3)),
        ("منذ يومين", timedelta(days=2)),
        ("منذ أسبوع", timedelta(weeks=1)),
        ("منذ أسبوعين", timedelta(weeks=2)),
    ],
)
def test_relative_dates_count_back_from_the_fetch(text: str, delta: timedelta) -> None:
    assert parse_arabic_date(text, tz=UTC, now=NOW) == NOW - delta


def test_yesterday_and_no_anchor() -> None:
    assert parse_arabic_date("أمس", tz=UTC, now=NOW) == datetime(2025, 10, 29, tzinfo=UTC)
    assert parse_arabic_date("البارحة", tz=UTC, now=NOW) == datetime(2025, 10, 29, tzinfo=UTC)
    assert parse_arabic_date("منذ ساعتين", tz=UTC, now=None) is None


def test_hijri_dates_become_gregorian() -> None:
    # 8 Jumada al-Ula 1447 AH = 30 October 2025 (Umm al-Qura)
    assert _day("الخميس ٨ جمادى الأولى ١٤٤٧ هـ") == "2025-10-30"
    assert _day("1 رمضان 1446هـ") == "2025-03-01"
    assert _day("10 ذو الحجة 1445 هـ") == "2024-06-16"
    assert _day("١٤٤٧/٠٥/٠٨ هـ") == "2025-10-30"


def test_when_both_calendars_are_given_the_gregorian_date_wins() -> None:
    assert _day("الخميس ٨ جمادى الأولى ١٤٤٧ هـ الموافق ٣١ أكتوبر ٢٠٢٥ م") == "2025-10-31"


def test_parse_date_iso_offsets_and_naive_times() -> None:
    cairo = ZoneInfo("Africa/Cairo")
    assert parse_date("2020-06-03T03:01+0400") == datetime(
        2020, 6, 3, 3, 1, tzinfo=timezone(timedelta(hours=4))
    )
    assert parse_date("2020-08-24T09:23:13Z") == datetime(2020, 8, 24, 9, 23, 13, tzinfo=UTC)
    # naive: the source's timezone when known, else UTC
    assert parse_date("2020-12-01 02:00:00") == datetime(2020, 12, 1, 2, 0, tzinfo=UTC)
    assert parse_date("2020-12-01 02:00:00", tz=cairo) == datetime(2020, 12, 1, 2, 0, tzinfo=cairo)
    assert parse_date("2020-12-01 02:00:00", tz=cairo).utcoffset() == timedelta(hours=2)


def test_parse_date_falls_back_to_dateparser_and_rejects_nonsense() -> None:
    assert parse_date("Tue, 24 Sep 2024 08:00:00 GMT") == datetime(2024, 9, 24, 8, 0, tzinfo=UTC)
    assert parse_date("3 mars 2025", now=NOW).date().isoformat() == "2025-03-03"
    assert parse_date("2031-01-01T00:00:00Z", now=NOW) is None  # after the fetch
    assert parse_date("1970-01-01", now=NOW) is None  # placeholder
    assert parse_date("غير معروف", now=NOW) is None


def _find(html: str, candidates: list[tuple[str, str, str]] | None = None):
    return find_dates(scan(parse(html)), candidates or [], fetched_at=NOW)


def test_json_ld_wins_over_opengraph_and_time_elements() -> None:
    html = '<html><body><time datetime="2025-01-03">3 يناير</time><p>نص</p></body></html>'
    found = _find(
        html,
        [
            ("2025-01-01T10:00:00+03:00", "json-ld", "published"),
            ("2025-01-02T10:00:00+03:00", "opengraph", "published"),
        ],
    )
    assert found.published_at == datetime(2025, 1, 1, 7, 0, tzinfo=UTC)
    assert found.published_at_source == "json-ld"


def test_time_element_then_dateline_text() -> None:
    found = _find('<html><body><time datetime="2025-02-03T08:00:00Z">أمس</time></body></html>')
    assert (found.published_at, found.published_at_source) == (
        datetime(2025, 2, 3, 8, 0, tzinfo=UTC),
        "time-element",
    )
    found = _find('<html><body><span class="post-date">منذ 3 ساعات</span><p>خبر</p></body></html>')
    assert (found.published_at, found.published_at_source) == (NOW - timedelta(hours=3), "text")


def test_an_update_before_the_publication_is_dropped() -> None:
    found = _find(
        "<html><body><p>x</p></body></html>",
        [
            ("2020-06-03T03:01+0400", "opengraph", "published"),
            ("2020-03-15T20:18+0400", "opengraph", "updated"),
        ],
    )
    assert found.published_at is not None
    assert found.updated_at is None


def test_the_articles_own_time_element_beats_the_header_date() -> None:
    html = (
        '<html><body><header><time datetime="2025-10-30">اليوم</time></header>'
        '<aside><time datetime="2025-10-29T10:00:00Z">خبر آخر</time></aside>'
        '<article><h1>عنوان</h1><time datetime="2025-10-20T08:00:00+03:00">20 أكتوبر</time><p>نص</p></article>'
        "</body></html>"
    )
    assert _find(html).published_at == datetime(2025, 10, 20, 5, 0, tzinfo=UTC)
