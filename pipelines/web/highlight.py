"""Highlights that never split a word: Arabic letters change shape with their neighbours, and a
``<mark>`` boundary inside a word can make the browser shape each side on its own (a final form
before the mark, an initial form inside it). Elasticsearch marks whole tokens, but a token can be
part of a written word (``لـ`` + ``سوريا``, a name glued to a prefix), so every marked run is widened
to the whole word here before rendering.
"""

from __future__ import annotations

import unicodedata

from pipelines.search.query import split_highlight


def _in_word(char: str) -> bool:
    # letters, combining marks (harakat, shadda), digits, and tatweel (a letter modifier, Lm)
    return unicodedata.category(char)[0] in "LMN"


def whole_word_parts(fragment: str) -> list[tuple[str, bool]]:
    """``"لـ<mark>سوريا</mark> و"`` -> ``[("لـسوريا", True), (" و", False)]``: marks cover whole words."""
    text, flags = "", []
    for piece, marked in split_highlight(" ".join(fragment.split())):
        text += piece
        flags += [marked] * len(piece)
    for i in range(len(text)):  # widen left: a marked letter after an unmarked letter of its word
        if flags[i] and i and not flags[i - 1] and _in_word(text[i]):
            j = i - 1
            while j >= 0 and not flags[j] and _in_word(text[j]):
                flags[j] = True
                j -= 1
    for i in range(len(text) - 1, -1, -1):  # widen right
        if flags[i] and i + 1 < len(text) and not flags[i + 1] and _in_word(text[i]):
            j = i + 1
            while j < len(text) and not flags[j] and _in_word(text[j]):
                flags[j] = True
                j += 1
    parts: list[tuple[str, bool]] = []
    for char, marked in zip(text, flags, strict=True):
        if parts and parts[-1][1] == marked:
            parts[-1] = (parts[-1][0] + char, marked)
        else:
            parts.append((char, marked))
    return parts
