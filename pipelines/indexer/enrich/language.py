"""Language of an article: py3langid (langid.py's model, bundled with the package; nothing downloaded).

The model is restricted to the languages Arabic news sites actually publish in; on a short or
ambiguous text (probability under :data:`MIN_PROBABILITY`) the language the source declared wins.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Arabic, the languages of the region and of the bilingual/foreign desks of Arab outlets.
LANGUAGES = ("ar", "en", "fr", "fa", "ur", "tr", "he", "ku", "es", "de", "ru")
MIN_PROBABILITY = 0.7
MIN_CHARS = 20
SAMPLE_CHARS = 1000  # title, lead and a paragraph or two decide it; the cost is linear in length


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str, *, default: str = "ar") -> str:
    """ISO 639-1 code of ``text``; ``default`` when the text is too short or the model unsure."""
    sample = text[:SAMPLE_CHARS].strip()
    if len(sample) < MIN_CHARS:
        return default
    language, probability = _identifier().classify(sample)
    return str(language) if probability >= MIN_PROBABILITY else default
