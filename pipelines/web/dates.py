"""Dates for Arabic readers: Gregorian with Arabic month names, the Hijri date, Arabic-Indic digits.

``published_at`` is stored in UTC; the page shows the day in UTC too (the time is labelled), so a
result never moves to another day depending on the server's zone. Hijri is Umm al-Qura
(hijridate, as in :mod:`pipelines.normalize.arabic_dates`), valid for 1924-2077; outside that range
only the Gregorian date is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hijridate import Gregorian

from pipelines.normalize.arabic import arabic_indic_digits
from pipelines.normalize.arabic_dates import LEVANT_MONTH_NAMES, MONTH_NAMES

WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


@dataclass(frozen=True)
class ArabicDate:
    iso: str  # machine form for <time datetime>, UTC
    gregorian: str  # الثلاثاء ٢٤ نوفمبر ٢٠٢٦ (Egyptian/Gulf month names, shown on the page)
    levant: str  # ٢٤ تشرين الثاني ٢٠٢٦ (the Levant's names, in the title tooltip)
    hijri: str  # ١٤ جمادى الآخرة ١٤٤٨ هـ ("" outside hijridate's range)
    time: str  # ٠٦:٣٠
    latin: str  # 2026-11-24 06:30 UTC


def parse_when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def arabic_date(value: str | None) -> ArabicDate | None:
    """``"2026-11-24T06:30:00Z"`` -> the forms above; None for a missing or unreadable date."""
    moment = parse_when(value)
    if moment is None:
        return None
    day, month, year = moment.day, moment.month, moment.year
    try:
        hijri = Gregorian(year, month, day).to_hijri()
        hijri_text = (
            f"{arabic_indic_digits(hijri.day)} {hijri.month_name('ar')} {arabic_indic_digits(hijri.year)} هـ"
        )
    except (OverflowError, ValueError):
        hijri_text = ""
    return ArabicDate(
        iso=moment.isoformat().replace("+00:00", "Z"),
        gregorian=f"{WEEKDAYS[moment.weekday()]} {arabic_indic_digits(day)} {MONTH_NAMES[month - 1]} {arabic_indic_digits(year)}",
        levant=f"{arabic_indic_digits(day)} {LEVANT_MONTH_NAMES[month - 1]} {arabic_indic_digits(year)}",
        hijri=hijri_text,
        time=arabic_indic_digits(moment.strftime("%H:%M")),
        latin=moment.strftime("%Y-%m-%d %H:%M UTC"),
    )


def arabic_day(value: str) -> str:
    """A facet bucket ``"2026-11-24"`` -> ``"٢٤ نوفمبر ٢٠٢٦"`` (the key itself if unreadable)."""
    moment = parse_when(value)
    if moment is None:
        return value
    return f"{arabic_indic_digits(moment.day)} {MONTH_NAMES[moment.month - 1]} {arabic_indic_digits(moment.year)}"
