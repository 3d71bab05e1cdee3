"""Language, word count, reading time and keywords on Arabic text."""

from __future__ import annotations

from pathlib import Path

from pipelines.indexer.enrich.keywords import document_frequencies, extract_keywords
from pipelines.indexer.enrich.language import detect_language, is_plainly_arabic
from pipelines.indexer.enrich.reading import reading_time_minutes, word_count
from pipelines.normalize.arabic import normalize_text

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)


def test_language_arabic_english_french() -> None:
    assert detect_language(SEED) == "ar"
    assert detect_language("Lavrov hosts the Syrian foreign minister in Moscow on Tuesday") == "en"
    assert detect_language("Le ministre russe reçoit son homologue syrien à Moscou mardi") == "fr"


PERSIAN = (
    "وزیر امور خارجه روسیه روز سه‌شنبه در مسکو با همتای سوری خود دیدار کرد و درباره همکاری دو کشور گفتگو کرد."
)
URDU = "روس کے وزیر خارجہ نے منگل کے روز ماسکو میں اپنے شامی ہم منصب سے ملاقات کی اور تعاون پر بات چیت کی۔"


def test_only_plain_arabic_skips_the_model() -> None:
    assert is_plainly_arabic(SEED[:1000])
    # Arabic script, other languages: their own letters (ی ک ے ہ ...) send them to the model
    assert not is_plainly_arabic(PERSIAN)
    assert not is_plainly_arabic(URDU)
    assert detect_language(PERSIAN) == "fa"
    assert detect_language(URDU) == "ur"
    # an English text quoting an Arabic name is not Arabic
    assert not is_plainly_arabic("Lavrov met al-Shaibani (الشيباني) in Moscow on Tuesday")


def test_language_falls_back_on_short_text() -> None:
    assert detect_language("سوريا", default="ar") == "ar"
    assert detect_language("ok", default="fr") == "fr"


def test_word_count_arabic() -> None:
    # punctuation, harakat and tatweel never split or add words; a detached "لـ" is not a word
    assert word_count("وفقًا لتقارير وكالة تاس، الروسية.") == 5
    assert word_count("الدعم الروسي لـ سوريا") == 3
    assert word_count("لـسوريا في ٢٠٢٥") == 3
    assert word_count("") == 0


def test_reading_time_uses_arabic_speed() -> None:
    assert reading_time_minutes(0) == 0
    assert reading_time_minutes(10) == 1
    assert reading_time_minutes(180) == 1
    assert reading_time_minutes(181) == 2
    assert reading_time_minutes(602, "ar") == 4
    assert reading_time_minutes(602, "en") == 3  # faster default for other languages


def test_keywords_of_seed_article() -> None:
    keywords = extract_keywords(SEED)
    assert 5 <= len(keywords) <= 10
    assert keywords[0] == "سوريا"
    assert "موسكو" in keywords
    # punctuation is not glued to words, function words never start or end a phrase
    assert not any("،" in k for k in keywords)
    assert not any(k.split()[0] in {"إلى", "في", "من", "بالإضافة"} for k in keywords)


def test_keywords_of_empty_or_numeric_text() -> None:
    assert extract_keywords("") == []
    assert extract_keywords("١٢٣ 456") == []


def test_keywords_lead_with_what_the_seed_article_is_about() -> None:
    top = [normalize_text(k) for k in extract_keywords(SEED)[:6]]
    # Syria first; Lavrov, al-Shaibani (written شيباني in this article) and Moscow near the top.
    assert top[0] == "سوريا"
    assert {"لافروف", "شيباني"} <= set(top)


def test_keywords_split_proclitics_only_when_the_bare_word_is_attested() -> None:
    text = "زيارة إلى موسكو.\nوصل الوزير إلى موسكو، ثم غادر بموسكو إلى ولموسكو وبموسكو. وزير وزير وزير."
    keywords = extract_keywords(text)
    assert keywords[0] == "موسكو"  # بموسكو, ولموسكو, وبموسكو count for موسكو
    assert not any(k.startswith(("بموسكو", "وبموسكو")) for k in keywords)
    assert "وزير" in keywords  # و is part of this word: زير is no word here


def test_keyword_document_frequencies_are_shipped_and_sane() -> None:
    total, df = document_frequencies()
    assert total > 30_000
    assert df["سوريا"] > df["لافروف"] > 0  # a country is in more news than one minister
    assert all(n <= total for n in df.values())
