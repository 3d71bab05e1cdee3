"""A downstream consumer of khabar's news.articles.v1, with nothing but kafka-python.

    python examples/consumer.py --bootstrap 127.0.0.1:9092 --group my-team --limit 10
    python examples/consumer.py --group my-team --since 2026-11-29T06:00:00Z   # restart from a time

It reads as a consumer group (offsets committed after each message is handled), checks the
ce_type (CloudEvents) or schema header, ignores fields it does not know (a v1 reader accepts any
later v1 message), and prints each article. See docs/consuming.md.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition

SCHEMA = "news.articles.v1"


class SeekToTime(ConsumerRebalanceListener):
    """Restart each newly assigned partition at the first message at or after ``since``.

    The callback only notes the partitions (kafka-python runs it inside the group join, where
    blocking client calls are not allowed); :meth:`apply` does the lookup and seek after poll.
    """

    def __init__(self, consumer: KafkaConsumer, since: datetime) -> None:
        self.consumer = consumer
        self.since_ms = int(since.timestamp() * 1000)
        self.pending: set[TopicPartition] = set()
        self.done: set[TopicPartition] = set()

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        pass

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.pending |= {tp for tp in assigned if tp not in self.done}

    def apply(self) -> set[TopicPartition]:
        """Seek the pending partitions; returns them (records already fetched for them are stale)."""
        todo, self.pending = self.pending, set()
        if todo:
            found = self.consumer.offsets_for_times(dict.fromkeys(todo, self.since_ms))
            for tp in todo:
                if found.get(tp) is None:
                    self.consumer.seek_to_end(tp)  # nothing that recent yet
                else:
                    self.consumer.seek(tp, found[tp].offset)
            self.done |= todo
        return todo


def handle(record) -> None:
    headers = {k: v.decode("utf-8", "replace") for k, v in record.headers or []}
    # ce_type is "<schema>:<schema_version>" (CloudEvents); older records only have "schema".
    schema = headers.get("ce_type", headers.get("schema", "")).split(":")[0]
    if schema != SCHEMA:
        print(f"skipping {schema or 'an untyped record'} at {record.partition}/{record.offset}")
        return
    article = json.loads(record.value)
    # Read only the fields you need; a later v1 may add more, never remove or change these.
    print(
        f"[{record.partition}/{record.offset}] {article.get('published_at') or '-'} "
        f"{article['source_id']}: {article['title']}\n    {article['canonical_url']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topic", default=SCHEMA)
    parser.add_argument("--group", default="example-consumer")
    parser.add_argument("--since", type=datetime.fromisoformat, help="ISO time to (re)start from")
    parser.add_argument("--limit", type=int, default=None, help="stop after N articles")
    args = parser.parse_args()

    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,  # commit after handling: at-least-once
        auto_offset_reset="earliest",  # a new group starts at the oldest article
        max_partition_fetch_bytes=4 * 1024 * 1024,  # larger than the biggest message (2 MiB)
    )
    seeker = SeekToTime(consumer, args.since) if args.since else None
    consumer.subscribe([args.topic], listener=seeker)
    seen = 0
    try:
        while args.limit is None or seen < args.limit:
            handled: dict[TopicPartition, OffsetAndMetadata] = {}
            batch = consumer.poll(timeout_ms=1000)
            moved = seeker.apply() if seeker else set()
            for tp, records in batch.items():
                if tp in moved:
                    continue  # fetched before the seek: will be read again from the new position
                for record in records:
                    if args.limit is not None and seen >= args.limit:
                        break
                    handle(record)
                    handled[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
                    seen += 1
            if handled:
                consumer.commit(handled)  # what was handled, not merely fetched
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
