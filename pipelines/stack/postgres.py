"""PostgreSQL from the machine's own packages (Debian ``postgresql``): Airflow's metadata DB and
khabar's crawl state for the ``--airflow`` stack.

``prepare`` runs ``initdb`` once under ``<home>/postgres/data`` and creates the ``airflow`` and
``khabar`` databases in single-user mode (no server needed yet); the server then listens on
127.0.0.1 only, with its socket in the data folder. Authentication is ``trust`` on loopback: this
is a developer's throwaway server, like the PLAINTEXT Kafka next to it; production uses its own.

PostgreSQL refuses to run as root: when we are root the server runs as the ``postgres`` system user
(created by the Debian package), through ``setpriv``, which execs in place so the pid we record is
the server's own.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from pipelines.errors import StackError
from pipelines.stack.service import LocalService, Progress

USER = "khabar"
DATABASES = ("airflow", "khabar")
_INSTALL_HINT = "install PostgreSQL with `apt-get install -y postgresql` (Debian) or set KHABAR_POSTGRES_BIN"


def find_bindir(configured: str = "") -> Path:
    """The folder with ``initdb`` and ``postgres``: the setting, else the newest Debian install."""
    candidates = [Path(configured)] if configured else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise StackError(f"PostgreSQL server binaries not found; {_INSTALL_HINT}", reason="postgres_missing")


def _run_as() -> list[str]:
    """``setpriv`` to the ``postgres`` user when we are root (PostgreSQL will not run as root)."""
    if os.geteuid() != 0:
        return []
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise StackError(
            f"running as root and there is no `postgres` system user to run the server as; {_INSTALL_HINT}",
            reason="postgres_user_missing",
        ) from exc
    return [
        "setpriv",
        f"--reuid={pw.pw_uid}",
        f"--regid={pw.pw_gid}",
        "--init-groups",
        "--reset-env",
    ]


def _chown_tree(path: Path) -> None:
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam("postgres")
    for item in [path, *path.rglob("*")]:
        os.chown(item, pw.pw_uid, pw.pw_gid, follow_symlinks=False)


class PostgresService(LocalService):
    clustered = False
    kind = "postgres"
    start_timeout = 60.0
    stop_timeout = 30.0
    port_settings = ("KHABAR_POSTGRES_PORT",)

    @property
    def port(self) -> int:
        return self.settings.postgres_port

    @property
    def address(self) -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}"

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL of one of the stack's databases (``airflow`` or ``khabar``)."""
        return f"{driver}://{USER}@{self.host}:{self.port}/{database}"

    @property
    def data_dir(self) -> Path:
        return self.paths.home / "data"

    @property
    def marker(self) -> str:
        return f"-D {self.data_dir}"

    @property
    def log_file(self) -> Path:
        return self.paths.console_log

    def healthy(self, timeout: float = 2.0) -> bool:
        try:
            import psycopg
        except ImportError:  # a dependency; without it at least the port must answer
            from pipelines.stack.process import port_open

            return port_open(self.host, self.port, timeout)
        try:
            with psycopg.connect(
                host=self.host,
                port=self.port,
                user=USER,
                dbname="airflow",
                connect_timeout=max(1, int(timeout)),
            ) as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        except psycopg.Error:
            return False

    def prepare(self, progress: Progress) -> None:
        bindir = find_bindir(self.settings.postgres_bin)
        run_as = _run_as()
        self.paths.home.mkdir(parents=True, exist_ok=True)
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # The server user must reach its data folder through the parents (home may be 0700).
            for parent in [self.paths.home, *self.paths.home.parents]:
                if parent == Path("/"):
                    break
                if not parent.stat().st_mode & 0o001:
                    raise StackError(
                        f"{parent} is not searchable by other users, so the `postgres` user cannot reach "
                        f"{self.data_dir}; choose another KHABAR_HOME",
                        reason="postgres_home_unreachable",
                    )
        if (self.data_dir / "PG_VERSION").is_file():
            return
        progress("initialising the PostgreSQL data folder (initdb)")
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)  # a half-done initdb from an interrupted start
        self.data_dir.mkdir(mode=0o700)
        _chown_tree(self.paths.home)
        self._run(
            [
                *run_as,
                str(bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            "initdb",
        )
        sql = "".join(f"CREATE DATABASE {db} OWNER {USER};\n" for db in DATABASES)
        self._run(
            [*run_as, str(bindir / "postgres"), "--single", "-D", str(self.data_dir), "postgres"],
            "create databases",
            sql,
        )

    def _run(self, argv: list[str], what: str, stdin: str | None = None) -> None:
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise StackError(
                f"PostgreSQL {what} failed (exit {result.returncode}): {(result.stderr or result.stdout)[-2000:]}",
                reason="postgres_init_failed",
            )

    def command(self) -> list[str]:
        bindir = find_bindir(self.settings.postgres_bin)
        return [
            *_run_as(),
            str(bindir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            f"listen_addresses={self.host}",
            "-c",
            f"unix_socket_directories={self.data_dir}",
            # Airflow's scheduler, DAG processor, API server and two workers each keep a pool.
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=64MB",
            "-c",
            "fsync=off",  # throwaway developer data: speed over crash safety
        ]
