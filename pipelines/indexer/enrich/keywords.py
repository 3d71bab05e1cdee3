"""Keywords of an article: YAKE (unsupervised, statistical, no model to download) with Arabic stop words.

YAKE scores candidate 1-2 word phrases by position, frequency and spread over sentences. It
knows nothing about Arabic clitics, so the stop list is checked on the folded form of each edge
word (``normalize_text``) after extraction too: a phrase that starts or ends with a function word
(``بالإضافة إلى``, ``وفقا لتقارير``) is dropped. Stop words: yake's own Arabic list (shipped in the
package) plus ``data/stopwords_ar.txt``, which the project keeps.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import yake

from pipelines.normalize.arabic import normalize_text

STOPWORDS_FILE = Path(__file__).resolve().parent / "data" / "stopwords_ar.txt"
# Harakat and tatweel make YAKE see two spellings of one word; Arabic punctuation stuck to a word
# ("سوريا،") must be split off like the Latin comma.
_STRIP = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_PUNCT = str.maketrans({"،": ", ", "؛": "; ", "؟": "? ", "«": " ", "»": " "})
_HAS_LETTER = re.compile(r"[^\W\d_]")


@cache
def stopwords() -> frozenset[str]:
    """Raw and folded forms of every stop word (yake compares raw lowercased tokens)."""
    words = [line.strip() for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()]
    yake_list = files("yake") / "core" / "StopwordsList" / "stopwords_ar.txt"
    words += yake_list.read_text(encoding="utf-8").split()
    words = [w for w in words if w and not w.startswith("#")]
    return frozenset(words) | frozenset(normalize_text(w) for w in words)


@cache
def _extractor(language: str, max_words: int, top: int) -> yake.KeywordExtractor:
    # Ask for more than needed: the stop word filter below removes some. Other languages use
    # yake's own stop list for that language.
    extra = {"stopwords": stopwords()} if language == "ar" else {}
    return yake.KeywordExtractor(lan=language, n=max_words, top=top * 3, dedup_lim=0.7, **extra)


def extract_keywords(text: str, *, language: str = "ar", top: int = 10, max_words: int = 2) -> list[str]:
    """Up to ``top`` key phrases, best first, as written in the text (minus harakat/tatweel)."""
    text = _STRIP.sub("", text).translate(_PUNCT)
    if not _HAS_LETTER.search(text):
        return []
    stop = stopwords() if language == "ar" else frozenset()
    out: list[str] = []
    seen: set[str] = set()
    for phrase, _score in _extractor(language, max_words, top).extract_keywords(text):
        words = phrase.split()
        folded = [normalize_text(w) for w in words]
        if folded[0] in stop or folded[-1] in stop or len("".join(folded)) < 3:
            continue
        if not all(_HAS_LETTER.search(w) for w in words):
            continue
        key = " ".join(folded)
        if key in seen:
            continue
        seen.add(key)
        out.append(phrase)
        if len(out) == top:
            break
    return out
