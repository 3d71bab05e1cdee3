"""Ranking metrics with one relevant document per query, on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from pipelines.evaluation.metrics import ndcg, rank_of, recall, reciprocal_rank, summarize


def test_rank_of() -> None:
    assert rank_of("b", ["a", "b", "c"]) == 2
    assert rank_of("a", ["a"]) == 1
    assert rank_of("z", ["a", "b"]) is None


def test_single_query_values() -> None:
    assert reciprocal_rank(1) == 1.0
    assert reciprocal_rank(4) == 0.25
    assert reciprocal_rank(10) == 0.1
    assert reciprocal_rank(11) == 0.0  # outside the cut-off
    assert reciprocal_rank(None) == 0.0
    assert ndcg(1) == 1.0
    assert ndcg(3) == pytest.approx(0.5)  # 1 / log2(4)
    assert ndcg(2) == pytest.approx(1 / math.log2(3))
    assert ndcg(11) == 0.0
    assert recall(100) == 1.0 and recall(101) == 0.0 and recall(None) == 0.0
    assert recall(7, k=5) == 0.0


def test_summary_over_queries() -> None:
    ranks = [1, 2, None, 11, 3]
    summary = summarize(ranks)
    assert summary["queries"] == 5
    # (1 + 1/2 + 0 + 0 + 1/3) / 5
    assert summary["mrr@10"] == pytest.approx((1 + 0.5 + 1 / 3) / 5)
    # (1 + 1/log2(3) + 0 + 0 + 1/log2(4)) / 5 = (1 + 0.630930 + 0.5) / 5
    assert summary["ndcg@10"] == pytest.approx(0.4261860, abs=1e-6)
    assert summary["recall@10"] == pytest.approx(3 / 5)
    assert summary["recall@100"] == pytest.approx(4 / 5)


def test_empty_summary_is_zero() -> None:
    assert summarize([]) == {"queries": 0, "mrr@10": 0.0, "ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
