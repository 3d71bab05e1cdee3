"""Ports for the servers a test starts (a private Kafka, ``khabar serve``, a metrics endpoint...).

A port the kernel hands out with ``bind(("127.0.0.1", 0))`` comes from its ephemeral range, the
same range every outgoing connection of the suite draws its local port from. A JVM takes seconds
to bind, and in that window a client connection once took a private Kafka's port (CI, 4 Dec
2026: "Socket server failed to bind to 127.0.0.1:43320: Address already in use"). These ports
come from below that range, where only servers that bind on purpose go, and are checked free.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from pipelines.stack.kafka_security import SECURE_PORT_OFFSET

_LOWEST = 10_000  # above every port the stack binds by default (9092, 9200, 9464, ...)


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, offsets: tuple[int, ...] = ()) -> int:
    """A free 127.0.0.1 port below the ephemeral range; ``port + offset`` free too for each of
    ``offsets`` (Kafka's SASL_SSL listener is its port + 5)."""
    highest = _ephemeral_start() - 1 - max(offsets, default=0)
    for _ in range(200):
        port = random.randint(_LOWEST, highest)
        if all(_bindable(port + offset) for offset in (0, *offsets)):
            return port
    raise RuntimeError(f"no free port between {_LOWEST} and {highest} after 200 tries")


def free_kafka_port() -> int:
    """A port for a private Kafka's broker listener, its SASL_SSL listener's port free too."""
    return free_port(offsets=(SECURE_PORT_OFFSET,))
