"""Keywords of an article: TF-IDF against Arabic news document frequencies shipped with khabar.

A word's weight is how often the article uses it times how rare it is in news (``idf``, from
``data/docfreq_ar.tsv``, built from the ANT corpus by :mod:`.docfreq`). Frequent everyday news
words (``الحكومة``, ``قال``) fall away without a list; a name the article keeps repeating leads. It
costs a regex pass and a few dict lookups (well under a millisecond per article), where YAKE
(``bench/indexer/keywords_yake.py``, the extractor this replaced) took ~17 ms.

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
from collections.abc import Iterator
from functools import cache
from itertools import compress, groupby, pairwise, repeat
from operator import attrgetter, itemgetter, mul
from pathlib import Path
from typing import NamedTuple, cast

from pipelines.indexer.enrich.memo import Memo
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
# A word, or a clause break (group 1 empty): one findall gives the flat token sequence.
_TOKEN = re.compile(r"([^\W\d_]+)|[.!?؟،,;؛:\n\"'«»()\[\]{}–—\-/|]+")


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


def tokens(text: str) -> list[list[tuple[str, str]]]:
    """Clauses of ``(surface, folded)`` word pairs (letters only; digits and punctuation dropped)."""
    text = _STRIP.sub("", text)
    return [
        [(w, normalize_text(w)) for w in _WORD.findall(clause)]
        for clause in _CLAUSE.split(text)
        if clause.strip()
    ]


def _clitic_readings(folded: str) -> tuple[tuple[str, int, str, bool], ...]:
    """Ways to read ``folded`` as proclitic + word: ``(word, cut, add, news_says_so)``, best first.

    The article's spelling of the word is ``add + surface[cut:]``. ``news_says_so``: the bare word
    is far more frequent in news than this spelling. It depends on the word only (memoized in
    :data:`_SPELLINGS`).
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


class Split(NamedTuple):
    """A spelling as counted: ``word`` (None for a stop word, a word too short or a clause break),
    which the article writes ``add + surface[cut:]``, and the word's ``idf`` (so that scoring looks
    nothing up in the large tables)."""

    word: str | None
    cut: int
    add: str
    idf: float


class _Maybe(NamedTuple):
    """A spelling read by the article: the first ``(word, split)`` of ``options`` whose word the
    article also uses on its own, else ``default``."""

    options: tuple[tuple[str, Split], ...]
    default: Split


_BREAK = Split(None, 0, "", 0.0)


def _reading(folded: str) -> Split | _Maybe:
    """What an Arabic spelling counts as: a :class:`Split`, or a :class:`_Maybe` when that depends
    on the article. A function of the spelling only: memoized."""
    stop = stopwords()
    idf, unseen = _idf_table()

    def split(word: str, cut: int, add: str) -> Split:
        if word in stop or folded in stop or len(word) < MIN_LETTERS:
            return Split(None, cut, add, 0.0)
        return Split(word, cut, add, idf.get(word, unseen))

    options: list[tuple[str, Split]] = []
    for word, cut, add, news_says_so in _clitic_readings(folded):
        if news_says_so:
            return _Maybe(tuple(options), split(word, cut, add)) if options else split(word, cut, add)
        options.append((word, split(word, cut, add)))
    return _Maybe(tuple(options), split(folded, 0, "")) if options else split(folded, 0, "")


def _spelling(surface: str) -> tuple[str, Split | _Maybe]:
    folded = normalize_text(surface)
    return folded, _reading(folded) if folded else _BREAK


# Each written form -> (folded, reading): one lookup per token. Bounded: news reuses a small
# vocabulary, but a stranger writes the text. (A second memo per folded form did not pay: on ANT
# nearly every folded word is written one way.)
_SPELLINGS = Memo(_spelling, maxsize=1 << 18)


def _ranked(scores: dict[str | tuple[str, str], float]) -> Iterator[str | tuple[str, str]]:
    """Keys by best score first, ties by text; only the runs of ties the caller reaches are sorted
    by text (sorting every key by its text cost as much as the rest of the scoring)."""
    by_score = sorted(scores, key=scores.__getitem__, reverse=True)  # stable: ties keep key order
    for _, tied in groupby(by_score, key=scores.__getitem__):
        yield from sorted(tied, key=_text)


