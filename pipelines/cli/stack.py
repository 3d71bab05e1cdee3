"""``khabar stack up|down|status``: the local Kafka and Elasticsearch (pipelines.stack)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from enum import StrEnum

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines import stack
from pipelines.config import Settings, get_settings
from pipelines.errors import StackError
from pipelines.profile import PROFILES
from pipelines.stack import kafka_security
from pipelines.stack.cluster import elastic_cluster, kafka_cluster

app = typer.Typer(
    help="Start, stop and inspect the local Kafka and Elasticsearch, and Airflow with --airflow (no Docker).",
    no_args_is_help=True,
)
console = Console(stderr=True)


Service = StrEnum("Service", {name: name for name in stack.SERVICES})


@contextlib.contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    """A progress callback: one line per step with its elapsed time (plain lines when not a terminal)."""
    last: list[str] = []
    if not console.is_terminal:

        def plain(message: str) -> None:
            if not last or last[-1] != message:
                last.append(message)
                console.print(f"... {message}", highlight=False)

        yield plain
        return
    columns = (
        SpinnerColumn(finished_text="[green]✓[/green]"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        tasks: list = []

        def update(message: str) -> None:
            if last and last[-1] == message:
                return
            if tasks:
                bar.update(tasks[-1], total=1, completed=1)
            last.append(message)
            tasks.append(bar.add_task(message, total=None))

        try:
            yield update
        finally:
            if tasks:
                bar.update(tasks[-1], total=1, completed=1)


class ProfileName(StrEnum):
    single = "single"
    cluster = "cluster"


def _names(only: list[Service] | None) -> list[str] | None:
    return [s.value for s in only] if only else None


def _settings(profile: ProfileName | None) -> Settings:
    settings = get_settings()
    return settings.with_overrides(profile=profile.value) if profile else settings


_PROFILE_HELP = (
    "single: one Kafka and one Elasticsearch; cluster: three of each (the first on the configured "
    "ports, node i on every port + i * KHABAR_CLUSTER_PORT_STRIDE). Default: KHABAR_PROFILE."
)


@app.command()
def up(
    only: list[Service] = typer.Option(None, "--only", help="Start only this service (repeatable)."),
    profile: ProfileName = typer.Option(None, "--profile", help=_PROFILE_HELP),
    airflow: bool = typer.Option(
        False,
        "--airflow",
        help="Also Airflow in production shape: PostgreSQL, Redis, API server, scheduler, DAG processor, "
        "triggerer and two Celery workers.",
    ),
) -> None:
    """Start the servers that are not running and wait until they answer."""
    settings = _settings(profile)
    try:
        with _steps() as progress:
            start = stack.up_airflow if airflow else stack.up
            results = start(_names(only), settings=settings, progress=progress)
    except StackError as exc:
        console.print(f"[red]stack up failed[/red]: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    kafka_started = any(r.name.startswith("kafka") and r.action == "started" for r in results)
    table = Table("service", "address", "state", "pid", "prepare", "start")
    words = {"started": "started", "running": "already running", "external": "served by another process"}
    for r in results:
        prepare, took = (
            (f"{r.prepare_seconds:.1f}s", f"{r.seconds:.1f}s") if r.action == "started" else ("-", "-")
        )
        table.add_row(r.name, r.address, words[r.action], str(r.pid or "-"), prepare, took)
    Console().print(table)
    if PROFILES[settings.profile].nodes > 1:
        found = stack.addresses(settings)
        console.print(
            f"clients: KHABAR_PROFILE={settings.profile} KHABAR_KAFKA_BOOTSTRAP={found['kafka']} "
            f"KHABAR_ES_URL={found['elasticsearch']}",
            highlight=False,
            soft_wrap=True,
        )
    if kafka_started:
        # A fresh broker's SASL_SSL listener refuses everyone until the users and ACLs exist.
        try:
            console.print(_secure_kafka(settings), highlight=False, soft_wrap=True)
        except StackError as exc:
            console.print(
                f"[yellow]Kafka users and ACLs not made[/yellow]: {exc}; retry with `khabar stack users`",
                highlight=False,
            )


def _secure_kafka(settings: Settings) -> str:
    """Make the SCRAM users and ACLs on the first broker; the line telling clients where to connect."""
    first = stack.services(["kafka"], settings)[0]
    if not first.healthy(timeout=2.0):
        raise StackError(
            f"no Kafka answers at {first.address}; start it with `khabar stack up`", reason="kafka_down"
        )
    kafka_security.ensure_users_and_acls(first)
    return (
        f"Kafka SASL_SSL: 127.0.0.1:{kafka_security.secure_port(settings)}, users "
        f"{' and '.join(kafka_security.ROLES)} (passwords in {kafka_security.users_file(settings)})"
    )


@app.command()
def users(profile: ProfileName = typer.Option(None, "--profile", help=_PROFILE_HELP)) -> None:
    """Create the Kafka SCRAM users and ACLs of the SASL_SSL listener on the running broker
    (``up`` does it when it starts Kafka; safe to repeat)."""
    console.print(_secure_kafka(_settings(profile)), highlight=False, soft_wrap=True)


@app.command()
def down(
    only: list[Service] = typer.Option(None, "--only", help="Stop only this service (repeatable)."),
) -> None:
    """Stop the servers `khabar stack up` started, of either profile (by pid file; never anything else)."""
    with _steps() as progress:
        stopped = stack.down(_names(only), progress=progress)
    for name, pid in stopped:
        console.print(f"{name}: " + (f"stopped pid {pid}" if pid else "was not started by khabar"))


@app.command()
def status(
    only: list[Service] = typer.Option(None, "--only", help="Show only this service (repeatable)."),
    profile: ProfileName = typer.Option(None, "--profile", help=_PROFILE_HELP),
) -> None:
    """What runs: pid (if khabar started it), address, health; in the cluster profile also the
    Kafka quorum, under-replicated partitions and Elasticsearch shard allocation. Exit 1 if a
    server is not healthy (or a cluster is red / short of replicas)."""
    settings = _settings(profile)
    rows = stack.status(_names(only), settings=settings)
    table = Table("service", "address", "healthy", "pid", "owner")
    for s in rows:
        healthy = "[green]yes[/green]" if s.healthy else "[red]no[/red]"
        table.add_row(s.name, s.address, healthy, str(s.pid or "-"), s.owner)
    out = Console()
    out.print(table)
    for s in rows:
        out.print(f"{s.name} log: {s.log_file}", highlight=False, soft_wrap=True)
    ok = all(s.healthy for s in rows)
    if PROFILES[settings.profile].nodes > 1:
        kinds = {s.kind for s in rows}
        clients = stack.cluster_settings(settings)
        if "kafka" in kinds:
            ok = _print_kafka(out, clients) and ok
        if "elasticsearch" in kinds:
            ok = _print_elastic(out, clients) and ok
    if not ok:
        raise typer.Exit(1)


def _print_kafka(out: Console, settings: Settings) -> bool:
    state = kafka_cluster(settings)
    if state.quorum is None:
        out.print(f"[red]Kafka cluster: no answer[/red] ({state.error})", highlight=False)
        return False
    q = state.quorum
    lagging = f", lagging: {q.lagging}" if q.lagging else ""
    out.print(
        f"Kafka: brokers {state.brokers}; controller quorum voters {q.voters}, "
        f"leader {q.leader_id} (epoch {q.leader_epoch}){lagging}",
        highlight=False,
    )
    under = state.under_replicated
    out.print(f"Kafka: {len(state.partitions)} partitions, {len(under)} under-replicated", highlight=False)
    for p in under[:20]:
        out.print(f"  {p.topic}-{p.partition}: replicas {p.replicas}, in sync {p.isr}", highlight=False)
    return not under and not state.error


def _print_elastic(out: Console, settings: Settings) -> bool:
    state = elastic_cluster(settings)
    if state.error:
        out.print(f"[red]Elasticsearch cluster: no answer[/red] ({state.error})", highlight=False)
        return False
    colour = {"green": "green", "yellow": "yellow"}.get(state.status, "red")
    out.print(
        f"Elasticsearch: [{colour}]{state.status}[/{colour}], {state.nodes} nodes, master {state.master}, "
        f"{state.unassigned} unassigned shards",
        highlight=False,
    )
    for node, counts in sorted(state.shards.items()):
        out.print(
            f"  {node}: {counts['primaries']} primaries, {counts['replicas']} replicas", highlight=False
        )
    return state.status != "red"
