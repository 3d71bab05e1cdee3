"""Settings inside Airflow: the ``khabar_kafka`` and ``khabar_elasticsearch`` connections.

The only pipelines module that imports Airflow (lazily, so importing it without Airflow installed
still works). Outside Airflow, or when a connection is not defined, the ``KHABAR_*`` environment
variables (:meth:`Settings.from_env`) stay in force. Secrets are never logged.

Connection fields used:

``khabar_kafka``
    host + port (or extra ``bootstrap_servers``, comma separated, for several brokers),
    login + password (SASL), extra ``security_protocol`` and ``sasl_mechanism``
    (defaults with a login: ``SASL_PLAINTEXT`` and ``PLAIN``).
``khabar_elasticsearch``
    host (a full URL, or a host name with port; scheme from extra ``scheme``, the schema field
    or the connection type when ``http``/``https``),
    login + password, extra ``api_key`` and ``ca_certs``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from pipelines.config import Settings
from pipelines.logs import redact

log = logging.getLogger(__name__)

KAFKA_CONN_ID = "khabar_kafka"
ES_CONN_ID = "khabar_elasticsearch"


class ConnectionLike(Protocol):
    """The few fields of an Airflow ``Connection`` khabar reads."""

    host: str | None
    port: int | None
    login: str | None
    password: str | None
    schema: str | None

    @property
    def extra_dejson(self) -> dict: ...


def settings_from_airflow(base: Settings | None = None) -> Settings:
    """``base`` (default: from the environment) with the khabar connections laid over it."""
    settings = base or Settings.from_env()
    kafka = get_connection(KAFKA_CONN_ID)
    if kafka is not None:
        settings = settings.with_overrides(**kafka_overrides(kafka))
    es = get_connection(ES_CONN_ID)
    if es is not None:
        settings = settings.with_overrides(**es_overrides(es))
    log.info(
        "settings resolved",
        extra={
            "kafka_connection": kafka is not None,
            "es_connection": es is not None,
            "kafka_bootstrap": settings.kafka_bootstrap,
            "es_url": redact(settings.es_url),
        },
    )
    return settings


def get_connection(conn_id: str) -> ConnectionLike | None:
    """The Airflow connection ``conn_id``, or None when it is not defined (or Airflow is absent)."""
    try:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    except Exception as exc:
        # Outside a task there may be no secrets backend to ask; the environment still applies.
        # Only the class name is logged: a message could quote a connection URI.
        log.warning("connection lookup failed", extra={"conn_id": conn_id, "error_class": type(exc).__name__})
        return None


def _extra(conn: ConnectionLike) -> dict[str, Any]:
    try:
        extra = conn.extra_dejson
    except (ValueError, json.JSONDecodeError):
        return {}
    return extra if isinstance(extra, dict) else {}


def kafka_overrides(conn: ConnectionLike) -> dict[str, Any]:
    """Settings fields taken from a ``khabar_kafka`` connection (only those it sets)."""
    extra = _extra(conn)
    out: dict[str, Any] = {}
    bootstrap = extra.get("bootstrap_servers")
    if bootstrap:
        out["kafka_bootstrap"] = bootstrap if isinstance(bootstrap, str) else ",".join(bootstrap)
    elif conn.host:
        out["kafka_bootstrap"] = f"{conn.host}:{conn.port or 9092}"
    if conn.login:
        out["kafka_username"] = conn.login
        out["kafka_password"] = conn.password or ""
        out["kafka_security_protocol"] = "SASL_PLAINTEXT"
        out["kafka_sasl_mechanism"] = "PLAIN"
    if extra.get("security_protocol"):
        out["kafka_security_protocol"] = str(extra["security_protocol"])
    if extra.get("sasl_mechanism"):
        out["kafka_sasl_mechanism"] = str(extra["sasl_mechanism"])
    return out


def es_overrides(conn: ConnectionLike) -> dict[str, Any]:
    """Settings fields taken from a ``khabar_elasticsearch`` connection (only those it sets)."""
    extra = _extra(conn)
    out: dict[str, Any] = {}
    host = conn.host or ""
    if "://" in host:
        out["es_url"] = host.rstrip("/")
    elif host:
        # URI-style connections (http://host:9200) carry the scheme as conn_type.
        candidates = (extra.get("scheme"), conn.schema, getattr(conn, "conn_type", None))
        scheme = next((c for c in candidates if c in ("http", "https")), "http")
        out["es_url"] = f"{scheme}://{host}:{conn.port or 9200}"
    if conn.login:
        out["es_username"] = conn.login
        out["es_password"] = conn.password or ""
    if extra.get("api_key"):
        out["es_api_key"] = str(extra["api_key"])
    if extra.get("ca_certs"):
        out["es_ca_certs"] = str(extra["ca_certs"])
    return out