def _text(key: str | tuple[str, str]) -> str:
    return key if isinstance(key, str) else " ".join(key)


def extract_keywords(text: str, *, language: str = "ar", top: int = 10, max_words: int = 2) -> list[str]:
    """Up to ``top`` key words and phrases, best first, as written in the text (minus harakat/tatweel).

    ``language`` other than Arabic gets the same scoring without the Arabic stop words and clitics
    (the frequencies are Arabic news: every Latin word reads as rare).
    """
    stripped = text.lstrip()
    first, _, rest = stripped.partition("\n")
    # The article as one flat token sequence, "" at each clause break (runs of punctuation): the
    # title line, a break, the rest. Counting and pairing then run in C (Counter, map, zip).
    head = _TOKEN.findall(_STRIP.sub("", first))
    surfaces = [*head, "", *_TOKEN.findall(_STRIP.sub("", rest))]
    if not any(surfaces):
        return []
    spellings = list(map(_SPELLINGS.__getitem__, surfaces))
    folds = list(map(itemgetter(0), spellings))
    arabic = language == "ar"
    plain = Counter(folds)
    del plain[""]

    title_words = len(_WORD.findall(first))
    weighted = 0 < title_words <= TITLE_MAX_WORDS and "\n" in text.strip() and any(head)
    title_end = len(head) if weighted else 0  # tokens counted TITLE_WEIGHT times

    # Each distinct spelling is looked at once: its word (clitic split or not) and how it is shown.
    # Spellings whose reading the article decides are the only ones looked at in Python.
    if arabic:
        # folded -> reading (a function of the folded form: any copy will do)
        splits: dict[str, Split | _Maybe] = dict(spellings)
        for folded in list(compress(splits, map(isinstance, splits.values(), repeat(_Maybe)))):
            maybe = cast(_Maybe, splits[folded])
            splits[folded] = next((split for word, split in maybe.options if word in plain), maybe.default)
    else:
        idf, unseen = _idf_table()
        splits = {f: Split(f, 0, "", idf.get(f, unseen)) if len(f) >= MIN_LETTERS else _BREAK for f in plain}
    splits[""] = _BREAK
    word_of = dict(zip(splits, map(attrgetter("word"), splits.values()), strict=True))
    idf_of = dict(zip(word_of.values(), map(attrgetter("idf"), splits.values()), strict=True))

    # The word of every token; None at a stop word or a break (a phrase never spans either).
    seq = list(map(word_of.__getitem__, folds))
    tf = Counter(seq)
    del tf[None]
    extra = TITLE_WEIGHT - 1
    if title_end:
        for word, n in Counter(seq[:title_end]).items():
            if word is not None:
                tf[word] += extra * n

    def shown(word: str) -> str:
        """``word`` as the article first spells it (asked of the few words kept only)."""
        at = seq.index(word)
        surface, folded = surfaces[at], folds[at]
        split = splits[folded]
        return split.add + surface[split.cut :] if len(surface) == len(folded) else word

    # n * idf of every word, built in C (map, zip).
    scores: dict[str | tuple[str, str], float] = dict(
        zip(tf, map(mul, tf.values(), map(idf_of.__getitem__, tf)), strict=True)
    )
    if max_words >= 2:
        pairs = Counter(pairwise(seq))
        if title_end:
            for pair, n in Counter(pairwise(seq[:title_end])).items():
                pairs[pair] += extra * n
        for pair, n in pairs.items():
            if n >= 2 and pair[0] is not None and pair[1] is not None:
                scores[pair] = n * (idf_of[pair[0]] + idf_of[pair[1]]) / 2 * 1.5

    out: list[str] = []
    taken: set[str] = set()
    for key in _ranked(scores):
        if isinstance(key, tuple):
            if key[0] in taken and key[1] in taken:
                continue
            out.append(f"{shown(key[0])} {shown(key[1])}")
            taken.update(key)
        else:
            if key in taken:
                continue
            out.append(shown(key))
            taken.add(key)
        if len(out) == top:
            break
    return out
