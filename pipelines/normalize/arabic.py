"""Arabic text: one form for display, one folded form for search and dedup.

``clean_display(text)`` keeps the text as the site published it, fixing only what is never meant
to be seen:

- Arabic presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF) are compatibility-mapped (NFKC) to the
  ordinary letters; old sites and PDF exports use them and they break search, copy and shaping.
  NFKC is applied to those characters only: on the rest of the text it would also rewrite
  "…" to "...", "½" to "1⁄2" or superscripts to digits, which changes what was published.
- the whole text is NFC-composed (alef + combining hamza U+0654 becomes the single letter أ).
- invisible junk is removed: zero-width space, BOM, soft hyphen, word joiner, invisible operators,
  control characters, and the bidi embedding/override/isolate controls (U+202A-E, U+2066-9),
  which are stateful and end up unbalanced once markup is cut into blocks.
  The direction marks LRM/RLM/ALM and ZWNJ/ZWJ are kept: they are invisible but meaningful
  (placement of neutral characters next to numbers, Persian orthography, emoji sequences).
- spaces (NBSP, thin spaces, tabs...) are collapsed to one space; newlines are kept only when
  ``multiline=True`` (then empty lines are dropped).

``normalize_text(text)`` folds spelling variants that must never block a match or a dedup. It is not
for display. Choices, with why:

- NFKC on everything (presentation forms, ligatures, fullwidth Latin) and lowercase Latin.
- every invisible character is removed, including the direction marks (U+200E/F, U+061C) and
  ZWNJ/ZWJ: they are never typed by a searcher.
- tatweel ـ (U+0640) is removed: it only stretches a word (``لـسوريا`` is ``لسوريا``).
- harakat (U+064B-U+0652), superscript alef (U+0670), the remaining combining marks U+0653-U+065F
  and the Quranic annotation marks (U+0610-U+061A, U+06D6-U+06ED) are removed: vocalization is
  optional in Arabic and rarely written in news, so ``وفقًا`` must equal ``وفقا``.
- alef variants آ أ إ ٱ (and the rare wavy-hamza alefs ٲ ٳ) become bare ا: writers drop or misplace
  the hamza on alef constantly (``احمد``/``أحمد``, ``اسلام``/``إسلام``).
- hamza carriers ؤ -> و and ئ -> ي: the carrier letter is what a searcher who omits the hamza types
  (``رئيس`` typed ``رييس``, ``مؤتمر`` typed ``موتمر``). Known limit: the regional spellings
  ``مسؤول`` (Levant/Gulf) and ``مسئول`` (Egypt) still fold to different forms; folding both carriers to
  one letter would merge unrelated words. The bare hamza ء is kept: dropping it merges ``ماء`` and ``ما``.
- alef maqsura ى -> ي and teh marbuta ة -> ه: the usual Egyptian spelling writes ي for final ى and
  many writers type ه for ة (``مصرى``/``مصري``, ``الحكومه``/``الحكومة``). Same folding as Lucene's
  Arabic normalizer, so our dedup agrees with Elasticsearch.
- Persian keheh ک -> ك and Farsi yeh ی -> ي: they come from Persian keyboard layouts.
- Arabic-Indic ٠-٩ and Persian ۰-۹ digits become ASCII 0-9, so ``٢٠٢٥`` finds ``2025``.
- Arabic punctuation (، ؛ ؟ ٪ ٫ ٬) is kept as is: it is not a spelling variant.
- whitespace is collapsed to single spaces and the result stripped.
"""

from __future__ import annotations

import re
import unicodedata

# --- display --------------------------------------------------------------------------------------

_PRESENTATION_FORMS = re.compile(r"[\uFB50-\uFDFF\uFE70-\uFEFE]+")
# Invisible characters that are never meant to be displayed (display keeps LRM/RLM/ALM, ZWNJ, ZWJ).
_DISPLAY_JUNK = re.compile(
    "[\u00ad\u180e\u200b\u2060-\u2064\ufeff\ufff9-\ufffb\u202a-\u202e\u2066-\u2069"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
# Every kind of horizontal space, including NBSP and the typographic spaces.
_HSPACE = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ANY_SPACE = re.compile(r"\s+")


def _nfkc_presentation_forms(text: str) -> str:
    return _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def clean_display(text: str | None, *, multiline: bool = False) -> str:
    """Text as published, minus invisible junk and presentation forms, with whitespace collapsed."""
    if not text:
        return ""
    if not text.isascii():  # ASCII is already NFC and holds no presentation forms
        text = _nfkc_presentation_forms(unicodedata.normalize("NFC", text))
    text = _DISPLAY_JUNK.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        return _ANY_SPACE.sub(" ", text).strip()
    lines = (_HSPACE.sub(" ", line).strip() for line in re.split(r"[\n\u2028\u2029\x85]", text))
    return "\n".join(line for line in lines if line)


# --- search / dedup -------------------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
TATWEEL = "\u0640"
# Harakat, superscript alef, other combining Arabic marks and the Quranic annotation signs.
_DIACRITICS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed]"
)

_FOLD = str.maketrans(
    {
        "آ": "ا",  # U+0622 alef with madda
        "أ": "ا",  # U+0623 alef with hamza above
        "إ": "ا",  # U+0625 alef with hamza below
        "ٱ": "ا",  # U+0671 alef wasla
        "ٲ": "ا",  # U+0672 alef with wavy hamza above
        "ٳ": "ا",  # U+0673 alef with wavy hamza below
        "ؤ": "و",  # U+0624 waw with hamza above
        "ئ": "ي",  # U+0626 yeh with hamza above
        "ى": "ي",  # U+0649 alef maqsura
        "ة": "ه",  # U+0629 teh marbuta
        "ک": "ك",  # U+06A9 keheh (Persian kaf)
        "ی": "ي",  # U+06CC farsi yeh
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended (Persian/Urdu) digits
    }
)


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits to ASCII, nothing else."""
    return text.translate(_DIGITS)


_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
_TO_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def arabic_indic_digits(value: object) -> str:
    """ASCII digits to Arabic-Indic (``2026`` -> ``٢٠٢٦``), for display; the inverse of fold_digits."""
    return str(value).translate(_TO_ARABIC_INDIC)


# _FOLD as (character, replacement) pairs: one str.replace per character present is ~20x faster
# than str.translate with a dict table on Arabic text (no replacement is itself a key).
_FOLD_PAIRS = tuple((chr(code), value) for code, value in _FOLD.items())
# Arabic letters that NFKC, lowercasing and the removals below leave as they are (no tatweel, no
# marks): a word of these only, as the keyword extractor folds them one by one, needs only the
# letter folds, at a third of the cost.
_PLAIN_ARABIC = re.compile("[\u0621-\u063a\u0641-\u064a]+")
_LETTER_PAIRS = tuple((char, folded) for char, folded in _FOLD_PAIRS if _PLAIN_ARABIC.fullmatch(char))


def _replace_all(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for char, folded in pairs:
        if char in text:
            text = text.replace(char, folded)
    return text


def normalize_text(text: str | None) -> str:
    """Folded form for search and dedup (see the module docstring for every choice)."""
    if not text:
        return ""
    if _PLAIN_ARABIC.fullmatch(text):
        return _replace_all(text, _LETTER_PAIRS)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text).replace(TATWEEL, "")
    text = _replace_all(_DIACRITICS.sub("", text), _FOLD_PAIRS)
    # str.split() splits on exactly the characters `\s` matches, and drops the ends.
    return " ".join(text.lower().split())
