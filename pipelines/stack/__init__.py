"""The local Kafka and Elasticsearch, real servers started without Docker (``khabar stack``).

``up`` starts what is not running yet and waits until each answers real requests; ``down`` stops
exactly the processes ``up`` started (by pid file); ``status`` says what runs. A server that some
other program already serves healthily on the configured port is used as is and never stopped.

``Settings.profile`` says how many: "single" (one Kafka, one Elasticsearch) or "cluster" (three of
each, see :mod:`pipelines.profile`); ``up`` also starts a cluster node that died, and ``down`` stops
the servers of either profile that khabar started under this home.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pipelines.config import Settings, get_settings
from pipelines.errors import StackError
from pipelines.profile import PROFILES, profile
from pipelines.stack import process
from pipelines.stack.airflow import AIRFLOW_SERVICES, BACKING, PROCESSES
from pipelines.stack.elastic import ElasticService
from pipelines.stack.kafka import KafkaService
from pipelines.stack.paths import lock_file
from pipelines.stack.service import LocalService, Progress

SERVICES: dict[str, type[LocalService]] = {
    "kafka": KafkaService,
    "elasticsearch": ElasticService,
    **AIRFLOW_SERVICES,
}
#: What ``up`` starts when no names are given; ``up --airflow`` adds :data:`AIRFLOW_SERVICES`.
DEFAULT_SERVICES = ("kafka", "elasticsearch")

__all__ = [
    "DEFAULT_SERVICES",
    "SERVICES",
    "LocalService",
    "ServiceStatus",
    "StartResult",
    "addresses",
    "cluster_settings",
    "down",
    "ensure_up",
    "services",
    "status",
    "up",
    "up_airflow",
]


@dataclass(frozen=True)
class StartResult:
    name: str
    address: str
    #: "started" (by this call), "running" (ours, already up) or "external" (another program serves it)
    action: str
    #: from spawn to healthy (0 unless started by this call)
    seconds: float
    pid: int | None = None
    #: resolving jars, building, formatting storage before the spawn
    prepare_seconds: float = 0.0


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    kind: str
    address: str
    port: int
    pid: int | None  # set when khabar's pid file points at a live process of ours
    healthy: bool
    log_file: str

    @property
    def owner(self) -> str:
        if self.pid is not None:
            return "khabar"
        return "external" if self.healthy else "-"


def _nodes(settings: Settings, nodes: int) -> list[LocalService]:
    return [
        cls(settings, node, nodes)
        for cls in SERVICES.values()
        for node in range(nodes if cls.clustered else 1)
    ]


def services(
    names: Iterable[str] | None = None, settings: Settings | None = None, *, nodes: int | None = None
) -> list[LocalService]:
    """The servers of the profile (or of ``nodes`` per kind); ``names`` are kinds ("kafka") or
    servers ("kafka-2")."""
    settings = settings or get_settings()
    every = _nodes(settings, profile(settings).nodes if nodes is None else nodes)
    wanted = list(names) if names else list(DEFAULT_SERVICES)
    known = set(SERVICES) | {svc.name for svc in every}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise StackError(f"unknown service(s) {unknown}; known: {sorted(known)}", reason="unknown_service")
    return [svc for svc in every if svc.kind in wanted or svc.name in wanted]


def addresses(settings: Settings | None = None) -> dict[str, str]:
    """kind -> what clients are given: comma-separated bootstrap servers / Elasticsearch URLs."""
    out: dict[str, list[str]] = {}
    for svc in services(settings=settings):
        out.setdefault(svc.kind, []).append(svc.address)
    return {kind: ",".join(found) for kind, found in out.items()}


def cluster_settings(settings: Settings) -> Settings:
    """``settings`` with the clients pointed at every server of the profile."""
    found = addresses(settings)
    return settings.with_overrides(kafka_bootstrap=found["kafka"], es_url=found["elasticsearch"])


@contextlib.contextmanager
def _locked(settings: Settings, progress: Progress) -> Iterator[None]:
    # Several test sessions or terminals may run `up` at once; one starts, the others then see it.
    path = lock_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("waiting for another `khabar stack` command to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _quiet(_: str) -> None:
    pass


@dataclass
class _Launch:
    """One service's way through ``up``."""

    svc: LocalService
    action: str  # "start", then "started"; or "running" / "external"
    record: process.PidRecord | None = None
    prepare_seconds: float = 0.0
    began: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    done: bool = False


def _classify(svc: LocalService) -> _Launch:
    """Does ``svc`` run already (ours or someone else's), or may we start it on free ports?"""
    record = process.alive_from_pid_file(svc.paths.pid_file)
    if record is not None:
        return _Launch(svc, "running", record)
    if svc.healthy(timeout=2.0):
        return _Launch(svc, "external", done=True)
    busy = [p for p in svc.ports if process.port_open(svc.host, p)]
    if busy:
        raise StackError(
            f"cannot start {svc.name}: port(s) {busy} on {svc.host} are taken by a process that is not a "
            f"healthy {svc.name} started by khabar. Stop it, or choose other ports "
            f"({', '.join(svc.port_settings)}).",
            reason="port_conflict",
        )
    return _Launch(svc, "start")


def _check_started(launch: _Launch) -> None:
    """Raise if the process died or the start timed out; mark it done once healthy."""
    svc, record = launch.svc, launch.record
    if svc.healthy(timeout=2.0):
        launch.done, launch.seconds = True, time.monotonic() - launch.began
        return
    if record is not None and not process.is_alive(record):
        raise StackError(
            f"exited (status {process.exit_code(record)}) while starting; "
            f"last lines of {svc.paths.console_log}:\n{process.tail(svc.paths.console_log)}\n"
            f"(see also {svc.log_file})",
            reason="start_failed",
        )
    if time.monotonic() - launch.began > svc.start_timeout:
        raise StackError(
            f"not healthy on {svc.address} after {svc.start_timeout:.0f}s; "
            f"last lines of {svc.log_file}:\n{process.tail(svc.log_file)}",
            reason="start_timeout",
        )


