"""A batch of consumed records on its way to Elasticsearch, and the offsets it may commit."""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata

from pipelines.indexer.bulk import BulkDoc, BulkResult
from pipelines.indexer.consume import Prepared


@dataclass
class Batch:
    """Records in consumption order; documents to send and failures to dead-letter."""

    items: list[Prepared] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    bytes: int = 0
    docs: int = 0

    def add(self, item: Prepared) -> None:
        if not self.items:
            self.started = time.monotonic()
        self.items.append(item)
        if item.doc is not None:
            self.docs += 1
            self.bytes += item.doc.size

    def __len__(self) -> int:
        return len(self.items)

    @property
    def age(self) -> float:
        return time.monotonic() - self.started if self.items else 0.0

    def documents(self) -> list[BulkDoc]:
        return [item.doc for item in self.items if item.doc is not None]

    def offsets(self) -> dict[TopicPartition, OffsetAndMetadata]:
        """What to commit once every record is written or dead-lettered: the next offset per partition."""
        last: dict[TopicPartition, int] = {}
        for item in self.items:
            if item.offset >= last.get(item.tp, -1):
                last[item.tp] = item.offset
        return {tp: OffsetAndMetadata(offset + 1, "", -1) for tp, offset in last.items()}


def first_offsets(items: Iterable[Prepared]) -> dict[TopicPartition, int]:
    """The earliest offset per partition among ``items``: where to seek back to re-consume them."""
    first: dict[TopicPartition, int] = {}
    for item in items:
        if item.offset < first.get(item.tp, item.offset + 1):
            first[item.tp] = item.offset
    return first


@dataclass
class InFlight:
    """A batch whose ``_bulk`` request runs on the sender thread."""

    batch: Batch
    future: Future[BulkResult]


def marker(record: ConsumerRecord) -> Prepared:
    """A stand-in for a record that is dropped before being decoded (only its position matters)."""
    return Prepared(TopicPartition(record.topic, record.partition), record.offset)


def merge(first: Batch, second: Batch) -> Batch:
    merged = Batch()
    for item in first.items + second.items:
        merged.add(item)
    return merged
