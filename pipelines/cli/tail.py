"""``khabar tail TOPIC``: messages of a topic, for a person (key, partition/offset, headers, gist)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from kafka import OffsetAndMetadata, TopicPartition
from rich.console import Console

from pipelines.config import get_settings
from pipelines.kafka import events
from pipelines.kafka.clients import (
    H_CONTENT_TYPE,
    H_SCHEMA,
    H_SCHEMA_VERSION,
    H_SOURCE_ID,
    H_TRACE_ID,
    JSON_CONTENT_TYPE,
    headers_dict,
    make_consumer,
)

app = typer.Typer()
console = Console()


def gist(value: Any) -> str:
    """One line saying what a message is: an article's title, a page's URL, a dead letter's reason."""
    if not isinstance(value, dict):
        return repr(value)[:200]
    schema = value.get("schema", "")
    if schema.startswith("news.articles"):
        return f"{value.get('title', '')}  <{value.get('canonical_url', '')}>"
    if schema.startswith("news.pages"):
        size = value.get("body_size", 0)
        return f"{value.get('status')} {value.get('final_url', '')} ({size:,} B {value.get('charset') or ''})"
    if schema.startswith("news.dlq"):
        target = value.get("target_topic") or "-"
        return (
            f"{value.get('stage')}/{value.get('reason')}: {str(value.get('message', ''))[:150]} -> {target}"
        )
    return json.dumps(value, ensure_ascii=False)[:200]


def event_headers(headers: dict[str, str], key: str) -> str:
    """The CloudEvents headers, ``traceparent`` and any header khabar does not set, as ``name=value``
    pairs, leaving out what the first line already says (schema, source_id, trace_id, the key) and
    values that only repeat it (spec version 1.0, the schema's own dataschema, the default
    content-type)."""
    schema = headers.get(H_SCHEMA, "")
    implied = {
        H_SCHEMA: schema,
        H_SCHEMA_VERSION: headers.get(H_SCHEMA_VERSION),
        H_SOURCE_ID: headers.get(H_SOURCE_ID),
        H_TRACE_ID: headers.get(H_TRACE_ID),
        H_CONTENT_TYPE: JSON_CONTENT_TYPE,
        events.H_CE_SPECVERSION: events.SPEC_VERSION,
        events.H_CE_DATASCHEMA: f"{events.SCHEMA_ID_BASE}{schema}",
        events.H_CE_SUBJECT: key,
    }
    return " ".join(f"{name}={value}" for name, value in headers.items() if implied.get(name) != value)


@app.command()
def tail(
    topic: str = typer.Argument(..., help="Topic name, e.g. news.articles.v1 (or: articles, pages, dlq)."),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Start at the oldest message."),
    group: str = typer.Option(None, "--group", help="Read as this consumer group (and commit)."),
    limit: int = typer.Option(None, "--limit", help="Stop after N messages."),
) -> None:
    """Print messages as they arrive (or from the beginning): key, partition/offset, headers, title.

    The CloudEvents headers (ce_*) and traceparent get a line of their own."""
    settings = get_settings()
    topic = {
        "articles": settings.topic_articles,
        "pages": settings.topic_pages,
        "dlq": settings.topic_dlq,
    }.get(topic, topic)
    reset = "earliest" if from_beginning else "latest"
    consumer = make_consumer(settings, role="tail", group_id=group, auto_offset_reset=reset)
    try:
        if group:
            consumer.subscribe([topic])
        else:
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            if not partitions:
                console.print(f"[red]no topic {topic}[/red] (khabar topics create?)")
                raise typer.Exit(1)
            consumer.assign(partitions)
            if from_beginning:
                consumer.seek_to_beginning(*partitions)
            else:
                consumer.seek_to_end(*partitions)
        console.print(
            f"tailing {topic} ({'from the beginning' if from_beginning else 'new messages'}); Ctrl-C stops"
        )
        seen = 0
        printed: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        while limit is None or seen < limit:
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    if limit is not None and seen >= limit:
                        break
                    _print(record)
                    printed[tp] = record.offset + 1
                    seen += 1
            if group and printed:
                # Commit what was printed, not what was fetched: --limit may stop mid-batch.
                consumer.commit({tp: OffsetAndMetadata(off, "", -1) for tp, off in printed.items()})
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


def _print(record: Any) -> None:
    headers = headers_dict(record.headers)
    when = datetime.fromtimestamp(record.timestamp / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    key = (record.key or b"").decode("utf-8", errors="backslashreplace") or "-"
    try:
        value = json.loads(record.value) if record.value is not None else None
    except ValueError:
        value = record.value[:200]
    schema = f"{headers.get(H_SCHEMA, '?')}@{headers.get(H_SCHEMA_VERSION, '?')}"
    extra = " ".join(f"{k}={headers[k]}" for k in (H_SOURCE_ID, H_TRACE_ID) if k in headers)
    console.print(
        f"[bold]{record.partition}/{record.offset}[/bold] {when} key={key} {schema} {extra}",
        highlight=False,
    )
    event = event_headers(headers, key)
    if event:
        console.print(f"    {event}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"    {gist(value)}", highlight=False, markup=False)