def up(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[StartResult]:
    """Start the services that are not up and wait until every one is healthy.

    Jars are resolved/built first, then every JVM is spawned and all are waited for together
    (they warm up in parallel). Each service is independent: if one fails, the others still
    come up, then a :class:`StackError` names every failure.
    """
    settings = settings or get_settings()
    todo = services(names, settings)
    errors: list[str] = []
    launches: list[_Launch] = []
    with _locked(settings, progress):
        for svc in todo:
            try:
                launch = _classify(svc)
                if launch.action == "start":
                    t0 = time.monotonic()
                    svc.prepare(progress)
                    launch.prepare_seconds = time.monotonic() - t0
                launches.append(launch)
            except StackError as exc:
                errors.append(f"{svc.name}: {exc}")
        for launch in launches:
            if launch.action == "start":
                svc = launch.svc
                progress(f"starting {svc.name}")
                launch.record = process.spawn(
                    svc.command(),
                    pid_file=svc.paths.pid_file,
                    log_file=svc.paths.console_log,
                    marker=svc.marker,
                    env=svc.environment(),
                )
                launch.action, launch.began = "started", time.monotonic()
            else:
                launch.began = time.monotonic()
        pending = [launch for launch in launches if not launch.done]
        while pending:
            progress("waiting for " + ", ".join(f"{x.svc.name} ({x.svc.address})" for x in pending))
            for launch in list(pending):
                try:
                    _check_started(launch)
                except StackError as exc:
                    pending.remove(launch)
                    launches.remove(launch)
                    if launch.action == "started":  # never leave a half-started server behind
                        process.stop(launch.svc.paths.pid_file, timeout=launch.svc.stop_timeout)
                    errors.append(f"{launch.svc.name}: {exc}")
                    continue
                if launch.done:
                    pending.remove(launch)
            if pending:
                time.sleep(0.5)
    results = [
        StartResult(
            name=x.svc.name,
            address=x.svc.address,
            action=x.action,
            seconds=x.seconds,
            pid=x.record.pid if x.record else None,
            prepare_seconds=x.prepare_seconds,
        )
        for x in launches
    ]
    if errors:
        up_now = ", ".join(f"{r.name} ({r.action})" for r in results) or "nothing"
        raise StackError("\n".join(errors) + f"\nUp: {up_now}.", reason="stack_failed")
    return results


def up_airflow(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[StartResult]:
    """``up`` of ``names`` (default: Kafka and Elasticsearch) plus Airflow in production shape:
    PostgreSQL and Redis first (Airflow's processes need them to start), then Airflow's processes."""
    settings = settings or get_settings()
    first = list(dict.fromkeys([*(names or DEFAULT_SERVICES), *BACKING]))
    return up(first, settings=settings, progress=progress) + up(
        PROCESSES, settings=settings, progress=progress
    )


def ensure_up(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[str]:
    """``up`` for code and tests: returns the names of the services this call started itself."""
    return [r.name for r in up(names, settings=settings, progress=progress) if r.action == "started"]


def down(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[tuple[str, int | None]]:
    """Stop the services ``up`` started (by pid file), of whichever profile; returns (name,
    stopped pid or None) for the current profile's servers and any other server that was stopped.

    Elasticsearch goes first (it may still flush), then Kafka. The nodes of one kind are stopped
    together: stopped one after the other, the last KRaft node would wait for a quorum that is gone.
    """
    settings = settings or get_settings()
    # Without names: everything khabar may have started (Airflow first, then what it uses).
    names = list(names) if names else list(SERVICES)
    current = {svc.name for svc in services(names, settings)}
    candidates: dict[str, LocalService] = {}
    for p in PROFILES.values():
        for svc in services(names, settings, nodes=p.nodes):
            candidates.setdefault(svc.name, svc)
    stopped: list[tuple[str, int | None]] = []
    with _locked(settings, progress):
        for kind in reversed(SERVICES):
            group = [svc for svc in candidates.values() if svc.kind == kind]
            live = [svc for svc in group if process.alive_from_pid_file(svc.paths.pid_file)]
            if live:
                progress("stopping " + ", ".join(svc.name for svc in live))
            with ThreadPoolExecutor(max_workers=max(1, len(group))) as pool:
                records = pool.map(
                    lambda svc: process.stop(svc.paths.pid_file, timeout=svc.stop_timeout), group
                )
                for svc, record in zip(group, records, strict=True):
                    if svc.name in current or record is not None:
                        stopped.append((svc.name, record.pid if record else None))
    return stopped


def status(names: Iterable[str] | None = None, *, settings: Settings | None = None) -> list[ServiceStatus]:
    settings = settings or get_settings()
    if not names:  # the default services, and Airflow's when `up --airflow` started them
        names = [
            *DEFAULT_SERVICES,
            *(n for n in AIRFLOW_SERVICES if process.read_pid_file(lock_file(settings).parent / f"{n}.pid")),
        ]
    out = []
    for svc in services(names, settings):
        record = process.alive_from_pid_file(svc.paths.pid_file)
        out.append(
            ServiceStatus(
                name=svc.name,
                kind=svc.kind,
                address=svc.address,
                port=svc.port,
                pid=record.pid if record else None,
                healthy=svc.healthy(timeout=2.0),
                log_file=str(svc.log_file),
            )
        )
    return out
