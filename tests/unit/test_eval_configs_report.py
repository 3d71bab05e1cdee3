"""Configurations follow what khabar ships; the report's relative nDCG and table rows."""

from __future__ import annotations

import pytest

from pipelines.elastic.template import load_template
from pipelines.evaluation import configs, report
from pipelines.evaluation.runner import relative_ndcg


def test_khabar_config_is_the_shipped_template_and_query() -> None:
    body = configs.khabar_index()
    template = load_template()["template"]
    assert body["mappings"] == template["mappings"]
    assert body["settings"]["analysis"] == template["settings"]["analysis"]
    assert body["settings"]["index"]["number_of_replicas"] == 0
    assert "auto_expand_replicas" not in body["settings"]["index"]
    request = configs.khabar_request("سوريا لافروف", 100)
    assert request["size"] == 100 and request["_source"] is False
    assert not {"aggs", "highlight", "sort", "track_total_hits"} & set(request)


def test_peers_use_a_plain_multi_match() -> None:
    request = configs.multi_match_request("سوريا", 100)
    assert request["query"] == {"multi_match": {"query": "سوريا", "fields": ["title", "body"]}}
    for name, analyzer in (("standard", "standard"), ("arabic", "arabic")):
        mappings = configs.CONFIGS[name].index_body()["mappings"]
        assert {mappings["properties"][f]["analyzer"] for f in ("title", "lead", "body")} == {analyzer}


def test_select() -> None:
    assert [c.name for c in configs.select(None)] == ["standard", "arabic", "khabar"]
    assert [c.name for c in configs.select(["khabar", "arabic", "khabar"])] == ["khabar", "arabic"]
    assert [c.name for c in configs.select(["khabar-analysis"])] == ["khabar-analysis"]
    with pytest.raises(KeyError, match="unknown configuration"):
        configs.select(["nope"])


def _metrics(ndcg: float) -> dict[str, float | int]:
    return {"queries": 2, "mrr@10": ndcg, "ndcg@10": ndcg, "recall@10": 1.0, "recall@100": 1.0}


def test_relative_ndcg_and_rows() -> None:
    results = [
        {"name": "arabic", "tasks": {"known_item:exact": _metrics(0.5), "qa": _metrics(0.0)}},
        {"name": "khabar", "tasks": {"known_item:exact": _metrics(0.6), "qa": _metrics(0.3)}},
    ]
    relative = relative_ndcg(results, "arabic")
    assert relative["khabar"]["known_item:exact"] == pytest.approx(0.2)
    assert relative["khabar"]["qa"] is None  # the baseline scored 0
    assert relative_ndcg(results, "standard")["khabar"]["qa"] is None  # baseline not run
    full = {
        "tasks": ["known_item:exact", "qa"],
        "configs": results,
        "baseline": "arabic",
        "relative_ndcg@10": relative,
    }
    assert report.rows(full) == [
        ["exact", "arabic", "2", "0.500", "0.500", "1.000", "1.000", ""],
        ["exact", "khabar", "2", "0.600", "0.600", "1.000", "1.000", "+20.0%"],
        ["qa", "arabic", "2", "0.000", "0.000", "1.000", "1.000", ""],
        ["qa", "khabar", "2", "0.300", "0.300", "1.000", "1.000", ""],
    ]
