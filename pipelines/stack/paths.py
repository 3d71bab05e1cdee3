"""Where the local stack keeps its jars, data, logs and pid files.

Jars and builds live beside their Maven project (``infra/local/<service>/target``); everything
a running server writes lives under ``Settings.home`` (default ``<repo>/var``). Both are git-ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings

INFRA_LOCAL = PROJECT_ROOT / "infra" / "local"


@dataclass(frozen=True)
class ServicePaths:
    """The files of one local server."""

    name: str
    project: Path  # infra/local/<name>: the Maven project that resolves or builds it
    home: Path  # <home>/<name>: its data and logs
    run_dir: Path  # <home>/run: pid files of every service

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def console_log(self) -> Path:
        # stdout/stderr of the JVM: startup failures land here before logging is configured.
        return self.home / "logs" / "console.log"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def target(self) -> Path:
        return self.project / "target"


def service_paths(settings: Settings, name: str, project: str | None = None) -> ServicePaths:
    """``name`` is the server ("kafka", "kafka-2"...), ``project`` its Maven project (default ``name``)."""
    home = Path(settings.home).resolve()
    return ServicePaths(
        name=name, project=INFRA_LOCAL / (project or name), home=home / name, run_dir=home / "run"
    )


def lock_file(settings: Settings) -> Path:
    """Serialises concurrent ``up``/``down`` calls (several test sessions may start at once)."""
    return Path(settings.home).resolve() / "run" / "stack.lock"
