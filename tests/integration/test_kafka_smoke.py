"""kafka-python against the real local broker: keyed messages keep their order per key."""

from __future__ import annotations

from collections import defaultdict

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

pytestmark = pytest.mark.integration

PARTITIONS = 3


def test_keyed_messages_keep_their_order_per_key(kafka_bootstrap: str, unique_topic: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(unique_topic, num_partitions=PARTITIONS, replication_factor=1)])
    finally:
        admin.close()

    keys = [f"article-{i}" for i in range(6)]
    sent = [(keys[n % len(keys)], f"update-{n}") for n in range(60)]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        futures = [producer.send(unique_topic, key=k.encode(), value=v.encode()) for k, v in sent]
        producer.flush()
        partition_of = {}
        for (key, _), future in zip(sent, futures, strict=True):
            meta = future.get(timeout=30)
            # One key always lands in one partition: that is what keeps its updates in order.
            assert partition_of.setdefault(key, meta.partition) == meta.partition
    finally:
        producer.close()
    assert len(set(partition_of.values())) > 1, "6 keys over 3 partitions should use more than one"

    consumer = KafkaConsumer(
        unique_topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{unique_topic}.group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=30_000,
    )
    received: dict[str, list[str]] = defaultdict(list)
    try:
        for count, message in enumerate(consumer, start=1):
            received[message.key.decode()].append(message.value.decode())
            if count == len(sent):
                break
    finally:
        consumer.close()

    expected: dict[str, list[str]] = defaultdict(list)
    for key, value in sent:
        expected[key].append(value)
    assert received == expected
