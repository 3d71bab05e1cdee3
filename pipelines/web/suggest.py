""" "Did you mean": other spellings of a query that found nothing, offered only if they find something.

Candidates, in order: the Arabic form of Latin-script place names (``Syria`` -> ``سوريا``; country
names from pycountry's English names mapped through the places gazetteer's ISO codes, cities from
:data:`LATIN_NAMES`), then every Arabic word without its clitics (``وبالشيباني`` -> ``شيباني``).
:data:`LATIN_NAMES` is the place to add more names (people, organisations) later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pycountry

from pipelines.indexer.enrich.places import PLACES_FILE
from pipelines.normalize.arabic import normalize_text

#: Latin-script names (lowercase, accents folded) -> Arabic, beyond the country names.
LATIN_NAMES: dict[str, str] = {
    "moscow": "موسكو",
    "damascus": "دمشق",
    "aleppo": "حلب",
    "cairo": "القاهرة",
    "alexandria": "الإسكندرية",
    "gaza": "غزة",
    "beirut": "بيروت",
    "baghdad": "بغداد",
    "riyadh": "الرياض",
    "jeddah": "جدة",
    "doha": "الدوحة",
    "dubai": "دبي",
    "abu dhabi": "أبوظبي",
    "jerusalem": "القدس",
    "tehran": "طهران",
    "ankara": "أنقرة",
    "istanbul": "إسطنبول",
    "amman": "عمان",
    "kuwait city": "الكويت",
    "muscat": "مسقط",
    "manama": "المنامة",
    "sanaa": "صنعاء",
    "khartoum": "الخرطوم",
    "tripoli": "طرابلس",
    "tunis": "تونس",
    "algiers": "الجزائر",
    "rabat": "الرباط",
    "washington": "واشنطن",
    "london": "لندن",
    "paris": "باريس",
    # romanized Arabic (how the names are said, not their English forms)
    "dimashq": "دمشق",
    "halab": "حلب",
    "ghazza": "غزة",
    "al-quds": "القدس",
    "misr": "مصر",
    "suriya": "سوريا",
    "russia": "روسيا",
    "syria": "سوريا",
    "america": "أمريكا",
    "usa": "الولايات المتحدة",
    "uk": "بريطانيا",
    "britain": "بريطانيا",
}
MAX_TRIES = 3  # each candidate costs one count query
_ARABIC_WORD = re.compile(r"^[\u0621-\u064a\u0640\u064b-\u0652]+$")
_LATIN = re.compile(r"[A-Za-z]")
_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")


@dataclass(frozen=True)
class Suggestion:
    query: str
    total: int


def _fold_latin(text: str) -> str:
    return " ".join(normalize_text(text).replace("-", " ").split())


@cache
def latin_names() -> dict[str, str]:
    """Every Latin-script name this module knows -> its Arabic display form."""
    arabic_by_code = {
        e["code"]: e["name"]
        for e in json.loads(PLACES_FILE.read_text(encoding="utf-8"))
        if e["kind"] == "country" and e["code"]
    }
    names: dict[str, str] = {}
    for country in pycountry.countries:
        arabic = arabic_by_code.get(country.alpha_2)
        if not arabic:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.setdefault(_fold_latin(value), arabic)
    names.update({_fold_latin(k): v for k, v in LATIN_NAMES.items()})
    return names


def arabic_for_latin(query: str, *, longest: int = 4) -> str:
    """Known Latin-script names in ``query`` replaced by their Arabic form, longest names first."""
    names = latin_names()
    words, out, i = query.split(), [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            arabic = names.get(_fold_latin(" ".join(words[i : i + n])))
            if arabic:
                out.append(arabic)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def without_clitics(word: str) -> str:
    """``وبالشيباني`` -> ``شيباني``: conjunction, preposition and article off, if a stem of 3+ is left."""
    if not _ARABIC_WORD.match(word):
        return word
    stem = word.replace("\u0640", "")
    if stem[:1] in _CONJUNCTIONS and len(stem) > 4:
        stem = stem[1:]
    if stem.startswith("لل") and len(stem) > 4:  # ل + ال
        return stem[2:]
    if stem[:1] in _PREPOSITIONS and len(stem) > 4:
        stem = stem[1:]
    if stem.startswith("ال") and len(stem) > 4:
        stem = stem[2:]
    return stem if len(stem) >= 3 else word


def candidates(query: str) -> list[str]:
    """Other spellings to try, best first, none equal to ``query``."""
    found: list[str] = []
    if _LATIN.search(query):
        found.append(arabic_for_latin(query))
    found.append(" ".join(without_clitics(w) for w in query.split()))
    return [c for c in dict.fromkeys(found) if c and c != query]


def suggest(query: str, count: Callable[[str], int]) -> Suggestion | None:
    """The first candidate for which ``count`` (the same search, same filters) finds something."""
    for candidate in candidates(query)[:MAX_TRIES]:
        total = count(candidate)
        if total:
            return Suggestion(query=candidate, total=total)
    return None
