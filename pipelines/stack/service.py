"""What ``up``/``down``/``status`` need from one local server (Kafka, Elasticsearch)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from pipelines.config import Settings
from pipelines.profile import profile
from pipelines.stack.paths import ServicePaths, service_paths

#: Reports a long step to the user ("resolving Kafka jars"...).
Progress = Callable[[str], None]


class LocalService(ABC):
    """One JVM server on 127.0.0.1, started detached and tracked by its pid file.

    In the cluster profile there are ``nodes`` of each kind: node 0 binds the configured ports and
    is named like the kind ("kafka-1"...), node i binds every port + ``i * cluster_port_stride``.
    The single profile's one server keeps the plain name ("kafka"), its folder and its pid file.
    """

    #: "kafka" or "elasticsearch": what ``--only`` selects
    kind: str
    host = "127.0.0.1"
    #: seconds ``up`` waits for the server to become healthy
    start_timeout: float = 90.0
    #: seconds between SIGTERM and SIGKILL on ``down``
    stop_timeout: float = 30.0
    #: the environment variables that move its ports, for error messages
    port_settings: tuple[str, ...] = ()

    #: False for servers the cluster profile runs once (PostgreSQL, Redis, Airflow's processes)
    clustered: bool = True

    def __init__(self, settings: Settings, node: int = 0, nodes: int | None = None) -> None:
        self.settings = settings
        self.node = node
        if not self.clustered:
            self.nodes = 1
        else:
            self.nodes = profile(settings).nodes if nodes is None else nodes
        self.name = self.kind if self.nodes == 1 else f"{self.kind}-{node + 1}"
        self.paths: ServicePaths = service_paths(settings, self.name, project=self.kind)

    def shifted(self, port: int, node: int | None = None) -> int:
        """``port`` as node ``node`` (default: this one) binds it."""
        return port + (self.node if node is None else node) * self.settings.cluster_port_stride

    @property
    @abstractmethod
    def port(self) -> int: ...

    @property
    @abstractmethod
    def address(self) -> str:
        """What clients connect to (bootstrap servers or URL)."""

    @property
    def ports(self) -> list[int]:
        """Every port the server binds; all must be free before it starts."""
        return [self.port]

    @abstractmethod
    def healthy(self, timeout: float = 2.0) -> bool:
        """The server answers a real request (metadata / cluster health) on its port."""

    @abstractmethod
    def prepare(self, progress: Progress) -> None:
        """Resolve or build jars, write configs, format storage: everything before the JVM starts."""

    @abstractmethod
    def command(self) -> list[str]:
        """The JVM command line; it must contain :attr:`marker`."""

    @property
    @abstractmethod
    def marker(self) -> str:
        """A string unique to this installation that appears in the server's command line."""

    def environment(self) -> dict[str, str] | None:
        """The server's environment (None: inherit ours)."""
        return None

    @property
    def log_file(self) -> Path:
        """The server's main log, shown in messages."""
        return self.paths.console_log
