"""Language, word count, reading time and keywords on Arabic text."""

from __future__ import annotations

from pathlib import Path

from pipelines.indexer.enrich.keywords import extract_keywords
from pipelines.indexer.enrich.language import detect_language
from pipelines.indexer.enrich.reading import reading_time_minutes, word_count

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)


def test_language_arabic_english_french() -> None:
    assert detect_language(SEED) == "ar"
    assert detect_language("Lavrov hosts the Syrian foreign minister in Moscow on Tuesday") == "en"
    assert detect_language("Le ministre russe reçoit son homologue syrien à Moscou mardi") == "fr"


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
