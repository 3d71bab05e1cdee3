"""Redis from the machine's own packages (Debian ``redis-server``): the Celery broker of the
``--airflow`` stack. Loopback only, no persistence (queued Celery messages of a stopped developer
stack are not worth keeping; Airflow re-queues what did not run).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from pipelines.errors import StackError
from pipelines.stack.service import LocalService, Progress


class RedisService(LocalService):
    clustered = False
    kind = "redis"
    start_timeout = 30.0
    stop_timeout = 15.0
    port_settings = ("KHABAR_REDIS_PORT",)

    @property
    def port(self) -> int:
        return self.settings.redis_port

    @property
    def address(self) -> str:
        return f"redis://{self.host}:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.paths.home / "redis.conf"

    @property
    def marker(self) -> str:
        # Redis rewrites its process title unless told not to (set-proc-title no, in the config).
        return str(self.config_file)

    def healthy(self, timeout: float = 2.0) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def _binary(self) -> str:
        found = shutil.which("redis-server")
        if not found:
            raise StackError(
                "redis-server not found; install it with `apt-get install -y redis-server` (Debian)",
                reason="redis_missing",
            )
        return found

    def prepare(self, progress: Progress) -> None:
        self._binary()
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            "\n".join(
                [
                    f"bind {self.host}",
                    f"port {self.port}",
                    "protected-mode yes",
                    "daemonize no",
                    "set-proc-title no",
                    f"dir {self.paths.home}",
                    'save ""',
                    "appendonly no",
                    "loglevel notice",
                    "",
                ]
            )
        )

    def command(self) -> list[str]:
        return [self._binary(), str(self.config_file)]
