"""Deployment profiles: one Kafka and one Elasticsearch, or a cluster of three of each.

The profile (``Settings.profile``) decides the defaults that depend on how many copies of the data
there can be: the topics' replication factor and ``min.insync.replicas``, the index's replicas, the
heap of each local JVM. A setting given explicitly (``KHABAR_REPLICATION_FACTOR=2``) always wins;
0 / -1 / "" in a field mean "what the profile says". Clients never look at the profile: they read
the comma-separated ``kafka_bootstrap`` and ``es_url`` lists, so the same commands run on either.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config import Settings
from pipelines.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    #: local servers of each kind ``khabar stack up`` starts
    nodes: int
    replication_factor: int
    #: with acks=all a write needs this many copies: RF 3 / 2 survives one lost broker
    min_insync_replicas: int
    #: None: the template's ``auto_expand_replicas: 0-1``
    index_replicas: int | None
    es_heap: str
    kafka_heap: str


PROFILES = {
    "single": Profile("single", 1, 1, 1, None, es_heap="1g", kafka_heap="768m"),
    # Heaps measured to hold the failure tests (2,000 articles, three indexers) on a 2-core box.
    "cluster": Profile("cluster", 3, 3, 2, 1, es_heap="512m", kafka_heap="384m"),
}


def profile(settings: Settings) -> Profile:
    try:
        return PROFILES[settings.profile]
    except KeyError:
        raise ConfigError(
            f"KHABAR_PROFILE={settings.profile!r}: expected one of {', '.join(PROFILES)}"
        ) from None


def replication_factor(settings: Settings) -> int:
    return settings.replication_factor or profile(settings).replication_factor


def min_insync_replicas(settings: Settings) -> int:
    if settings.min_insync_replicas:
        return settings.min_insync_replicas
    # An explicit replication factor below the profile's must still be writable.
    return min(profile(settings).min_insync_replicas, replication_factor(settings))


def index_replicas(settings: Settings) -> int | None:
    return settings.index_replicas if settings.index_replicas >= 0 else profile(settings).index_replicas


def es_heap(settings: Settings) -> str:
    return settings.es_heap or profile(settings).es_heap


def kafka_heap(settings: Settings) -> str:
    return settings.kafka_heap or profile(settings).kafka_heap


def split_hosts(value: str) -> list[str]:
    """``"a:1, b:2,"`` -> ``["a:1", "b:2"]``: how bootstrap servers and ES hosts are listed."""
    return [part.strip() for part in value.split(",") if part.strip()]
