"""Publication and update dates, timezone-aware, each with where it was found.

Order of trust (the first source that yields a sane date wins): the source's date selector
(sources.yaml, an explicit override) -> JSON-LD -> OpenGraph ``article:*`` -> other meta tags ->
``<time datetime>`` / ``itemprop=datePublished`` -> htmldate (``original_date=True``) -> the page
text: elements whose class says "date" (Arabic parser, then dateparser), then the first absolute
date in the visible text (the dateline).

When candidates disagree (the rule, tested in tests/unit/test_extract_dates.py):

1. the first source in the order above that yields a sane date wins, whatever the others say;
2. if the winner has no time of day ("2025-03-02"), a later candidate on the same calendar day that
   has one ("2025-03-02T09:30:00+02:00") lends it its time: same date, more precise. Candidates on
   another day never override the winner (a sidebar, a modified date mislabelled, a footer);
3. an ``updated`` date earlier than the published one is dropped (a CMS template or import time).

A clock time with no date ("14:21") is not a date unless the page says "today" (اليوم / today):
it is never completed with the fetch day. Dates keep the offset the page wrote ("+03:00").

Every value is parsed the same way: ISO 8601 first, then the Arabic parser (regional month names,
Arabic-Indic digits, Hijri, relative dates against ``fetched_at``), then dateparser.

Naive times (no offset written) are taken in the source's timezone when the caller knows it
(``tz``), else UTC. A wrong guess is off by a few hours at most, while dropping the date would
lose it entirely. A date later than the fetch (+1 day of clock skew) or before 1995 is ignored:
such values are placeholders or site-creation dates, not publication dates.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from htmldate import find_date
from lxml.html import HtmlElement

from pipelines.extract.page import PageIndex, text_of, visible_text
from pipelines.normalize.arabic import fold_digits, normalize_text
from pipelines.normalize.arabic_dates import parse_arabic_date

log = logging.getLogger(__name__)

_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FoundDates:
    published_at: datetime | None = None
    published_at_source: str | None = None
    updated_at: datetime | None = None
    updated_at_source: str | None = None


def zone(name: str | None) -> tzinfo:
    """The tzinfo for an IANA name; UTC when unknown or absent."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone %r, using UTC", name)
        return UTC


