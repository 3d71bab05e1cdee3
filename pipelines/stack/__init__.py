"""The local Kafka and Elasticsearch, real servers started without Docker (``khabar stack``).

``up`` starts what is not running yet and waits until each answers real requests; ``down`` stops
exactly the processes ``up`` started (by pid file); ``status`` says what runs. A server that some
other program already serves healthily on the configured port is used as is and never stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipelines.config import Settings, get_settings
from pipelines.errors import StackError
from pipelines.stack import process
from pipelines.stack.elastic import ElasticService
from pipelines.stack.kafka import KafkaService
from pipelines.stack.paths import lock_file
from pipelines.stack.service import LocalService, Progress

SERVICES: dict[str, type[LocalService]] = {"kafka": KafkaService, "elasticsearch": ElasticService}

__all__ = [
    "SERVICES",
    "LocalService",
    "ServiceStatus",
    "StartResult",
    "down",
    "ensure_up",
    "services",
    "status",
    "up",
]


@dataclass(frozen=True)
class StartResult:
    name: str
    address: str
    #: "started" (by this call), "running" (ours, already up) or "external" (another program serves it)
    action: str
    seconds: float
    pid: int | None = None


@dataclass(frozen=True)
class ServiceStatus:
    name: str
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


def services(names: Iterable[str] | None = None, settings: Settings | None = None) -> list[LocalService]:
    settings = settings or get_settings()
    wanted = list(names) if names else list(SERVICES)
    unknown = [n for n in wanted if n not in SERVICES]
    if unknown:
        raise StackError(f"unknown service(s) {unknown}; known: {list(SERVICES)}", reason="unknown_service")
    return [SERVICES[n](settings) for n in wanted]


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


def _wait_healthy(
    svc: LocalService, record: process.PidRecord | None, started: float, progress: Progress
) -> None:
    deadline = started + svc.start_timeout
    progress(f"waiting for {svc.name} on {svc.address}")
    while time.monotonic() < deadline:
        if svc.healthy(timeout=2.0):
            return
        if record is not None and not process.is_alive(record):
            raise StackError(
                f"{svc.name} exited (status {process.exit_code(record)}) while starting; last lines of {svc.paths.console_log}:\n"
                f"{process.tail(svc.paths.console_log)}\n(see also {svc.log_file})",
                reason="start_failed",
            )
        time.sleep(0.5)
    raise StackError(
        f"{svc.name} did not become healthy on {svc.address} within {svc.start_timeout:.0f}s; "
        f"last lines of {svc.log_file}:\n{process.tail(svc.log_file)}",
        reason="start_timeout",
    )


def _start(svc: LocalService, progress: Progress) -> tuple[process.PidRecord | None, str, float]:
    """Spawn ``svc`` unless it runs already; returns (record, action, start time)."""
    began = time.monotonic()
    record = process.alive_from_pid_file(svc.paths.pid_file)
    if record is not None:
        return record, "running", began
    if svc.healthy(timeout=2.0):
        return None, "external", began
    busy = [p for p in svc.ports if process.port_open(svc.host, p)]
    if busy:
        raise StackError(
            f"cannot start {svc.name}: port(s) {busy} on {svc.host} are taken by a process that is not a "
            f"healthy {svc.name} started by khabar. Stop it, or choose other ports "
            f"({', '.join(svc.port_settings)}).",
            reason="port_conflict",
        )
    svc.prepare(progress)
    progress(f"starting {svc.name}")
    began = time.monotonic()
    record = process.spawn(
        svc.command(), pid_file=svc.paths.pid_file, log_file=svc.paths.console_log, marker=svc.marker
    )
    return record, "started", began


def up(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[StartResult]:
    """Start the services that are not up and wait until every one is healthy.

    Each service is started independently: if one fails, the others are still started and
    waited for, then a :class:`StackError` names every failure.
    """
    settings = settings or get_settings()
    todo = services(names, settings)
    results: list[StartResult] = []
    errors: list[str] = []
    with _locked(settings, progress):
        # Spawn everything first, then wait: the JVMs warm up in parallel.
        spawned: list[tuple[LocalService, process.PidRecord | None, str, float]] = []
        for svc in todo:
            try:
                spawned.append((svc, *_start(svc, progress)))
            except StackError as exc:
                errors.append(f"{svc.name}: {exc}")
        for svc, record, action, began in spawned:
            try:
                if action != "external":
                    _wait_healthy(svc, record, began, progress)
            except StackError as exc:
                if action == "started":
                    process.stop(svc.paths.pid_file, timeout=svc.stop_timeout)
                errors.append(f"{svc.name}: {exc}")
                continue
            pid = record.pid if record else None
            results.append(StartResult(svc.name, svc.address, action, time.monotonic() - began, pid))
    if errors:
        started = ", ".join(f"{r.name} ({r.action})" for r in results) or "nothing"
        raise StackError("\n".join(errors) + f"\nUp: {started}.", reason="stack_failed")
    return results


def ensure_up(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[str]:
    """``up`` for code and tests: returns the names of the services this call started itself."""
    return [r.name for r in up(names, settings=settings, progress=progress) if r.action == "started"]


def down(
    names: Iterable[str] | None = None, *, settings: Settings | None = None, progress: Progress = _quiet
) -> list[tuple[str, int | None]]:
    """Stop the services ``up`` started (by pid file); returns (name, stopped pid or None)."""
    settings = settings or get_settings()
    stopped: list[tuple[str, int | None]] = []
    with _locked(settings, progress):
        for svc in reversed(services(names, settings)):
            progress(f"stopping {svc.name}")
            record = process.stop(svc.paths.pid_file, timeout=svc.stop_timeout)
            stopped.append((svc.name, record.pid if record else None))
    return stopped


def status(names: Iterable[str] | None = None, *, settings: Settings | None = None) -> list[ServiceStatus]:
    out = []
    for svc in services(names, settings):
        record = process.alive_from_pid_file(svc.paths.pid_file)
        out.append(
            ServiceStatus(
                name=svc.name,
                address=svc.address,
                port=svc.port,
                pid=record.pid if record else None,
                healthy=svc.healthy(timeout=2.0),
                log_file=str(svc.log_file),
            )
        )
    return out
