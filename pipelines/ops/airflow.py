"""Settings inside Airflow: the ``khabar_kafka`` and ``khabar_elasticsearch`` connections.

The only pipelines module that imports Airflow (lazily, so importing it without Airflow installed
still works). Outside Airflow, or when a connection is not defined, the ``KHABAR_*`` environment
variables (:meth:`Settings.from_env`) stay in force. Secrets are never logged.

Connection fields used:

``khabar_kafka``
    khabar's own fields: host + port (or extra ``bootstrap_servers``, comma separated, for several
    brokers), login + password (SASL), extras ``security_protocol``, ``sasl_mechanism``, ``ssl_cafile``,
    ``ssl_certfile``, ``ssl_keyfile``
    (defaults with a login: ``SASL_PLAINTEXT`` and ``PLAIN``).
    Or the Kafka provider's convention (conn type ``kafka``): the extras are librdkafka settings,
    ``bootstrap.servers``, ``security.protocol``, ``sasl.mechanism`` (or ``sasl.mechanisms``),
    ``sasl.username``, ``sasl.password``; host, port and login are then not needed.
``khabar_elasticsearch``
    host (a full URL, or a host name with port; scheme from extra ``scheme``, the schema field
    or the connection type when ``http``/``https``),
    login + password, extras ``api_key``, ``ca_certs``, ``client_cert``, ``client_key``. The
    Elasticsearch provider's convention (conn type ``elasticsearch``, the scheme in the schema field,
    e.g. ``elasticsearch://user:pass@host:9200/https``) reads the same way; its extra ``use_ssl: true``
    also means https.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any, Protocol

from pipelines.config import PROJECT_ROOT, SCRAPE_POOL_SLOTS, Settings, scrape_pool
from pipelines.logs import redact

log = logging.getLogger(__name__)

DAGS_FOLDER = PROJECT_ROOT / "dags"
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
    bootstrap = extra.get("bootstrap_servers") or extra.get("bootstrap.servers")
    if bootstrap:
        out["kafka_bootstrap"] = bootstrap if isinstance(bootstrap, str) else ",".join(bootstrap)
    elif conn.host:
        out["kafka_bootstrap"] = f"{conn.host}:{conn.port or 9092}"
    if conn.login:
        out["kafka_username"] = conn.login
        out["kafka_password"] = conn.password or ""
        out["kafka_security_protocol"] = "SASL_PLAINTEXT"
        out["kafka_sasl_mechanism"] = "PLAIN"
    # The Kafka provider's librdkafka-style extras (dotted keys).
    if extra.get("sasl.username"):
        out["kafka_username"] = str(extra["sasl.username"])
        out["kafka_password"] = str(extra.get("sasl.password") or "")
        out.setdefault("kafka_security_protocol", "SASL_PLAINTEXT")
        out.setdefault("kafka_sasl_mechanism", "PLAIN")
    for key, field in (
        ("security_protocol", "kafka_security_protocol"),
        ("security.protocol", "kafka_security_protocol"),
        ("sasl_mechanism", "kafka_sasl_mechanism"),
        ("sasl.mechanisms", "kafka_sasl_mechanism"),
        ("sasl.mechanism", "kafka_sasl_mechanism"),
    ):
        if extra.get(key):
            out[field] = str(extra[key])
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        if extra.get(name):
            out[f"kafka_{name}"] = str(extra[name])
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
        use_ssl = "https" if str(extra.get("use_ssl", "")).lower() in ("true", "1") else None
        candidates = (extra.get("scheme"), conn.schema, getattr(conn, "conn_type", None), use_ssl)
        scheme = next((c for c in candidates if c in ("http", "https")), "http")
        out["es_url"] = f"{scheme}://{host}:{conn.port or 9200}"
    if conn.login:
        out["es_username"] = conn.login
        out["es_password"] = conn.password or ""
    if extra.get("api_key"):
        out["es_api_key"] = str(extra["api_key"])
    if extra.get("ca_certs"):
        out["es_ca_certs"] = str(extra["ca_certs"])
    for name in ("client_cert", "client_key"):
        if extra.get(name):
            out[f"es_{name}"] = str(extra[name])
    return out


# --- Running a DAG once, outside a scheduler (the demo; `python -m pipelines.ops.airflow test news_ingest`) ---


def airflow_environment(airflow_home: Path, dags_folder: Path = DAGS_FOLDER) -> dict[str, str]:
    """Environment for an Airflow home with a SQLite metadata DB and khabar's DAG folder.

    Set it before ``airflow`` is imported: Airflow reads its configuration on import.
    """
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
    }


def migrate_metadata_db() -> None:
    """Create the metadata DB, or migrate it to this Airflow's schema; quick when already current."""
    from airflow.utils import db

    try:
        db.check_migrations(timeout=0)
    except TimeoutError:
        db.initdb()  # new database: tables from the ORM; old one: alembic migrations


