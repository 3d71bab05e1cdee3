"""Related stories: for each hit, the other outlets' copies of the same story (same near-duplicate
``cluster_id``, set by the indexer's :mod:`pipelines.indexer.enrich.dedup`), in one terms query."""

from __future__ import annotations

from collections.abc import Sequence

from elasticsearch import Elasticsearch
from pydantic import BaseModel

from pipelines.search.query import Hit, bounded, server_timeout

#: Other copies listed per hit.
SAME_STORY_PER_HIT = 5
_FIELDS = ["article_id", "title", "url", "source_id", "published_at", "cluster_id"]


class Related(BaseModel):
    """Another outlet's copy of the same story (same near-duplicate ``cluster_id``)."""

    article_id: str
    title: str
    url: str
    source_id: str
    published_at: str | None = None


def same_story(
    es: Elasticsearch, index: str, hits: Sequence[Hit], *, timeout: float | None = None
) -> dict[str, list[Related]]:
    """article_id -> the other articles of its cluster, oldest first (at most SAME_STORY_PER_HIT)."""
    clusters = {h.cluster_id for h in hits if h.cluster_id}
    if not clusters:
        return {}
    response = bounded(es, timeout).search(
        index=index,
        query={"bool": {"filter": [{"terms": {"cluster_id": sorted(clusters)}}]}},
        size=min(100, len(clusters) * (SAME_STORY_PER_HIT + 1)),
        sort=[{"published_at": {"order": "asc", "missing": "_last"}}],
        source=_FIELDS,
        **({"timeout": server_timeout(timeout)} if timeout is not None else {}),
    )
    members: dict[str, list[dict]] = {}
    for raw in response["hits"]["hits"]:
        src = raw["_source"]
        members.setdefault(src.get("cluster_id", ""), []).append(src)
    out: dict[str, list[Related]] = {}
    for hit in hits:
        others = [m for m in members.get(hit.cluster_id or "", []) if m.get("article_id") != hit.article_id]
        if others:
            out[hit.article_id] = [
                Related(
                    article_id=m["article_id"],
                    title=m.get("title", ""),
                    url=m.get("url", ""),
                    source_id=m.get("source_id", ""),
                    published_at=m.get("published_at"),
                )
                for m in others[:SAME_STORY_PER_HIT]
            ]
    return out
