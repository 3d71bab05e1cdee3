"""Question -> paragraph retrieval from any SQuAD-format file (``data[].paragraphs[].qas[]``).

Every distinct paragraph becomes a document (title = the SQuAD article's title, body = the
paragraph); every question is a query whose one relevant document is its paragraph. Questions are
cleaned as crowd-written ARCD questions need: a leading list marker (`` - ``) is dropped and
whitespace collapsed. Entries without a paragraph text or a question are counted and skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.evaluation.documents import Doc

_LIST_MARKER = re.compile(r"^\s*-\s*")


@dataclass(frozen=True)
class Question:
    text: str
    doc_id: str
    qid: str = ""


@dataclass
class QaSet:
    docs: list[Doc] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    skipped_paragraphs: int = 0
    skipped_questions: int = 0


def clean_question(text: str) -> str:
    return " ".join(_LIST_MARKER.sub("", text or "").split())


def parse_squad(data: dict[str, Any], *, id_prefix: str = "qa-") -> QaSet:
    """Documents and questions of a parsed SQuAD file; a paragraph repeated under two articles is
    one document."""
    out = QaSet()
    by_text: dict[str, str] = {}
    for article in data.get("data") or []:
        if not isinstance(article, dict):
            out.skipped_paragraphs += 1
            continue
        title = " ".join(str(article.get("title") or "").replace("_", " ").split())
        for para in article.get("paragraphs") or []:
            context = " ".join(str(para.get("context") or "").split()) if isinstance(para, dict) else ""
            if not context:
                out.skipped_paragraphs += 1
                continue
            doc_id = by_text.get(context)
            if doc_id is None:
                doc_id = by_text[context] = f"{id_prefix}{len(out.docs)}"
                out.docs.append(Doc(doc_id=doc_id, title=title, lead="", body=context))
            for qa in para.get("qas") or []:
                text = clean_question(qa.get("question", "")) if isinstance(qa, dict) else ""
                if not text:
                    out.skipped_questions += 1
                    continue
                out.questions.append(Question(text=text, doc_id=doc_id, qid=str(qa.get("id", ""))))
    return out


def load_squad(path: Path, *, id_prefix: str = "qa-") -> QaSet:
    """Read ``path`` (UTF-8 JSON). Raises ``OSError``/``ValueError`` if it is not a SQuAD file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"{path}: not SQuAD format (no top-level 'data' list)")
    return parse_squad(data, id_prefix=id_prefix)
