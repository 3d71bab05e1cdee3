"""Build the document frequencies ``data/docfreq_ar.tsv`` that keyword TF-IDF weighs words by.

Committed; rebuild with ``python -m pipelines.indexer.enrich.docfreq [--data-dir DIR]``. Source: the
ANT corpus v2.1 (31.5k Arabic news articles from five outlets, 2018; Apache-2.0, Chouigui et al.),
read from ``Settings.data_dir``. Only counts are shipped, never text.

A word is counted once per article, on its folded form (the same :func:`.keywords.tokens` the
extractor uses, proclitics kept: the extractor decides about them per article). Words seen in
fewer than ``MIN_DF`` articles are left out to keep the file small; the extractor treats a
missing word as rarer than any listed one, which is what it is.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from pipelines.config import Settings
from pipelines.evaluation.ant_corpus import ANT_V2, iter_ant_articles
from pipelines.indexer.enrich.keywords import DOCFREQ_FILE, tokens

MIN_DF = 20


def count(data_dir: Path) -> tuple[int, Counter[str]]:
    documents = 0
    df: Counter[str] = Counter()
    for article in iter_ant_articles(data_dir / ANT_V2):
        text = "\n".join(part for part in (article.title, article.lead, article.body_text) if part)
        df.update({folded for clause in tokens(text) for _, folded in clause})
        documents += 1
    return documents, df


def render(documents: int, df: Counter[str], min_df: int = MIN_DF) -> str:
    lines = [
        "# Arabic news document frequencies for keyword TF-IDF (pipelines/indexer/enrich/docfreq.py).",
        "# Counted on ANT corpus v2.1 (Chouigui et al., Apache-2.0): folded word <TAB> articles.",
        f"# documents\t{documents}",
        f"# min_df\t{min_df}",
    ]
    lines += [f"{w}\t{n}" for w, n in sorted(df.items()) if n >= min_df]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="default: KHABAR_DATA_DIR")
    parser.add_argument("--min-df", type=int, default=MIN_DF)
    parser.add_argument("--out", type=Path, default=DOCFREQ_FILE)
    args = parser.parse_args()
    documents, df = count(args.data_dir or Settings.from_env().data_dir)
    args.out.write_text(render(documents, df, args.min_df), encoding="utf-8")
    kept = sum(n >= args.min_df for n in df.values())
    print(f"{documents} articles, {len(df)} words, {kept} kept (df >= {args.min_df}) -> {args.out}")  # noqa: T201


if __name__ == "__main__":
    main()
