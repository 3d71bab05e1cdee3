"""khabar's topics and their settings: created when missing, compared when present, never altered.

``ensure_topics`` is safe to run any number of times: a topic that exists with the expected
partitions, replication factor and configs is left alone; one that differs is REPORTED (which
setting, expected vs actual) and left unchanged, because changing retention or cleanup policy
under running consumers is an operator's decision (``kafka-configs --alter``), not a side effect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError

from pipelines.config import Settings
from pipelines.kafka.clients import make_admin
from pipelines.profile import min_insync_replicas, replication_factor

log = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicShape:
    """A topic's name, size and configs: what a spec asks for and what the cluster has."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]


@dataclass(frozen=True)
class TopicSpec(TopicShape):
    """What one topic should look like."""

    key: str  # what the message key is (for people and docs)
    purpose: str


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The four khabar topics, sized and retained from settings."""
    rf = replication_factor(settings)
    common = {
        "compression.type": "zstd",  # broker keeps zstd batches from our producers as they are
        "max.message.bytes": str(settings.kafka_max_message_bytes),
        # With 3 replicas (cluster profile) acks=all then means 2 copies; a single broker needs 1.
        "min.insync.replicas": str(min_insync_replicas(settings)),
    }
    return [
        TopicSpec(
            settings.topic_articles,
            settings.articles_partitions,
            rf,
            # Kept forever: the topic is the replayable record the index is rebuilt from.
            common | {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"},
            key="article_id",
            purpose="normalized articles (news.articles.v1)",
        ),
        TopicSpec(
            settings.topic_pages,
            settings.articles_partitions,
            rf,
            # Compacted by page_id: the latest fetch of every URL stays, enough to re-extract
            # every article without fetching again; older fetches of the same URL are cleaned.
            common | {"cleanup.policy": "compact", "min.compaction.lag.ms": str(DAY_MS)},
            key="page_id (hash of the URL)",
            purpose="raw fetched pages (news.pages.v1)",
        ),
        TopicSpec(
            settings.topic_dlq,
            1,  # low volume; one partition keeps failures in the order they happened
            rf,
            common | {"cleanup.policy": "delete", "retention.ms": str(365 * DAY_MS)},
            key="article_id (or dead_letter_id)",
            purpose="dead letters (news.dlq.v1)",
        ),
        TopicSpec(
            settings.topic_enriched,
            settings.articles_partitions,
            rf,
            # Derived from news.articles.v1 by the indexer: can be regenerated, so it expires.
            common | {"cleanup.policy": "delete", "retention.ms": str(30 * DAY_MS)},
            key="article_id",
            purpose="articles with enrichment fields (indexer output)",
        ),
    ]


@dataclass(frozen=True)
class Drift:
    topic: str
    setting: str
    expected: str
    actual: str


@dataclass
class TopicReport:
    name: str
    action: Literal["created", "exists", "drift", "failed"]
    drifts: list[Drift] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class TopicState(TopicShape):
    """A topic as the cluster describes it."""

    exists: bool = True


def describe(
    admin: KafkaAdminClient, names: list[str], config_keys: list[str] | None = None
) -> list[TopicState]:
    """Partitions, replication factor and configs (``config_keys`` or all) of existing topics."""
    existing = set(admin.list_topics())
    states = []
    present = [n for n in names if n in existing]
    metadata = {t["name"]: t for t in admin.describe_topics(present)} if present else {}
    for name in names:
        if name not in existing:
            states.append(TopicState(name, 0, 0, {}, exists=False))
            continue
        parts = metadata[name]["partitions"]
        rf = min((len(p["replica_nodes"]) for p in parts), default=0)
        resource = ConfigResource(ConfigResourceType.TOPIC, name, config_keys)
        raw = admin.describe_configs([resource], config_filter="all")["topic"][name]
        configs = {k: str(v["value"]) for k, v in raw.items()}
        states.append(TopicState(name, len(parts), rf, configs))
    return states


def compare(spec: TopicSpec, state: TopicState) -> list[Drift]:
    """Every setting of ``state`` that differs from ``spec``."""
    drifts = []
    if state.partitions != spec.partitions:
        drifts.append(Drift(spec.name, "partitions", str(spec.partitions), str(state.partitions)))
    if state.replication_factor != spec.replication_factor:
        drifts.append(
            Drift(
                spec.name, "replication_factor", str(spec.replication_factor), str(state.replication_factor)
            )
        )
    for key, expected in spec.configs.items():
        actual = state.configs.get(key, "<unset>")
        if _normalize(key, actual) != _normalize(key, expected):
            drifts.append(Drift(spec.name, key, expected, actual))
    return drifts


def _normalize(key: str, value: str) -> Any:
    if key == "cleanup.policy":  # a list: "compact,delete" == "delete,compact"
        return frozenset(p.strip() for p in value.split(",") if p.strip())
    return value.strip()


def ensure_topics(
    settings: Settings, specs: list[TopicSpec] | None = None, *, admin: KafkaAdminClient | None = None
) -> list[TopicReport]:
    """Create the missing topics, compare the existing ones; never alters an existing topic."""
    specs = specs if specs is not None else topic_specs(settings)
    own = admin is None
    admin = admin or make_admin(settings, "topics")
    try:
        return [_ensure_one(admin, spec) for spec in specs]
    finally:
        if own:
            admin.close()


def _ensure_one(admin: KafkaAdminClient, spec: TopicSpec) -> TopicReport:
    request = {
        spec.name: {
            "num_partitions": spec.partitions,
            "replication_factor": spec.replication_factor,
            "configs": dict(spec.configs),
        }
    }
    try:
        admin.create_topics(request, raise_errors=True, wait_for_metadata=True)
        log.info("topic created", extra={"topic": spec.name, "partitions": spec.partitions})
        return TopicReport(spec.name, "created")
    except TopicAlreadyExistsError:
        pass
    except Exception as exc:  # a broker refusal (bad config, too many replicas): reported, not fatal
        log.error("topic creation failed", extra={"topic": spec.name, "error": str(exc)})
        return TopicReport(spec.name, "failed", error=f"{type(exc).__name__}: {exc}")
    (state,) = describe(admin, [spec.name], list(spec.configs))
    drifts = compare(spec, state)
    if drifts:
        for d in drifts:
            log.warning(
                "topic setting differs",
                extra={"topic": d.topic, "setting": d.setting, "expected": d.expected, "actual": d.actual},
            )
        return TopicReport(spec.name, "drift", drifts)
    return TopicReport(spec.name, "exists")
