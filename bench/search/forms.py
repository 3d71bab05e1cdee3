"""Word-form recall on real news: does a place name find every clitic form of it?

Queries: the gazetteer's one-word place names most frequent in the indexed news (ANT corpus).
Truth for a name: every document with a word that is the name plus proclitics, on folded text
(``normalize_text``): ``سوريا`` -> سوريا, وسوريا, لسوريا, بسوريا, فسوريا, كسوريا, وبسوريا...;
``القاهرة`` -> القاهرة, والقاهرة, بالقاهرة, للقاهرة, وللقاهرة... Recall = found truth / truth;
precision = found truth / found (a stemmer also matches derived words such as ``مصري`` for
``مصر``, which count against precision here, for every analyzer alike).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from elasticsearch import Elasticsearch

from pipelines.indexer.enrich.places import default_gazetteer
from pipelines.normalize.arabic import normalize_text

_WORD = re.compile(r"[^\W\d_]+")


def _form_pattern(name: str) -> re.Pattern[str]:
    if name.startswith("ال"):
        stem = re.escape(name[2:])
        return re.compile(f"^(?:[وف]?[بك]?ال|[وف]?لل){stem}$")
    return re.compile(f"^[وف]?[بلك]?{re.escape(name)}$")


def build_truth(docs: list[str], *, top: int = 25) -> list[tuple[str, set[str]]]:
    """[(name, ids of the documents mentioning it in any clitic form)] for the ``top`` names."""
    names = sorted({key[0] for key in default_gazetteer().spellings() if len(key) == 1 and len(key[0]) >= 3})
    words_by_doc = [set(_WORD.findall(normalize_text(text))) for text in docs]
    vocabulary = Counter(word for words in words_by_doc for word in words)
    truth: list[tuple[str, set[str]]] = []
    for name in names:
        pattern = _form_pattern(name)
        forms = {word for word in vocabulary if pattern.match(word)}
        ids = {str(i) for i, words in enumerate(words_by_doc) if words & forms}
        if ids:
            truth.append((name, ids))
    truth.sort(key=lambda item: (-len(item[1]), item[0]))
    return truth[:top]


def evaluate_forms(
    es: Elasticsearch, index: str, truth: list[tuple[str, set[str]]], request_for: Any, how: str
) -> dict[str, float]:
    """Micro-averaged recall and precision over all names."""
    found_truth = found = relevant = 0
    for name, ids in truth:
        request = request_for(name, how)
        request.update(size=10000, _source=False)
        hits = {hit["_id"] for hit in es.search(index=index, **request).body["hits"]["hits"]}
        found_truth += len(hits & ids)
        found += len(hits)
        relevant += len(ids)
    return {
        "form_recall": found_truth / relevant if relevant else 0.0,
        "form_precision": found_truth / found if found else 0.0,
        "form_queries": len(truth),
        "form_relevant": relevant,
    }
