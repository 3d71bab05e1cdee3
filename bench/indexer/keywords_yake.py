"""Keywords by YAKE, with Arabic stop words: the extractor khabar used before :mod:`.keywords`.

Kept beside ``bench/indexer/keywords.py`` as the peer of the TF-IDF extractor (quality and cost,
side by side); the indexer no longer calls it (about 17 ms per article against well under 1 ms),
so ``yake`` is a dependency of the ``bench`` extra only.

YAKE scores candidate 1-2 word phrases by position, frequency and spread over sentences. It
knows nothing about Arabic clitics, so the stop list is checked on the folded form of each edge
word (``normalize_text``) after extraction too: a phrase that starts or ends with a function word
(``بالإضافة إلى``, ``وفقا لتقارير``) is dropped. Stop words: yake's own Arabic list (shipped in the
package) plus ``data/stopwords_ar.txt``, which the project keeps.
"""

from __future__ import annotations

import re
from functools import cache

import yake

from pipelines.indexer.enrich.keywords import stopwords
from pipelines.normalize.arabic import normalize_text

# Harakat and tatweel make YAKE see two spellings of one word; Arabic punctuation stuck to a word
# ("سوريا،") must be split off like the Latin comma.
_STRIP = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_PUNCT = str.maketrans({"،": ", ", "؛": "; ", "؟": "? ", "«": " ", "»": " "})
_HAS_LETTER = re.compile(r"[^\W\d_]")


@cache
def _extractor(language: str, max_words: int, top: int) -> yake.KeywordExtractor:
    # Ask for more than needed: the stop word filter below removes some. Other languages use
    # yake's own stop list for that language.
    extra = {"stopwords": stopwords()} if language == "ar" else {}
    return yake.KeywordExtractor(lan=language, n=max_words, top=top * 3, dedup_lim=0.7, **extra)


def yake_keywords(text: str, *, language: str = "ar", top: int = 10, max_words: int = 2) -> list[str]:
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
