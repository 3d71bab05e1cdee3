"""The Kibana saved objects point at fields the index template really has."""

from __future__ import annotations

import json

from pipelines.config import PROJECT_ROOT
from pipelines.indexer.template import DEFAULT_ALIAS, load_template

NDJSON = PROJECT_ROOT / "infra" / "kibana" / "khabar-saved-objects.ndjson"


def test_data_view_and_saved_search_match_the_template() -> None:
    objects = [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines() if line]
    by_id = {o["id"]: o for o in objects}
    properties = load_template()["template"]["mappings"]["properties"]

    view = next(o for o in objects if o["type"] == "index-pattern")
    assert view["attributes"]["title"] == DEFAULT_ALIAS
    assert properties[view["attributes"]["timeFieldName"]]["type"] == "date"

    search = next(o for o in objects if o["type"] == "search")
    assert set(search["attributes"]["columns"]) <= set(properties)
    assert all(ref["id"] in by_id for ref in search["references"])
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["indexRefName"] == search["references"][0]["name"]
