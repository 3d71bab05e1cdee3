"""Settings: every address, credential and tunable, read from ``KHABAR_*`` environment variables.

Inside Airflow, :mod:`pipelines.ops.airflow` overlays the ``khabar_kafka`` and ``khabar_elasticsearch``
connections on top of these. The object is passed explicitly; nothing reads the environment later.
The README's configuration reference is generated from :data:`SETTINGS_DOC` (one line per field).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pipelines.errors import ConfigError

#: The project checkout (pipelines/ lives directly under it).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The sources file shipped with the package (real Arabic outlets).
DEFAULT_SOURCES_FILE = Path(__file__).resolve().parent / "sources" / "sources.yaml"


def _default_home() -> Path:
    return PROJECT_ROOT / "var"


def _default_data_dir() -> Path:
    return PROJECT_ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Settings:
    """khabar's configuration. Field ``x_y`` is read from ``KHABAR_X_Y``."""

    # Where local state lives: the stack's data, crawl state, benchmark results (git-ignored).
    home: Path = field(default_factory=_default_home)
    # ../shared/data: corpora and benchmark sets, read by bench/ only.
    data_dir: Path = field(default_factory=_default_data_dir)
    sources_file: Path = field(
        default_factory=lambda: PROJECT_ROOT / "pipelines" / "sources" / "sources.yaml"
    )

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_username: str = ""
    kafka_password: str = ""  # secret: never logged
    kafka_max_message_bytes: int = 2 * 1024 * 1024
    topic_articles: str = "news.articles.v1"
    topic_pages: str = "news.pages.v1"
    topic_dlq: str = "news.dlq.v1"
    topic_enriched: str = "news.articles.enriched.v1"
    articles_partitions: int = 6
    replication_factor: int = 1

    # Elasticsearch
    es_url: str = "http://127.0.0.1:9200"
    es_username: str = ""
    es_password: str = ""  # secret: never logged
    es_api_key: str = ""  # secret: never logged
    es_ca_certs: str = ""
    index_alias: str = "news-articles"

    # Local stack (khabar stack up)
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    es_port: int = 9200
    es_transport_port: int = 9300
    java21_home: str = ""  # a JDK 21+ for Elasticsearch; default: newest under /usr/lib/jvm
    java17_home: str = ""  # a JDK 17+ for Kafka; default: java-17 under /usr/lib/jvm, JAVA_HOME, PATH
    # Local Airflow in production shape (khabar stack up --airflow)
    postgres_port: int = 5433
    postgres_bin: str = ""  # folder with initdb/postgres; default: newest /usr/lib/postgresql/*/bin
    redis_port: int = 6380
    airflow_api_port: int = 8081
    airflow_dags_folder: str = ""  # default: the project's dags/

    # Crawling
    state_url: str = ""  # SQLAlchemy URL; default sqlite under home
    # A page fetched this recently is not fetched again by any worker (0: re-check every run)
    fetch_fresh_seconds: float = 0.0
    user_agent: str = "khabar/0.1 (+https://github.com/khabar-news/khabar; Arabic news indexer)"
    min_delay_seconds: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_response_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    max_retries: int = 3

    # Indexer
    indexer_group: str = "khabar-indexer"
    bulk_max_docs: int = 500
    bulk_max_bytes: int = 5 * 1024 * 1024
    bulk_max_seconds: float = 2.0
    metrics_port: int = 9464

    # Logging: "json" for machines, "console" for people
    log_format: str = "json"
    log_level: str = "INFO"

    @property
    def state_db_url(self) -> str:
        return self.state_url or f"sqlite:///{self.home / 'crawl-state.sqlite3'}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``KHABAR_*`` variables; a malformed value is a ConfigError."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"KHABAR_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        values.update(overrides)
        return cls(**values)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def redacted(self) -> dict[str, Any]:
        """All settings as a dict, secrets replaced, safe to log or print."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS and value:
                value = "***"
            out[f.name] = str(value) if isinstance(value, Path) else value
        return out


SECRET_FIELDS = frozenset({"kafka_password", "es_password", "es_api_key"})


def _coerce(name: str, type_: Any, raw: str) -> Any:
    kind = type_ if isinstance(type_, str) else getattr(type_, "__name__", str(type_))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind == "Path":
            return Path(raw).expanduser()
    except ValueError as exc:
        raise ConfigError(f"KHABAR_{name.upper()}={raw!r}: expected {kind}") from exc
    return raw


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings
