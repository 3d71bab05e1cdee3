"""What ``khabar index status`` shows: documents per index behind the alias, the group's lag per
partition, and the metrics of an indexer running on this machine."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import alias_indices
from pipelines.indexer.consume import partition_lag, topic_partitions
from pipelines.indexer.metrics import scrape
from pipelines.kafka.clients import make_consumer


def index_counts(es: Elasticsearch, alias: str) -> list[dict[str, Any]]:
    rows = []
    for index, is_write in sorted(alias_indices(es, alias).items()):
        rows.append({"index": index, "write": is_write, "docs": int(es.count(index=index)["count"])})
    return rows


def group_lag(settings: Settings, group: str, topic: str) -> list[dict[str, Any]]:
    """Committed offset, end offset and lag of ``group`` per partition of ``topic`` (without joining it)."""
    consumer = make_consumer(settings, role="index-status", group_id=group)
    try:
        partitions = topic_partitions(consumer, topic)
        lag = partition_lag(consumer, partitions)
        ends = consumer.end_offsets(partitions)
        return [
            {"partition": tp.partition, "committed": consumer.committed(tp), "end": ends[tp], "lag": lag[tp]}
            for tp in partitions
        ]
    finally:
        consumer.close(autocommit=False)


def collect_status(settings: Settings, *, group: str) -> dict[str, Any]:
    es = es_client(settings)
    partitions = group_lag(settings, group, settings.topic_articles)
    return {
        "alias": settings.index_alias,
        "indices": index_counts(es, settings.index_alias),
        "documents": sum(row["docs"] for row in index_counts(es, settings.index_alias)),
        "group": group,
        "topic": settings.topic_articles,
        "partitions": partitions,
        "lag": sum(row["lag"] for row in partitions),
        "metrics": scrape(settings.metrics_port),
    }
