"""Settings: every address, credential and tunable, read from ``KHABAR_*`` environment variables.

Inside Airflow, :mod:`pipelines.ops.airflow` overlays the ``khabar_kafka`` and ``khabar_elasticsearch``
connections on top of these. The object is passed explicitly; nothing reads the environment later.
pydantic-settings parses and checks the variables: every malformed one is reported at once, and
secrets are :class:`~pydantic.SecretStr`, shown as ``***`` wherever settings are printed or logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from pipelines.errors import ConfigError
from pipelines.logs import redact

#: The directory that holds the ``pipelines`` package: the checkout, or site-packages when installed.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The sources file shipped with the package (real Arabic outlets).
DEFAULT_SOURCES_FILE = Path(__file__).resolve().parent / "sources" / "sources.yaml"
ENV_PREFIX = "KHABAR_"

#: Slots of the Airflow pool that news_ingest's scrape tasks run in (created with the local stack).
SCRAPE_POOL_SLOTS = 4


def scrape_pool() -> str:
    """The name of that pool: read where a DAG file is parsed, so from the environment."""
    return os.environ.get("KHABAR_SCRAPE_POOL", "khabar_scrape")


#: Set while :meth:`Settings._validated` builds settings from given values only (no environment).
_GIVEN_VALUES_ONLY: ContextVar[bool] = ContextVar("khabar_settings_given_values_only", default=False)


def in_checkout() -> bool:
    """Is this package imported from a source checkout (rather than an installed wheel)?"""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "pipelines").is_dir()


def _default_home() -> Path:
    """``var/`` beside the code in a checkout; the per-user data directory for an installed package
    (site-packages is no place for a broker's data, and may be read-only)."""
    if in_checkout():
        return PROJECT_ROOT / "var"
    from platformdirs import user_data_path  # only an installed package needs it

    return user_data_path("khabar", appauthor=False)


def _default_data_dir() -> Path:
    return PROJECT_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    """khabar's configuration. Field ``x_y`` is read from ``KHABAR_X_Y``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="ignore", validate_default=False
    )

    # Where local state lives: the stack's data, crawl state, benchmark results (git-ignored).
    home: Path = Field(default_factory=_default_home)
    # ../shared/data: corpora and benchmark sets, read by bench/ only.
    data_dir: Path = Field(default_factory=_default_data_dir)
    sources_file: Path = DEFAULT_SOURCES_FILE

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"  # comma-separated list for a cluster
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_username: str = ""
    kafka_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str = ""  # CA bundle that signed the brokers' certificates (SSL, SASL_SSL)
    kafka_ssl_certfile: str = ""  # client certificate (mutual TLS), PEM
    kafka_ssl_keyfile: str = ""  # its private key, PEM
    kafka_max_message_bytes: int = 2 * 1024 * 1024
    # Seconds a client waits for the first broker before it gives up (kafka-python's default is 30).
    kafka_bootstrap_timeout: float = 5.0
    topic_articles: str = "news.articles.v1"
    topic_pages: str = "news.pages.v1"
    topic_dlq: str = "news.dlq.v1"
    topic_enriched: str = "news.articles.enriched.v1"
    articles_partitions: int = 6
    replication_factor: int = 0  # 0: by profile (1 single, 3 cluster); see pipelines.stack.profile
    min_insync_replicas: int = 0  # 0: by profile (1 single, 2 cluster)

    # Elasticsearch
    es_url: str = "http://127.0.0.1:9200"  # comma-separated list for a cluster
    es_username: str = ""
    es_password: SecretStr = SecretStr("")
    es_api_key: SecretStr = SecretStr("")
    es_ca_certs: str = ""
    es_client_cert: str = ""  # client certificate (mutual TLS), PEM
    es_client_key: str = ""  # its private key, PEM
    index_alias: str = "news-articles"
    index_replicas: int = -1  # -1: by profile (template's auto-expand 0-1 single, 1 cluster)

    # Local stack (khabar stack up)
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    es_port: int = 9200
    es_transport_port: int = 9300
    java21_home: str = ""  # a JDK 21+ for Elasticsearch; default: newest under /usr/lib/jvm
    java17_home: str = ""  # a JDK 17+ for Kafka; default: java-17 under /usr/lib/jvm, JAVA_HOME, PATH
    # Cluster mode (issue 17): "single" (1 Kafka + 1 Elasticsearch) or "cluster" (3 + 3 on 127.0.0.1).
    profile: str = "single"
    cluster_port_stride: int = 10  # cluster node i (0-based) binds every configured port + i*stride
    es_heap: str = ""  # JVM heap per Elasticsearch node; "": by profile (1g single, 512m cluster)
    kafka_heap: str = ""  # JVM heap per Kafka node; "": by profile (768m single, 384m cluster)

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
    max_response_bytes: int = 10 * 1024 * 1024  # after Content-Encoding is undone
    fetch_deadline_seconds: float = 60.0  # one request, connect to last byte, headers included
    max_redirects: int = 5
    max_retries: int = 3
    extract_max_bytes: int = 5 * 1024 * 1024  # HTML of one page (see pipelines/extract/budget.py)
    extract_max_links: int = 10_000  # <a> tags in one page
    extract_timeout_seconds: float = 30.0  # per page, in a worker process; 0: in-process, no limit
    extract_memory_mb: int = 1024  # heap growth allowed to the extraction worker

    # Indexer
    indexer_group: str = "khabar-indexer"
    bulk_max_docs: int = 500
    bulk_max_bytes: int = 5 * 1024 * 1024
    bulk_max_seconds: float = 2.0
    # Once the consumer has caught up with the stream, a batch waits only this long for company:
    # a live stream is fresh in about a second, a backlog still fills bulk_max_docs batches.
    bulk_linger_seconds: float = 0.25
    indexer_workers: int = 0  # enrichment processes per indexer (0: in the indexer's own process)
    metrics_port: int = 9464
    metrics_addr: str = "127.0.0.1"

    # Logging: "json" for machines, "console" for people
    log_format: str = "json"
    log_level: str = "INFO"

    @field_validator("home", "data_dir", "sources_file", mode="after")
    @classmethod
    def _expand_user(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def state_db_url(self) -> str:
        return self.state_url or f"sqlite:///{self.home / 'crawl-state.sqlite3'}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``KHABAR_*`` variables (``os.environ`` or the mapping given) plus overrides.

        Every malformed variable is reported in one :class:`ConfigError`, not only the first.
        """
        if environ is None:
            try:
                return cls(**overrides)  # pydantic-settings reads os.environ; overrides win
            except ValidationError as exc:
                raise ConfigError(_describe(exc)) from None
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = environ.get(f"{ENV_PREFIX}{name.upper()}")
            if raw:
                values[name] = raw
        return cls._validated({**values, **overrides})

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if _GIVEN_VALUES_ONLY.get():
            return (init_settings,)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @classmethod
    def _validated(cls, values: dict[str, Any]) -> Settings:
        # Without the switch, pydantic-settings would fill every field not in ``values`` from
        # os.environ (model_validate runs the sources too): from_env(mapping) must read the mapping only.
        token = _GIVEN_VALUES_ONLY.set(True)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None
        finally:
            _GIVEN_VALUES_ONLY.reset(token)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied, checked like values from the environment."""
        return self._validated({**dict(self), **changes})

    def secret(self, name: str) -> str:
        """The plain value of a secret field (``kafka_password``, ``es_password``, ``es_api_key``)."""
        value = getattr(self, name)
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)

    def __repr_args__(self) -> Any:
        # URLs may carry user:password@ (KHABAR_ES_URL, KHABAR_STATE_URL): repr() must not show it.
        for name, value in super().__repr_args__():
            yield name, redact(value) if isinstance(value, str) else value

    def redacted(self) -> dict[str, Any]:
        """All settings as a dict, secrets and URL credentials replaced, safe to log or print."""
        out: dict[str, Any] = {}
        for name, value in self:
            if isinstance(value, SecretStr):
                out[name] = "***" if value.get_secret_value() else ""
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = redact(value)
        return out


SECRET_FIELDS = frozenset(name for name, f in Settings.model_fields.items() if f.annotation is SecretStr)


def _describe(exc: ValidationError) -> str:
    """One line per bad variable: ``KHABAR_ES_PORT='ninety': Input should be a valid integer``."""
    lines = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "?"
        shown = "***" if name in SECRET_FIELDS else repr(error.get("input"))
        lines.append(f"{ENV_PREFIX}{name.upper()}={shown}: {error['msg']}")
    return f"{len(lines)} bad setting(s): " + "; ".join(lines)


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings
