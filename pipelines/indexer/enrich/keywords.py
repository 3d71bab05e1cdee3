"""Keywords of an article: TF-IDF against Arabic news document frequencies shipped with khabar.

A word's weight is how often the article uses it times how rare it is in news (``idf``, from
``data/docfreq_ar.tsv``, built from the ANT corpus by :mod:`.docfreq`). Frequent everyday news
words (``الحكومة``, ``قال``) fall away without a list; a name the article keeps repeating leads. It
costs a regex pass and a few dict lookups (well under a millisecond per article), where YAKE
(:mod:`.keywords_yake`, the extractor this replaced) took ~17 ms.

Arabic-specific choices:
- words are compared on their folded form (:func:`~pipelines.normalize.arabic.normalize_text`:
  hamza/alef, ى/ي, ة/ه, harakat, tatweel), and shown as the article first writes them;
- a proclitic و ف ب ل ك (and ``لل`` for ``ل`` + ``ال``) is split off when what remains is a word
  the article uses on its own or a word news uses far more often (``وسوريا``, ``لـسوريا`` and
  ``بموسكو`` count for ``سوريا`` and ``موسكو``), never otherwise (``وزير`` stays ``وزير``);
- the title (a short first line) counts three times;
- two-word phrases (``وزير الخارجية``) compete when the article uses them at least twice, inside
  one clause, without a stop word at either end; a word already inside a chosen phrase is not
  repeated on its own.
Stop words: yake's Arabic list (read from the installed package's data, yake is not imported) plus
``data/stopwords_ar.txt``.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from functools import cache
from pathlib import Path

from pipelines.normalize.arabic import normalize_text

DATA = Path(__file__).resolve().parent / "data"
STOPWORDS_FILE = DATA / "stopwords_ar.txt"
DOCFREQ_FILE = DATA / "docfreq_ar.tsv"

# Harakat and tatweel are not part of a word's identity.
_STRIP = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
# Clause boundaries: a phrase never spans them.
_CLAUSE = re.compile(r"[.!?؟،,;؛:\n\"'«»()\[\]{}–—\-/|]+")
_WORD = re.compile(r"[^\W\d_]+")
_PROCLITICS = ("وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك")
TITLE_WEIGHT = 3
TITLE_MAX_WORDS = 25
MIN_LETTERS = 3


@cache
def stopwords() -> frozenset[str]:
    """Raw and folded forms of every stop word."""
    words = [line.strip() for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()]
    spec = importlib.util.find_spec("yake")
    if spec is not None and spec.submodule_search_locations:
        yake_list = (
            Path(next(iter(spec.submodule_search_locations))) / "core" / "StopwordsList" / "stopwords_ar.txt"
        )
        if yake_list.is_file():
            words += yake_list.read_text(encoding="utf-8").split()
    words = [w for w in words if w and not w.startswith("#")]
    return frozenset(words) | frozenset(normalize_text(w) for w in words)


@cache
def document_frequencies() -> tuple[int, dict[str, int]]:
    """(documents counted, folded word -> documents containing it) from ``data/docfreq_ar.tsv``."""
    lines = DOCFREQ_FILE.read_text(encoding="utf-8").splitlines()
    total = 0
    df: dict[str, int] = {}
    for line in lines:
        if line.startswith("#"):
            if line.startswith("# documents\t"):
                total = int(line.split("\t")[1])
            continue
        word, _, count = line.partition("\t")
        df[word] = int(count)
    if total <= 0:
        raise ValueError(f"{DOCFREQ_FILE} has no '# documents' header")
    return total, df


@cache
def _idf_table() -> tuple[dict[str, float], float]:
    total, df = document_frequencies()
    floor = min(df.values(), default=1)
    # A word missing from the table is rarer than the rarest kept: give it half that frequency.
    unseen = math.log((total + 1) / (floor / 2 + 1))
    return {w: math.log((total + 1) / (n + 1)) for w, n in df.items()}, unseen


@cache
def fold(word: str) -> str:
    """The folded form of one word (cached: news reuses a small vocabulary)."""
    return normalize_text(word)


def tokens(text: str) -> list[list[tuple[str, str]]]:
    """Clauses of ``(surface, folded)`` word pairs (letters only; digits and punctuation dropped)."""
    text = _STRIP.sub("", text)
    return [[(w, fold(w)) for w in _WORD.findall(clause)] for clause in _CLAUSE.split(text) if clause.strip()]


@cache
def _clitic_readings(folded: str) -> tuple[tuple[str, int, str, bool], ...]:
    """Ways to read ``folded`` as proclitic + word: ``(word, cut, add, news_says_so)``, best first.

    The article's spelling of the word is ``add + surface[cut:]``. ``news_says_so``: the bare word
    is far more frequent in news than this spelling. Cached: it depends on the word only.
    """
    _, df = document_frequencies()
    own = df.get(folded, 0)
    out = []
    for prefix in _PROCLITICS:
        if not folded.startswith(prefix):
            continue
        rest = folded[len(prefix) :]
        if prefix.endswith("ل") and rest.startswith("ل") and len(rest) > MIN_LETTERS:
            word = "ا" + rest  # لل + word = ل + ال + word
            out.append((word, len(prefix) + 1, "ال", df.get(word, 0) > 2 * own))
        elif len(rest) >= MIN_LETTERS and not (prefix.endswith("ل") and rest.startswith("ل")):
            out.append((rest, len(prefix), "", df.get(rest, 0) > 2 * max(own, 1)))
    return tuple(out)


def _split_clitic(folded: str, seen: Counter[str]) -> tuple[str, int, str]:
    """``(word, cut, add)``: ``folded`` without its proclitic when the article itself uses the bare
    word, or news uses it far more often than this spelling; else ``folded`` unchanged."""
    for word, cut, add, news_says_so in _clitic_readings(folded):
        if news_says_so or word in seen:
            return word, cut, add
    return folded, 0, ""


def extract_keywords(text: str, *, language: str = "ar", top: int = 10, max_words: int = 2) -> list[str]:
    """Up to ``top`` key words and phrases, best first, as written in the text (minus harakat/tatweel).

    ``language`` other than Arabic gets the same scoring without the Arabic stop words and clitics
    (the frequencies are Arabic news: every Latin word reads as rare).
    """
    clauses = tokens(text)
    if not any(clauses):
        return []
    arabic = language == "ar"
    stop = stopwords() if arabic else frozenset()
    idf, unseen = _idf_table()
    plain = Counter(f for clause in clauses for _, f in clause)

    first = text.lstrip().split("\n", 1)[0]
    title_words = len(_WORD.findall(first))
    title_clauses = len(tokens(first)) if 0 < title_words <= TITLE_MAX_WORDS and "\n" in text.strip() else 0

    # Each distinct spelling is looked at once: its word (clitic split or not) and how it is shown.
    words: dict[str, tuple[str, int, str] | None] = {}
    for folded in plain:
        word, cut, add = _split_clitic(folded, plain) if arabic else (folded, 0, "")
        stopped = word in stop or folded in stop or len(word) < MIN_LETTERS
        words[folded] = None if stopped else (word, cut, add)

    tf: Counter[str] = Counter()
    shown: dict[str, str] = {}  # word -> its first spelling in the article
    pairs: Counter[tuple[str, str]] = Counter()
    pair_shown: dict[tuple[str, str], str] = {}
    for index, clause in enumerate(clauses):
        weight = TITLE_WEIGHT if index < title_clauses else 1
        previous: tuple[str, str] | None = None
        for surface, folded in clause:
            split = words[folded]
            if split is None:
                previous = None
                continue
            word, cut, add = split
            tf[word] += weight
            if word not in shown:
                shown[word] = add + surface[cut:] if len(surface) == len(folded) else word
            if previous is not None and max_words >= 2:
                pair = (previous[1], word)
                pairs[pair] += weight
                if pair not in pair_shown:
                    pair_shown[pair] = f"{previous[0]} {shown[word]}"
            previous = (shown[word], word)

    scores: dict[str | tuple[str, str], float] = {w: n * idf.get(w, unseen) for w, n in tf.items()}
    for pair, n in pairs.items():
        if n >= 2:
            scores[pair] = n * (idf.get(pair[0], unseen) + idf.get(pair[1], unseen)) / 2 * 1.5

    out: list[str] = []
    taken: set[str] = set()
    for key in sorted(scores, key=lambda k: (-scores[k], k if isinstance(k, str) else " ".join(k))):
        if isinstance(key, tuple):
            if key[0] in taken and key[1] in taken:
                continue
            out.append(pair_shown[key])
            taken.update(key)
        else:
            if key in taken:
                continue
            out.append(shown[key])
            taken.add(key)
        if len(out) == top:
            break
    return out