def _iso(value: str, tz: tzinfo) -> datetime | None:
    value = fold_digits(value.strip())
    if not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)  # nanoseconds
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _dateparser(value: str, tz: tzinfo, now: datetime | None) -> datetime | None:
    settings = {
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": getattr(tz, "key", "UTC"),
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
    }
    if now is not None:
        settings["RELATIVE_BASE"] = now.replace(tzinfo=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return dateparser.parse(value[:200], languages=["ar", "en", "fr"], settings=settings)
        except (ValueError, OverflowError, TypeError):
            return None


_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?")
#: words that anchor a bare time to a day: "today" and relative phrases (ago, yesterday, منذ ...)
_DAY_WORDS = re.compile(
    r"(?<!\w)(?:today|aujourd'hui|yesterday|hier|ago|il y a|(?<!اخبار )اليوم(?! السابع)|امس|البارحه|منذ|قبل)(?!\w)",
    re.I,
)


def time_without_date(value: str) -> bool:
    """ "14:21", "الساعة 02:30 م", "Updated 14:21 GMT": a clock time and no date, nor a day word."""
    folded = normalize_text(fold_digits(value))
    if not _CLOCK.search(folded):
        return False
    rest = _CLOCK.sub(" ", folded)
    return not re.search(r"\d", rest) and not _DAY_WORDS.search(rest) and not _has_month(rest)


def _has_month(text: str) -> bool:
    return parse_arabic_date(f"1 {text} 2000", tz=UTC) is not None and bool(re.search(r"[^\W\d_]{3,}", text))


def _says_today(value: str) -> bool:
    return (
        re.search(
            r"(?<!\w)(?:today|aujourd'hui|(?<!اخبار )اليوم(?! السابع))(?!\w)", normalize_text(value), re.I
        )
        is not None
    )


def parse_date(value: str, *, tz: tzinfo = UTC, now: datetime | None = None) -> datetime | None:
    """One date value (meta content, ``datetime`` attribute, text) -> aware datetime or None.

    A clock time without a date ("14:21") is not a date: parsers would complete it with the fetch
    day, dating a 2020 page today. Only a page that says so ("اليوم 14:21", "today 14:21") gets the
    fetch day.
    """
    if not value or not value.strip():
        return None
    if time_without_date(value) and not _says_today(value):
        return None
    parsed = _iso(value, tz) or parse_arabic_date(value, tz=tz, now=now)
    if parsed is None and len(value) <= 80 and re.search(r"\d", fold_digits(value)):
        parsed = _dateparser(value, tz, now)
    return _sane(parsed, now)


def _sane(value: datetime | None, now: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value < _EARLIEST:
        return None
    if now is not None and value > now + timedelta(days=1):
        return None
    return value


def _time_elements(page: PageIndex) -> list[tuple[str, str]]:
    """(value, kind) from itemprop date elements and <time datetime>, datePublished first."""
    found: list[tuple[str, str]] = []
    for tag in page.itemprop_dates:
        value = tag.get("datetime") or tag.get("content")
        if value:
            kind = "updated" if "modified" in str(tag.get("itemprop")).lower() else "published"
            found.append((str(value), kind))
    times = []
    for position, tag in enumerate(page.times):
        value = tag.get("datetime") or tag.get("pubdate")
        if value and str(value).strip():
            classes = str(tag.get("class") or "").lower()
            kind = "updated" if re.search(r"modif|updat", classes) else "published"
            # the article's own <time> before the header's "today" or a sidebar's teaser dates
            own = "pubdate" in tag.attrib or re.search(r"publish|posted|created", classes) is not None
            inside = next(tag.iterancestors("article", "main"), None) is not None
            times.append(((not own, not inside, position), str(value), kind))
    return found + [(value, kind) for _rank, value, kind in sorted(times)]


def _dated_elements(page: PageIndex) -> list[str]:
    """Short texts of elements whose class or id says they hold a date (the page's dateline)."""
    texts = []
    for tag in page.dated:
        text = text_of(tag, strip=True)
        if 6 <= len(text) <= 80 and re.search(r"\d", fold_digits(text)):
            texts.append(text)
    return texts[:20]


def _htmldate(tree: HtmlElement, now: datetime | None, tz: tzinfo) -> datetime | None:
    # htmldate searches its own copy of the tree: the page is not parsed again

    try:
        found = find_date(
            tree,
            original_date=True,
            extensive_search=False,  # no guessing from "© 2025" footers; the text scan below does better
            outputformat="%Y-%m-%d",
            max_date=(now or datetime.now(UTC)).strftime("%Y-%m-%d"),
        )
    except (ValueError, TypeError):
        return None
    return _iso(found, tz) if found else None


def _has_clock(value: str) -> bool:
    return _CLOCK.search(fold_digits(value)) is not None


def _same_day(candidate: datetime, winner: datetime) -> bool:
    """Same calendar day, read in the winner's own timezone."""
    return candidate.astimezone(winner.tzinfo).date() == winner.date()


def find_dates(
    page: PageIndex,
    candidates: list[tuple[str, str, str]],
    *,
    fetched_at: datetime,
    tz: tzinfo = UTC,
    selector_text: str | None = None,
    body_text: str = "",
) -> FoundDates:
    """Published and updated dates of a page (see the module docstring for the order)."""
    # a source's own date selector overrides everything: it exists because the page misleads
    ordered = [(selector_text, "selector", "published")] if selector_text else []
    ordered += candidates
    ordered += [(value, "time-element", kind) for value, kind in _time_elements(page)]

    published: tuple[datetime, str] | None = None
    updated: tuple[datetime, str] | None = None
    published_has_clock = False
    for value, source, kind in ordered:
        if kind == "updated" and updated:
            continue
        if kind == "published" and published:
            if published_has_clock or source == "selector":
                continue
            # disagreement rule, step 2: a date-only winner takes the time of a later candidate
            # on the same calendar day; a candidate on another day never overrides it
            parsed = parse_date(value, tz=tz, now=fetched_at)
            if parsed is not None and _has_clock(value) and _same_day(parsed, published[0]):
                published, published_has_clock = (parsed, published[1]), True
            continue
        parsed = parse_date(value, tz=tz, now=fetched_at)
        if parsed is None:
            continue
        if kind == "published":
            published, published_has_clock = (parsed, source), _has_clock(value)
        else:
            updated = (parsed, source)
    if published is None:
        found = _htmldate(page.tree, fetched_at, tz)
        if found is not None:
            published = (found, "htmldate")
    if published is None:
        for text in _dated_elements(page):
            parsed = parse_date(text, tz=tz, now=fetched_at)
            if parsed is not None:
                published = (parsed, "text")
                break
    if published is None:
        # the first absolute date written near the top of the page (its dateline); relative words
        # such as أمس in running text describe the event, not the publication, so they are not used
        text = visible_text(page) + " " + body_text[:2000]
        parsed = _sane(parse_arabic_date(text, tz=tz, now=None), fetched_at)
        if parsed is not None:
            published = (parsed, "text")
    # An "update" before the publication is a CMS artefact (template or import time): drop it.
    if updated and published and updated[0] < published[0]:
        updated = None
    return FoundDates(
        published_at=published[0] if published else None,
        published_at_source=published[1] if published else None,
        updated_at=updated[0] if updated else None,
        updated_at_source=updated[1] if updated else None,
    )
