"""Airflow in production shape on one machine (``khabar stack up --airflow``).

PostgreSQL holds the metadata DB and the crawl state, Redis is the Celery broker, and these
processes run as separate services with pid files like Kafka and Elasticsearch: the API server
(also the execution API the workers' tasks talk to), the scheduler with the CeleryExecutor, the
DAG processor, the triggerer and two Celery workers. Each worker names itself (``worker-1``,
``worker-2``) through ``[core] hostname_callable``, so a task instance's ``hostname`` tells which
worker ran it, as two machines would.

Everything of Airflow's lives under ``<home>/airflow`` (its home, logs, the shared JWT secret).
The local API server lets every user in as admin (simple auth manager, ``all_admins``): it listens
on 127.0.0.1 only; infra/compose shows the production login.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from pipelines.config import PROJECT_ROOT, SCRAPE_POOL_SLOTS, Settings, scrape_pool
from pipelines.errors import StackError
from pipelines.stack import process
from pipelines.stack.postgres import PostgresService
from pipelines.stack.redis import RedisService
from pipelines.stack.service import LocalService, Progress

#: The backing services, started (and healthy) before any Airflow process.
BACKING = ("postgres", "redis")
WORKERS = ("airflow-worker-1", "airflow-worker-2")
PROCESSES = (
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    *WORKERS,
)


def airflow_home(settings: Settings) -> Path:
    return Path(settings.home).resolve() / "airflow"


def _secret(settings: Settings) -> str:
    """One JWT/session secret shared by every Airflow process of this stack (kept across restarts)."""
    path = airflow_home(settings) / "jwt_secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment of every Airflow process of the local stack (on top of the caller's)."""
    pg = PostgresService(settings)
    home = airflow_home(settings)
    api = f"http://127.0.0.1:{settings.airflow_api_port}"
    secret = _secret(settings)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.airflow_dags_folder or PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "pipelines.ops.airflow.worker_hostname",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg.url("airflow"),
        # psycopg 3 serves Airflow's async engine too (its default would need asyncpg).
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": pg.url("airflow", driver="postgresql+psycopg_async"),
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{settings.redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + pg.url("airflow"),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        # One machine runs the API server, Kafka and Elasticsearch too: give its answers time.
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(settings.airflow_api_port),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__SECRET_KEY": secret,
        "AIRFLOW__API_AUTH__JWT_SECRET": secret,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # The tasks write the crawl state to PostgreSQL too, unless a state URL is set already.
        "KHABAR_STATE_URL": settings.state_url or pg.url("khabar"),
        "KHABAR_HOME": str(Path(settings.home).resolve()),
    }


def _airflow_argv(*args: str) -> list[str]:
    # The venv's interpreter runs Airflow's CLI, so the workers import this checkout's pipelines.
    return [sys.executable, "-m", "airflow", *args]


