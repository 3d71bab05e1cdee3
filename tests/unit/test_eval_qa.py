"""SQuAD-format loading for the question -> paragraph task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.evaluation.qa import clean_question, load_squad

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "tiny-squad.json"


def test_paragraphs_become_documents_and_questions_point_at_them() -> None:
    qa = load_squad(FIXTURE)
    # the Nile paragraph appears under two articles: one document
    assert [d.doc_id for d in qa.docs] == ["qa-0", "qa-1"]
    nile, petra = qa.docs
    assert nile.title == "نهر النيل"  # SQuAD titles use "_" for spaces
    assert nile.body.startswith("نهر النيل أطول") and nile.lead == ""
    assert petra.title == "البتراء"
    relevant = {q.qid: q.doc_id for q in qa.questions}
    assert relevant == {"q1": "qa-0", "q2": "qa-0", "q5": "qa-1", "q6": "qa-0"}


def test_questions_are_cleaned_and_bad_entries_counted() -> None:
    qa = load_squad(FIXTURE)
    assert qa.questions[0].text == "ما هو أطول نهر في العالم؟"
    assert qa.skipped_questions == 1  # the blank question
    assert qa.skipped_paragraphs == 1  # the paragraph without text (its question goes with it)


def test_clean_question() -> None:
    assert clean_question(" - متى ولد   جمال؟ ") == "متى ولد جمال؟"
    assert clean_question("-بدون مسافة") == "بدون مسافة"
    assert clean_question("سؤال - فيه شرطة") == "سؤال - فيه شرطة"


def test_a_file_that_is_not_squad_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([1, 2, 3]), encoding="utf-8")
    with pytest.raises(ValueError, match="SQuAD"):
        load_squad(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError):
        load_squad(broken)
