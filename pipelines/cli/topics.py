"""``khabar topics create|describe``: khabar's Kafka topics (pipelines.kafka.topics)."""

from __future__ import annotations

import typer
from kafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from pipelines.cli.failures import is_unreachable
from pipelines.config import get_settings
from pipelines.kafka.clients import make_admin
from pipelines.kafka.topics import compare, describe, ensure_topics, topic_specs

app = typer.Typer(help="Create and inspect khabar's Kafka topics.", no_args_is_help=True)
console = Console()


@app.command()
def create() -> None:
    """Create the missing topics; report (never change) existing ones whose settings differ.

    Exit code 0 when every topic exists as configured, 1 when one differs or could not be created.
    """
    settings = get_settings()
    try:
        reports = ensure_topics(settings)
    except KafkaError as exc:
        if is_unreachable(exc):
            raise  # one line from the CLI's failure handler
        console.print(f"[red]Kafka at {settings.kafka_bootstrap} failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    table = Table("topic", "result", "detail")
    for report in reports:
        if report.action == "drift":
            detail = "\n".join(
                f"{d.setting}: expected {d.expected}, actual {d.actual}" for d in report.drifts
            )
            table.add_row(report.name, "[yellow]differs (left unchanged)[/yellow]", detail)
        elif report.action == "failed":
            table.add_row(report.name, "[red]failed[/red]", report.error or "")
        else:
            table.add_row(report.name, report.action, "")
    console.print(table)
    if any(r.action in ("drift", "failed") for r in reports):
        console.print(
            "Topics that differ were not changed: alter them deliberately "
            "(kafka-configs.sh --alter) or fix the KHABAR_* settings."
        )
        raise typer.Exit(1)


@app.command("describe")
def describe_cmd() -> None:
    """Partitions, replication and retention of each topic, against what khabar expects."""
    settings = get_settings()
    specs = topic_specs(settings)
    admin = make_admin(settings, "topics")
    try:
        states = describe(admin, [s.name for s in specs], sorted({k for s in specs for k in s.configs}))
        offsets = _message_counts(
            settings, [s.name for s, st in zip(specs, states, strict=True) if st.exists]
        )
    finally:
        admin.close()
    table = Table("topic", "parts", "rf", "msgs", "retention", "vs expected")
    for spec, state in zip(specs, states, strict=True):
        if not state.exists:
            table.add_row(spec.name, "-", "-", "-", "", "[red]missing[/red]: khabar topics create")
            continue
        drifts = compare(spec, state)
        verdict = (
            "ok" if not drifts else "\n".join(f"[yellow]{d.setting}[/yellow] ≠ {d.expected}" for d in drifts)
        )
        table.add_row(
            spec.name,
            str(state.partitions),
            str(state.replication_factor),
            str(offsets.get(spec.name, "?")),
            _retention(state.configs),
            verdict,
        )
    console.print(table)
    for spec in specs:
        console.print(f"[bold]{spec.name}[/bold]: {spec.purpose}; key = {spec.key}", highlight=False)


def _retention(configs: dict[str, str]) -> str:
    policy = configs.get("cleanup.policy", "?")
    if "delete" not in policy:
        return policy
    ms = int(configs.get("retention.ms", "0") or 0)
    return f"{policy}, " + ("forever" if ms < 0 else f"{ms / 86_400_000:g} d")


def _message_counts(settings, topics: list[str]) -> dict[str, int]:
    """End minus beginning offset, summed over partitions (compaction and retention included)."""
    from kafka import TopicPartition

    from pipelines.kafka.clients import make_consumer

    consumer = make_consumer(settings, role="topics-describe")
    try:
        counts = {}
        for topic in topics:
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            begin, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
            counts[topic] = sum(end[tp] - begin[tp] for tp in parts)
        return counts
    finally:
        consumer.close()