def _airflow_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _airflow_argv(*args),
        env={**os.environ, **airflow_env(settings)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def migrate(settings: Settings, progress: Progress) -> None:
    """``airflow db migrate`` against the stack's PostgreSQL (quick when the schema is current),
    then the pool the scrape tasks run in."""
    progress("migrating Airflow's metadata database (PostgreSQL)")
    steps = [
        ("db", "migrate"),
        (
            "pools",
            "set",
            scrape_pool(),
            str(SCRAPE_POOL_SLOTS),
            "news_ingest's scrape tasks (one per source)",
        ),
    ]
    for args in steps:
        result = _airflow_cli(settings, *args)
        if result.returncode != 0:
            raise StackError(
                f"airflow {' '.join(args[:2])} failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout)[-2000:]}",
                reason="airflow_migrate_failed",
            )


def _health(settings: Settings, timeout: float) -> dict | None:
    url = f"http://127.0.0.1:{settings.airflow_api_port}/api/v2/monitor/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # our loopback API server
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


class AirflowProcess(LocalService):
    """One Airflow process (``python -m airflow <subcommand>``) of the local stack."""

    clustered = False

    subcommand: tuple[str, ...] = ()
    #: its key in the API server's /monitor/health answer
    health_key: str = ""
    start_timeout = 120.0
    stop_timeout = 60.0  # a worker finishes its running tasks' heartbeat before it exits

    @property
    def port(self) -> int:
        return self.settings.airflow_api_port

    @property
    def ports(self) -> list[int]:
        return []  # only the API server binds a port

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.settings.airflow_api_port}"

    @property
    def airflow_pid_file(self) -> Path:
        # Airflow's own pid file (``--pid``); its path, unique to this home, is our marker.
        return airflow_home(self.settings) / "run" / f"{self.name}.pid"

    @property
    def marker(self) -> str:
        return str(self.airflow_pid_file)

    def extra_env(self) -> dict[str, str]:
        return {}

    def healthy(self, timeout: float = 2.0) -> bool:
        health = _health(self.settings, timeout)
        if health is None:
            return False
        status = (health.get(self.health_key) or {}).get("status")
        return status == "healthy" and process.alive_from_pid_file(self.paths.pid_file) is not None

    def prepare(self, progress: Progress) -> None:
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        self.airflow_pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.airflow_pid_file.unlink(missing_ok=True)  # a stale one makes Airflow refuse to start

    def command(self) -> list[str]:
        return _airflow_argv(*self.subcommand, "--pid", str(self.airflow_pid_file))

    def environment(self) -> dict[str, str]:
        return {**os.environ, **airflow_env(self.settings), **self.extra_env()}


class ApiServer(AirflowProcess):
    kind = "airflow-api-server"
    subcommand = ("api-server",)
    health_key = "metadatabase"
    port_settings = ("KHABAR_AIRFLOW_API_PORT",)

    @property
    def ports(self) -> list[int]:
        return [self.settings.airflow_api_port]

    @property
    def marker(self) -> str:
        # The API server retitles itself "airflow api_server -- host:H port:P": its port is what
        # both that title and our command line carry.
        return str(self.settings.airflow_api_port)

    def prepare(self, progress: Progress) -> None:
        super().prepare(progress)
        migrate(self.settings, progress)

    def command(self) -> list[str]:
        return [*super().command(), "--host", "127.0.0.1", "--port", str(self.settings.airflow_api_port)]


class Scheduler(AirflowProcess):
    kind = "airflow-scheduler"
    subcommand = ("scheduler",)
    health_key = "scheduler"


class DagProcessor(AirflowProcess):
    kind = "airflow-dag-processor"
    subcommand = ("dag-processor",)
    health_key = "dag_processor"


class Triggerer(AirflowProcess):
    kind = "airflow-triggerer"
    subcommand = ("triggerer",)
    health_key = "triggerer"


class Worker(AirflowProcess):
    """A Celery worker; ``hostname_callable`` makes task instances carry its name."""

    subcommand = ("celery", "worker")

    @property
    def worker_name(self) -> str:
        return self.name.removeprefix("airflow-")

    def extra_env(self) -> dict[str, str]:
        return {"KHABAR_AIRFLOW_WORKER": self.worker_name}

    def command(self) -> list[str]:
        return [*super().command(), "--celery-hostname", f"{self.worker_name}@%h"]

    def healthy(self, timeout: float = 2.0) -> bool:
        # Celery logs "<name>@<host> ready." once it consumes; only this start's lines count.
        if process.alive_from_pid_file(self.paths.pid_file) is None:
            return False
        text = process.tail(self.paths.console_log, lines=400)
        return (
            f"{self.worker_name}@" in text.rsplit("--- ", 1)[-1] and " ready." in text.rsplit("--- ", 1)[-1]
        )


class Worker1(Worker):
    kind = "airflow-worker-1"


class Worker2(Worker):
    kind = "airflow-worker-2"


AIRFLOW_SERVICES: dict[str, type[LocalService]] = {
    "postgres": PostgresService,
    "redis": RedisService,
    "airflow-api-server": ApiServer,
    "airflow-scheduler": Scheduler,
    "airflow-dag-processor": DagProcessor,
    "airflow-triggerer": Triggerer,
    "airflow-worker-1": Worker1,
    "airflow-worker-2": Worker2,
}
