"""Ranking metrics for tasks with exactly one relevant document per query.

A query's outcome is the 1-based rank of its relevant document in the returned list, or ``None``
when it was not returned. With one relevant document:

- reciprocal rank@k = 1/rank if rank <= k else 0 (MRR@k is its mean);
- nDCG@k = 1/log2(rank + 1) if rank <= k else 0 (the ideal DCG is 1/log2(2) = 1);
- recall@k = 1 if rank <= k else 0.

Every metric is averaged over all queries, missed ones counting 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Rank = int | None


def rank_of(relevant: str, returned: Sequence[str]) -> Rank:
    """1-based position of ``relevant`` in ``returned``, or None."""
    try:
        return returned.index(relevant) + 1
    except ValueError:
        return None


def reciprocal_rank(rank: Rank, k: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def ndcg(rank: Rank, k: int = 10) -> float:
    return 1.0 / math.log2(rank + 1) if rank is not None and rank <= k else 0.0


def recall(rank: Rank, k: int = 100) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def summarize(ranks: Sequence[Rank]) -> dict[str, float | int]:
    """MRR@10, nDCG@10, recall@10 and recall@100 over ``ranks`` (0.0 for an empty list)."""
    n = len(ranks)

    def mean(values: list[float]) -> float:
        return sum(values) / n if n else 0.0

    return {
        "queries": n,
        "mrr@10": mean([reciprocal_rank(r, 10) for r in ranks]),
        "ndcg@10": mean([ndcg(r, 10) for r in ranks]),
        "recall@10": mean([recall(r, 10) for r in ranks]),
        "recall@100": mean([recall(r, 100) for r in ranks]),
    }
