"""Arabic dates that generic parsers miss: regional month names, Hijri dates, relative dates.

Month names come in three families, all recognised (matching is done on ``normalize_text`` forms,
so hamza, harakat, shadda, tatweel and ى/ي spellings do not matter):

- Egypt, Sudan, Gulf (from the Latin/English names): يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس
  سبتمبر أكتوبر نوفمبر ديسمبر, with the Egyptian spellings يونيه يوليه.
- Levant and Iraq (Syriac names): كانون الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين الأول
  تشرين الثاني كانون الأول.
- Maghreb (French names): جانفي فيفري مارس أفريل ماي جوان جويلية أوت سبتمبر أكتوبر نوفمبر ديسمبر
  (Algeria, Tunisia), and the Moroccan forms يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر
  نونبر دجنبر.

Hijri dates (``٨ جمادى الأولى ١٤٤٧ هـ``) are converted to Gregorian with hijridate (Umm al-Qura).
When a text gives both calendars, the Gregorian date wins (it is the one the site computed).
Relative dates (``منذ ساعتين``, ``قبل 3 أيام``, ``أمس``) are computed from the fetch time.
Times: ``ص``/``صباحا`` is a.m., ``م``/``مساء`` p.m.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo

from hijridate import Hijri

from pipelines.normalize.arabic import normalize_text

_GREGORIAN_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "جانفي", "جانفييه", "janvier", "january", "jan"),
    2: ("فبراير", "شباط", "فيفري", "فبرير", "février", "fevrier", "february", "feb"),
    3: ("مارس", "آذار", "march", "mars", "mar"),
    4: ("أبريل", "إبريل", "ابريل", "نيسان", "أفريل", "افريل", "april", "avril", "apr"),
    5: ("مايو", "أيار", "ماي", "may", "mai"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "june", "juin", "jun"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "يوليوز", "july", "juillet", "jul"),
    8: ("أغسطس", "اغسطس", "آب", "أوت", "اوت", "غشت", "august", "août", "aout", "aug"),
    9: ("سبتمبر", "أيلول", "شتنبر", "september", "septembre", "sep", "sept"),
    10: ("أكتوبر", "اكتوبر", "تشرين الأول", "تشرين أول", "october", "octobre", "oct"),
    11: ("نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر", "november", "novembre", "nov"),
    12: ("ديسمبر", "كانون الأول", "كانون أول", "دجنبر", "december", "décembre", "decembre", "dec"),
}

#: Display names, January first: as written in Egypt and the Gulf, and in the Levant.
MONTH_NAMES: tuple[str, ...] = tuple(names[0] for names in _GREGORIAN_MONTHS.values())
LEVANT_MONTH_NAMES: tuple[str, ...] = tuple(names[1] for names in _GREGORIAN_MONTHS.values())

_HIJRI_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("محرم", "المحرم"),
    2: ("صفر",),
    3: ("ربيع الأول", "ربيع أول", "ربيع الاول"),
    4: ("ربيع الثاني", "ربيع الآخر", "ربيع ثاني", "ربيع آخر"),
    5: ("جمادى الأولى", "جمادى الأول", "جمادى أول", "جمادي الأولى"),
    6: ("جمادى الآخرة", "جمادى الثانية", "جمادى الآخر", "جمادى الثاني", "جمادى ثاني"),
    7: ("رجب",),
    8: ("شعبان",),
    9: ("رمضان",),
    10: ("شوال",),
    11: ("ذو القعدة", "ذي القعدة", "ذو القعده"),
    12: ("ذو الحجة", "ذي الحجة", "ذو الحجه"),
}


def _month_pattern(months: dict[int, tuple[str, ...]]) -> tuple[str, dict[str, int]]:
    lookup = {normalize_text(name): number for number, names in months.items() for name in names}
    # longest first, so كانون الثاني is not read as a bare كانون
    alternatives = sorted(lookup, key=len, reverse=True)
    return "|".join(re.escape(a) for a in alternatives), lookup


_G_ALT, _G_LOOKUP = _month_pattern(_GREGORIAN_MONTHS)
_H_ALT, _H_LOOKUP = _month_pattern(_HIJRI_MONTHS)

_W = r"(?<![\w])"  # start of a word (Arabic or Latin)
_E = r"(?![\w])"
_TIME = r"(?:\D{0,12}?(?P<hh>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>ص|م|صباحا|مساء|مساءا|am|pm)?{e})?"
_TIME = _TIME.replace("{e}", _E)
# 7 أكتوبر 2020 | 7 من أكتوبر، 2020 | 07 كانون الأول 2020
_G_DMY = re.compile(rf"{_W}(?P<d>\d{{1,2}})\s*(?:من\s+)?(?P<m>{_G_ALT}){_E}[\s,،/-]*(?P<y>\d{{4}}){_TIME}")
# أكتوبر 7، 2020 (English order, some Gulf sites)
_G_MDY = re.compile(rf"{_W}(?P<m>{_G_ALT})\s+(?P<d>\d{{1,2}})[\s,،]+(?P<y>\d{{4}}){_TIME}")
_H_DMY = re.compile(rf"{_W}(?P<d>\d{{1,2}})\s*(?:من\s+)?(?P<m>{_H_ALT}){_E}[\s,،/-]*(?P<y>1[34]\d\d){_TIME}")
# 2020/10/07, 2020-10-07 and 07/10/2020 (day first, as Arab and French sites write it)
_YMD = re.compile(rf"{_W}(?P<y>(?:19|20)\d\d)[/.-](?P<m>\d{{1,2}})[/.-](?P<d>\d{{1,2}}){_E}{_TIME}")
_DMY = re.compile(rf"{_W}(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>(?:19|20)\d\d){_E}{_TIME}")
# 1447/05/08 هـ
_H_NUMERIC = re.compile(r"(?P<y>1[34]\d\d)[/.-](?P<m>\d{1,2})[/.-](?P<d>\d{1,2})\s*ه")
_H_NUMERIC_DMY = re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>1[34]\d\d)\s*ه")

_UNITS = {
    "ثانيه": "seconds", "ثواني": "seconds", "ثوان": "seconds", "ثانيتين": "seconds",
    "دقيقه": "minutes", "دقايق": "minutes", "دقيقتين": "minutes", "دقيقتان": "minutes",
    "ساعه": "hours", "ساعات": "hours", "ساعتين": "hours", "ساعتان": "hours",
    "يوم": "days", "ايام": "days", "يومين": "days", "يومان": "days",
    "اسبوع": "weeks", "اسابيع": "weeks", "اسبوعين": "weeks", "اسبوعان": "weeks",
    "شهر": "months", "اشهر": "months", "شهور": "months", "شهرين": "months", "شهران": "months",
}  # fmt: skip
_RELATIVE = re.compile(
    rf"(?:منذ|قبل)\s+(?:(?P<n>\d{{1,6}}|بضع|عده)\s+)?(?P<unit>{'|'.join(sorted(_UNITS, key=len, reverse=True))}){_E}"
)


def _clock(match: re.Match[str]) -> time:
    if not match.groupdict().get("hh"):
        return time(0, 0)
    hour, minute = int(match["hh"]), int(match["mi"])
    second = int(match["ss"] or 0)
    ampm = (match["ampm"] or "").lower()
    if ampm in ("م", "مساء", "مساءا", "pm") and hour < 12:
        hour += 12
    elif ampm in ("ص", "صباحا", "am") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return time(0, 0)
    return time(hour, minute, second)


def _build(year: int, month: int, day: int, clock: time, tz: tzinfo) -> datetime | None:
    try:
        return datetime(year, month, day, clock.hour, clock.minute, clock.second, tzinfo=tz)
    except ValueError:
        return None


def _relative(text: str, now: datetime) -> datetime | None:
    match = _RELATIVE.search(text)
    if match:
        unit = _UNITS[match["unit"]]
        word = match["unit"]
        if match["n"] and match["n"].isdigit():
            count = int(match["n"])
        elif word.endswith(("ين", "ان")) and word not in ("ثوان",):  # dual: ساعتين = 2 hours
            count = 2
        elif match["n"]:  # بضع / عدة: "a few"
            count = 3
        else:
            count = 1
        try:
            if unit == "months":
                return now - timedelta(days=30 * count)
            return now - timedelta(**{unit: count})
        except OverflowError:  # "منذ 999999 يوم": before year 1, not a date
            return None
    if re.search(rf"{_W}(?:امس|البارحه){_E}", text):
        return (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return None


def parse_arabic_date(text: str, *, tz: tzinfo, now: datetime | None = None) -> datetime | None:
    """A datetime from Arabic (or French/English) date text, or None.

    ``tz`` applies to the naive wall time written on the page; ``now`` (the fetch time) anchors
    relative dates.
    """
    if not text:
        return None
    folded = normalize_text(text)
    for pattern in (_G_DMY, _G_MDY):
        match = pattern.search(folded)
        if match:
            month = _G_LOOKUP[match["m"]]
            return _build(int(match["y"]), month, int(match["d"]), _clock(match), tz)
    for pattern in (_YMD, _DMY):
        match = pattern.search(folded)
        if match:
            return _build(int(match["y"]), int(match["m"]), int(match["d"]), _clock(match), tz)
    match = _H_DMY.search(folded)
    hijri: tuple[int, int, int] | None = None
    clock = time(0, 0)
    if match:
        hijri = (int(match["y"]), _H_LOOKUP[match["m"]], int(match["d"]))
        clock = _clock(match)
    else:
        match = _H_NUMERIC.search(folded) or _H_NUMERIC_DMY.search(folded)
        if match:
            hijri = (int(match["y"]), int(match["m"]), int(match["d"]))
    if hijri:
        try:
            g = Hijri(*hijri).to_gregorian()
        except (ValueError, OverflowError):
            return None
        return _build(g.year, g.month, g.day, clock, tz)
    if now is not None:
        return _relative(folded, now)
    return None
