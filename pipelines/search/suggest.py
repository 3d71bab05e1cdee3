""" "Did you mean": other spellings of a query that found nothing, offered only if they find something.

Candidates, in order: the Arabic form of Latin-script names (the English names of the index's
name aliases, :func:`pipelines.elastic.aliases.alias_sets`, and the romanized ones of
:data:`ROMANIZED_NAMES`: ``Dimashq`` -> ``دمشق``), then every Arabic word without its clitics
(``وبالشيباني`` -> ``شيباني``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from pydantic import BaseModel

from pipelines.elastic.aliases import alias_sets
from pipelines.normalize.arabic import normalize_text

#: Romanized Arabic (how the names are said, not their English forms): the index's name aliases
#: (:mod:`pipelines.elastic.aliases`) already match English names, so these are what a suggestion adds.
ROMANIZED_NAMES: dict[str, str] = {
    "dimashq": "دمشق",
    "halab": "حلب",
    "ghazza": "غزة",
    "al-quds": "القدس",
    "misr": "مصر",
    "suriya": "سوريا",
}
MAX_TRIES = 3  # each candidate costs one count query
_ARABIC_WORD = re.compile(r"^[\u0621-\u064a\u0640\u064b-\u0652]+$")
_LATIN = re.compile(r"[A-Za-z]")
_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")


class Suggestion(BaseModel):
    query: str
    total: int


def _fold_latin(text: str) -> str:
    return " ".join(normalize_text(text).replace("-", " ").split())


@cache
def latin_names() -> dict[str, str]:
    """Every Latin-script name this module knows -> its Arabic display form."""
    names: dict[str, str] = {}
    for latin_forms, arabic_forms in alias_sets():
        for form in latin_forms:
            names.setdefault(_fold_latin(form), arabic_forms[0])
    names.update({_fold_latin(k): v for k, v in ROMANIZED_NAMES.items()})
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
