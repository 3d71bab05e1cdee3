"""setup_index against the real node: idempotent, and a live index older than the template's
analysis is reported with the way out (reindex) instead of a raw mapper error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from pipelines.config import Settings
from pipelines.indexer.template import (
    IndexNeedsReindexError,
    delete_alias_and_indices,
    first_index_name,
    load_template,
    setup_index,
)


@pytest.fixture
def settings(es: Elasticsearch) -> Iterator[Settings]:
    alias = f"khabar-test-setup-{uuid.uuid4().hex[:8]}"
    yield Settings.from_env().with_overrides(index_alias=alias)
    delete_alias_and_indices(es, alias)


def test_setup_is_idempotent(es: Elasticsearch, settings: Settings) -> None:
    first = setup_index(es, settings)
    second = setup_index(es, settings)
    assert first["index_created"] and not second["index_created"]
    assert second["template_status"] == "unchanged"
    live = es.indices.get_settings(index=first["index"]).body[first["index"]]["settings"]["index"]
    assert live["similarity"]["default"]["b"] == "1.0"
    assert "khabar_arabic_search" in live["analysis"]["analyzer"]


def test_index_built_before_the_search_analyzer_asks_for_a_reindex(
    es: Elasticsearch, settings: Settings
) -> None:
    # the live index of an older khabar (template version 2): no search analyzers, no .words
    template = load_template()["template"]
    analysis = dict(template["settings"]["analysis"])
    new_analyzers = {"khabar_arabic_search", "khabar_arabic_words", "khabar_arabic_words_search"}
    new_filters = {"khabar_name_aliases", "khabar_strip_article", "khabar_strip_clitics"}
    analysis["analyzer"] = {k: v for k, v in analysis["analyzer"].items() if k not in new_analyzers}
    analysis["filter"] = {k: v for k, v in analysis["filter"].items() if k not in new_filters}

    def older(spec: dict) -> dict:
        spec = {k: v for k, v in spec.items() if k != "search_analyzer"}
        if "fields" in spec:
            spec["fields"] = {k: v for k, v in spec["fields"].items() if k != "words"}
        return spec

    mappings = {
        **template["mappings"],
        "properties": {name: older(spec) for name, spec in template["mappings"]["properties"].items()},
    }
    old = first_index_name(settings.index_alias)
    es.indices.create(
        index=old,
        settings={"index": {"number_of_replicas": 0}, "analysis": analysis},
        mappings=mappings,
        aliases={settings.index_alias: {"is_write_index": True}},
    )
    with pytest.raises(IndexNeedsReindexError, match="khabar index reindex"):
        setup_index(es, settings)
