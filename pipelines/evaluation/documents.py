"""What every evaluation index holds: documents with ``title``, ``lead`` and ``body``."""

from __future__ import annotations

import lzma
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.evaluation.ant_corpus import AntStats, iter_ant_articles


@dataclass(frozen=True)
class Doc:
    doc_id: str
    title: str
    lead: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.lead}\n{self.body}"

    def source(self) -> dict[str, str]:
        """The indexed fields (``article_id`` too: khabar's template maps it, the peers ignore it)."""
        return {"article_id": self.doc_id, "title": self.title, "lead": self.lead, "body": self.body}


@dataclass
class CorpusStats:
    """Per archive: what :mod:`pipelines.evaluation.ant_corpus` met, plus archives that could not be read."""

    archives: dict[str, dict[str, int]] = field(default_factory=dict)
    failed_archives: dict[str, str] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def articles(self) -> int:
        return sum(a["articles"] for a in self.archives.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "articles": self.articles,
            "archives": self.archives,
            "failed_archives": self.failed_archives,
            "skipped_examples": self.examples,
        }


def iter_corpus_docs(
    archives: list[Path], *, limit: int | None = None, stats: CorpusStats | None = None
) -> Iterator[Doc]:
    """ANT articles from ``archives`` in order, at most ``limit`` in all. A missing or broken
    archive is recorded in ``stats.failed_archives`` and skipped; broken files inside an archive
    are counted by :func:`~pipelines.evaluation.ant_corpus.iter_ant_articles` and skipped."""
    stats = stats if stats is not None else CorpusStats()
    total = 0
    for archive in archives:
        if limit is not None and total >= limit:
            return
        ant = AntStats()
        try:
            for article in iter_ant_articles(
                archive, limit=None if limit is None else limit - total, stats=ant
            ):
                total += 1
                yield Doc(article.article_id, article.title, article.lead, article.body_text)
        except (OSError, EOFError, ValueError, tarfile.TarError, lzma.LZMAError) as exc:
            stats.failed_archives[archive.name] = f"{type(exc).__name__}: {exc}"[:300]
        stats.archives[archive.name] = {
            "files": ant.files,
            "articles": ant.articles,
            "repaired": ant.repaired,
            "duplicates": ant.duplicates,
            "skipped": ant.skipped,
        }
        stats.examples.extend(ant.skipped_examples[: max(0, 5 - len(stats.examples))])