def ensure_pools() -> None:
    """Create the scrape pool in the metadata DB if it is missing (a task in a missing pool never runs)."""
    from airflow.models.pool import Pool

    if Pool.get_pool(scrape_pool()) is None:
        Pool.create_or_update_pool(
            scrape_pool(),
            SCRAPE_POOL_SLOTS,
            "news_ingest's scrape tasks (one per source)",
            include_deferred=False,
        )


def without_deadlines(dag: Any) -> Any:
    """``dag`` with its deadline alerts removed: ``dag.test()`` of Airflow 3.3 fails on them (it
    passes the alert itself where the scheduler passes its id); the scheduler path keeps them."""
    dag.deadline = None
    return dag


def run_dag_once(
    dag_id: str, *, run_conf: dict[str, Any] | None = None, conn_file: str | None = None
) -> dict:
    """Run one DAG run in this process with ``dag.test()``; states and the final XComs as a dict."""
    from airflow.configuration import conf
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    migrate_metadata_db()
    ensure_pools()
    bag = DagBag(dag_folder=conf.get("core", "dags_folder"))
    if dag_id not in bag.dags:
        raise RuntimeError(f"DAG {dag_id!r} not found; import errors: {bag.import_errors}")
    run = without_deadlines(bag.dags[dag_id]).test(run_conf=run_conf, conn_file_path=conn_file)
    tasks = [
        {"task_id": ti.task_id, "map_index": ti.rendered_map_index or ti.map_index, "state": str(ti.state)}
        for ti in run.get_task_instances()
    ]
    leaves = [t.task_id for t in bag.dags[dag_id].leaves]
    with create_session() as session:
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, key="return_value", dag_ids=dag_id, task_ids=leaves)
        ).all()
        xcoms = {r.task_id: XComModel.deserialize_value(r) for r in rows if r.map_index < 0}
    return {"dag_id": dag_id, "run_id": run.run_id, "state": str(run.state), "tasks": tasks, "xcoms": xcoms}


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.ops.airflow test DAG_ID [--conf JSON] [--conn-file PATH]``: prints the result JSON last."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.ops.airflow")
    sub = parser.add_subparsers(dest="command", required=True)
    test = sub.add_parser("test", help="run one DAG run with dag.test()")
    test.add_argument("dag_id")
    test.add_argument("--conf", default="{}", help="run conf (params) as JSON")
    test.add_argument("--conn-file", default=None, help="Airflow connections file (JSON/YAML)")
    args = parser.parse_args(argv)
    result = run_dag_once(args.dag_id, run_conf=json.loads(args.conf), conn_file=args.conn_file)
    sys.stdout.write(RESULT_MARKER + json.dumps(result, ensure_ascii=False, default=str) + "\n")
    return 0 if result["state"] == "success" else 1


#: Prefix of the result line ``main`` prints after Airflow's own logging.
RESULT_MARKER = "KHABAR_DAG_RESULT "


if __name__ == "__main__":
    raise SystemExit(main())


# --- Assets and the local stack's workers ------------------------------------------------------


def articles_asset_uri(settings: Settings | None = None) -> str:
    """URI of the Airflow Asset for the articles topic: ``kafka://<first bootstrap server>/<topic>``.

    ``ingest_source`` declares it as its outlet; downstream DAGs schedule on it (or on
    ``Asset.ref(name=<topic>)``, which does not depend on the broker address).
    """
    settings = settings or Settings.from_env()
    first = settings.kafka_bootstrap.split(",")[0].strip()
    return f"kafka://{first}/{settings.topic_articles}"


def articles_asset_name(settings: Settings | None = None) -> str:
    return (settings or Settings.from_env()).topic_articles


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the local stack: a Celery worker's name (``worker-1``...)
    when the stack set one, else the machine's name, as Airflow does by default."""
    return os.environ.get("KHABAR_AIRFLOW_WORKER") or socket.getfqdn()
