"""Arabic folding for search/dedup and cleaning for display, on real Arabic spellings."""

from __future__ import annotations

import pytest

from pipelines.normalize.arabic import clean_display, fold_digits, normalize_text


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        # tatweel (the seed article writes لـسوريا and لـ سوريا)
        ("لـسوريا", "لسوريا"),
        ("الأخـــبار", "الاخبار"),
        # harakat, tanween, shadda, sukun, superscript alef
        ("وفقًا", "وفقا"),
        ("تُعدُّ", "تعد"),
        ("مُحَمَّدٌ", "محمد"),
        ("هٰذا", "هذا"),
        ("الرَّحْمٰنِ", "الرحمن"),
        # Quranic annotation marks (small high signs)
        ("ذَٰلِكَ الْكِتَابُ ۛ لَا رَيْبَ ۛ فِيهِ", "ذلك الكتاب لا ريب فيه"),
        # alef variants
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("آمن", "امن"),
        ("ٱلله", "الله"),
        # hamza carriers
        ("مؤتمر", "موتمر"),
        ("رئيس", "رييس"),
        # alef maqsura and teh marbuta
        ("مستشفى", "مستشفي"),
        ("مصرى", "مصري"),
        ("الحكومة", "الحكومه"),
        # Persian letters typed on Persian keyboards
        ("کتاب", "كتاب"),
        ("سوریا", "سوريا"),
    ],
)
def test_spelling_variants_fold_to_one_form(variant: str, plain: str) -> None:
    assert normalize_text(variant) == normalize_text(plain) == plain


def test_common_misspellings_match_their_correct_forms() -> None:
    assert normalize_text("الشيبانى") == normalize_text("الشيباني")
    assert normalize_text("إسرائيل") == normalize_text("اسرائيل")
    assert normalize_text("القاهرة") == normalize_text("القاهره")
    # the known limit, documented: the two regional spellings of مسؤول stay apart
    assert normalize_text("مسؤول") != normalize_text("مسئول")
    # the bare hamza is kept: ماء (water) is not ما (what)
    assert normalize_text("ماء") != normalize_text("ما")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٢٠٢٥", "2025"),
        ("۱۴۰۲", "1402"),
        ("٣ أيام", "3 ايام"),
        ("الساعة ١٠:٣٠", "الساعه 10:30"),
    ],
)
def test_arabic_indic_and_persian_digits_become_ascii(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "mark",
    ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
     "\u2068", "\u2069", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"],
)  # fmt: skip
def test_direction_marks_and_zero_width_characters_are_removed(mark: str) -> None:
    assert normalize_text(f"سور{mark}يا") == "سوريا"


def test_arabic_punctuation_is_kept_and_latin_lowercased() -> None:
    assert normalize_text("هل زار لافروف دمشق؟ نعم، زارها؛ Reuters TASS") == (
        "هل زار لافروف دمشق؟ نعم، زارها؛ reuters tass"
    )
    assert normalize_text("٥٠٪") == "50٪"


def test_presentation_forms_and_whitespace() -> None:
    # U+FEFB lam-alef ligature, U+FE8D isolated alef, NBSP, tabs, newlines
    assert normalize_text("\ufefb\u00a0\tشيء\n\n ﺍ ") == "لا شيء ا"
    assert normalize_text(None) == normalize_text("") == ""


def test_clean_display_keeps_the_published_text() -> None:
    text = "تُعدُّ روسيا شريكاً رئيسياً لـ سوريا… ½"
    assert clean_display(text) == text  # harakat, tatweel, ellipsis, fraction untouched


def test_clean_display_maps_presentation_forms_to_letters() -> None:
    # "السلام" written with presentation forms, as some old sites and PDF exports do
    assert clean_display("\ufe8d\ufedf\ufeb4\ufefc\ufee1") == "السلام"


def test_clean_display_strips_invisible_junk_and_collapses_spaces() -> None:
    raw = "  \ufeffوزير\u200b  الخارجية\u00a0\u00a0الروسي\u202b \t\n سيرغي\u202c لافروف\u00ad  "
    assert clean_display(raw) == "وزير الخارجية الروسي سيرغي لافروف"


def test_clean_display_keeps_direction_marks_and_zwnj() -> None:
    assert clean_display("العدد \u200f٢٥\u200f") == "العدد \u200f٢٥\u200f"
    assert clean_display("می\u200cخواهم") == "می\u200cخواهم"


def test_clean_display_composes_combining_hamza() -> None:
    assert clean_display("ا\u0654حمد") == "أحمد"


def test_clean_display_multiline_keeps_lines() -> None:
    assert clean_display("سطر  أول \r\n\r\n\n  سطر\u00a0ثان ", multiline=True) == "سطر أول\nسطر ثان"


def test_fold_digits_only_touches_digits() -> None:
    assert fold_digits("١٤٤٧ هـ") == "1447 هـ"


@pytest.mark.parametrize(
    "parts",
    [
        ("لافروف يستقبل الشيباني", "", "وفقًا لتقارير وكالة تاس."),
        ("ΟΔΟΣ", "ΑΣ"),  # Greek final sigma is lowercased by context: the boundary must not change it
        ("عنوان\u200f", "\u064bوفقًا", "ـ"),  # a part starting with a haraka, one folding to nothing
        ("\ufefb", "٢٠٢٥  م"),  # a presentation form and Arabic-Indic digits
    ],
)
def test_folding_parts_joined_is_folding_the_joined_text(parts: tuple[str, ...]) -> None:
    """to_document folds title, lead and body once each and joins them for places and dedup."""
    folded = [normalize_text(p) for p in parts]
    assert normalize_text("\n".join(parts)) == " ".join(f for f in folded if f)
