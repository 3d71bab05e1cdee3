"""The date rules of pipelines.extract.dates, each on a small page written for it (fixtures/pages/dates)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from pipelines.extract import extract_article
from pipelines.extract.dates import parse_date, time_without_date
from pipelines.model import Article, RawPage

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "dates"
FETCHED = datetime(2025, 10, 30, 12, 0, tzinfo=UTC)


def _extract(name: str) -> Article:
    url = f"https://news.example/{name}"
    page = RawPage(
        url=url,
        final_url=url,
        status=200,
        content_type="text/html; charset=utf-8",
        body=(PAGES / name).read_bytes(),
        fetched_at=FETCHED,
    )
    return extract_article(page, source_id="test")


def test_a_time_without_a_date_is_not_completed_with_the_fetch_day() -> None:
    article = _extract("time-only.html")
    assert article.published_at is None


def test_a_time_the_page_says_is_today_takes_the_fetch_day() -> None:
    article = _extract("today-time.html")
    assert article.published_at == datetime(2025, 10, 30, 14, 21, tzinfo=UTC)


def test_time_only_values() -> None:
    assert (
        time_without_date("14:21")
        and time_without_date("الساعة ٠٢:٣٠ م")
        and time_without_date("Updated 14:21 GMT")
    )
    assert parse_date("14:21", now=FETCHED) is None
    assert parse_date("آخر تحديث 14:21", now=FETCHED) is None
    # "اليوم السابع" is a newspaper, not "today"
    assert parse_date("اليوم السابع 14:21", now=FETCHED) is None
    # a date, or a word that anchors the day, makes it a date again
    assert not time_without_date("14:21 - 3 مارس 2020")
    assert parse_date("14:21 - 3 مارس 2020", now=FETCHED).date().isoformat() == "2020-03-03"
    assert parse_date("أمس 14:21", now=FETCHED).date().isoformat() == "2025-10-29"
    assert parse_date("today 14:21", now=FETCHED) == datetime(2025, 10, 30, 14, 21, tzinfo=UTC)


def test_a_date_only_winner_takes_the_time_of_a_same_day_candidate() -> None:
    article = _extract("date-only-then-time.html")
    plus2 = timezone(timedelta(hours=2))
    assert article.published_at == datetime(2025, 3, 2, 9, 30, tzinfo=plus2)
    assert article.published_at_source == "json-ld"  # the day came from JSON-LD, the time lent to it


def test_candidates_on_other_days_never_override_the_first_source() -> None:
    article = _extract("disagreeing-days.html")
    assert article.published_at.date().isoformat() == "2025-03-02"
    assert article.published_at_source == "json-ld"


def test_published_at_keeps_the_offset_the_page_wrote() -> None:
    article = _extract("own-offset.html")
    assert article.published_at.utcoffset() == timedelta(hours=3)
    # 23:30 at +03:00 is 20:30 UTC the same day; the message keeps the page's wall time and offset
    message = json.loads(json.dumps(article.to_message()))
    assert message["published_at"] == "2025-03-02T23:30:00+03:00"
    assert Article.from_message(message).published_at == datetime(2025, 3, 2, 20, 30, tzinfo=UTC)
