"""Places mentioned in an article: countries and cities from the gazetteer ``data/places.json``.

Matching is done on :func:`~pipelines.normalize.arabic.normalize_text` (so hamza, tatweel,
diacritics and ة/ه never block a match) and is clitic-aware: a word may carry the conjunctions
و/ف and the prepositions ب/ل/ك in front of a name (``بموسكو``, ``لسوريا``, ``وسوريا``,
``والقاهرة``), and ل + ال contracts to لل (``للقاهرة``). The exact word is tried first, so a name that
starts with one of those letters (``لبنان``, ``بغداد``, ``كندا``) is never cut. Multi-word names
(``دير الزور``, ``الولايات المتحدة``) win over their first word.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from pipelines.normalize.arabic import normalize_text

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.json"
_WORD = re.compile(r"[^\W\d_]+")
# Proclitics in the order they attach: conjunction (و/ف), then preposition (ب/ل/ك).
_PREFIXES = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")


@dataclass(frozen=True)
class Place:
    name: str  # display name (the gazetteer's first spelling)
    code: str  # ISO 3166-1 alpha-2 of the country, "" when there is no single one
    kind: str  # "country" | "city"


@dataclass(frozen=True)
class PlaceMatch:
    place: Place
    surface: str  # the normalized words that matched (with their clitics)


class Gazetteer:
    def __init__(self, entries: list[dict]) -> None:
        self._names: dict[tuple[str, ...], Place] = {}
        for entry in entries:
            place = Place(entry["name"], entry["code"], entry["kind"])
            for alias in entry["aliases"]:
                key = tuple(normalize_text(alias).split())
                if key:
                    self._names.setdefault(key, place)
        # First word of every spelling -> the most words a spelling starting with it has.
        self._longest: dict[str, int] = {}
        for key in self._names:
            self._longest[key[0]] = max(len(key), self._longest.get(key[0], 0))
        self._firsts = frozenset(self._longest)
        # Every written form that can start a match: a first word, bare or with its proclitics.
        # A text's words are checked against it with one set lookup each; only the few that are
        # in it get the clitic-aware walk of _match_at.
        self._starters = frozenset(
            word
            for first in self._firsts
            for word in _with_proclitics(first)
            if self._firsts & set(clitic_variants(word))
        )

    def __len__(self) -> int:
        return len(self._names)

    def spellings(self) -> list[tuple[str, ...]]:
        """Every matched spelling, as a tuple of normalized words."""
        return list(self._names)

    def find(self, text: str, *, folded: str | None = None) -> list[PlaceMatch]:
        """Every mention in ``text``, in order of appearance (``folded``: its normalize_text)."""
        words = _WORD.findall(normalize_text(text) if folded is None else folded)
        matches: list[PlaceMatch] = []
        starters = self._starters
        after = 0  # words before this index belong to a match already made
        for i in [i for i, word in enumerate(words) if word in starters]:
            if i < after:
                continue
            found = self._match_at(words, i)
            if found:
                place, n = found
                matches.append(PlaceMatch(place, " ".join(words[i : i + n])))
                after = i + n
        return matches

    def _match_at(self, words: list[str], i: int) -> tuple[Place, int] | None:
        firsts = [v for v in clitic_variants(words[i]) if v in self._firsts]
        if not firsts:
            return None
        # Longest first; lengths no spelling of these first words has are not tried.
        longest = max(map(self._longest.__getitem__, firsts))
        for n in range(min(longest, len(words) - i), 0, -1):
            rest = tuple(words[i + 1 : i + n])
            for first in firsts:
                place = self._names.get((first, *rest))
                if place:
                    return place, n
        return None


@lru_cache(maxsize=65536)
def clitic_variants(word: str) -> tuple[str, ...]:
    """``word`` itself first, then the word without each proclitic it may carry."""
    out = [word]
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            stem = word[len(prefix) :]
            out.append(stem)
            if prefix.endswith("ل") and stem.startswith("ل"):
                out.append("ا" + stem)  # لل + name = ل + ال + name (للقاهرة -> القاهرة)
    return tuple(out)


def _with_proclitics(first: str) -> list[str]:
    """``first`` and every form :func:`clitic_variants` could read back as it (a superset)."""
    out = [first]
    for prefix in _PREFIXES:
        out.append(prefix + first)
        if prefix.endswith("ل") and first.startswith("ال"):
            out.append(prefix + first[1:])  # ل + ال + name written لل + name
    return out


@cache
def default_gazetteer() -> Gazetteer:
    return Gazetteer(json.loads(PLACES_FILE.read_text(encoding="utf-8")))


def find_places(
    text: str, gazetteer: Gazetteer | None = None, *, folded: str | None = None
) -> tuple[list[str], list[str]]:
    """(place names, country codes) mentioned in ``text``, each de-duplicated in order of appearance.

    ``folded``: :func:`normalize_text` of ``text``, when the caller already has it.
    """
    matches = (gazetteer or default_gazetteer()).find(text, folded=folded)
    names = list(dict.fromkeys(m.place.name for m in matches))
    codes = list(dict.fromkeys(m.place.code for m in matches if m.place.code))
    return names, codes
