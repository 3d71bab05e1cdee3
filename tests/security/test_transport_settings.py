"""TLS and SASL settings reach the clients, from the environment and from Airflow connections."""

from __future__ import annotations

import json

from airflow.models.connection import Connection

from pipelines.config import Settings
from pipelines.kafka.clients import common_config
from pipelines.ops.airflow import es_overrides, kafka_overrides


def test_kafka_sasl_ssl_settings_reach_the_client_config() -> None:
    settings = Settings.from_env(
        {
            "KHABAR_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KHABAR_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KHABAR_KAFKA_USERNAME": "scraper",
            "KHABAR_KAFKA_PASSWORD": "pw",
            "KHABAR_KAFKA_SSL_CAFILE": "/etc/khabar/ca.pem",
            "KHABAR_KAFKA_SSL_CERTFILE": "/etc/khabar/client.pem",
            "KHABAR_KAFKA_SSL_KEYFILE": "/etc/khabar/client.key",
        }
    )
    config = common_config(settings, "test")
    assert config["security_protocol"] == "SASL_SSL" and config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (config["sasl_plain_username"], config["sasl_plain_password"]) == ("scraper", "pw")
    assert (config["ssl_cafile"], config["ssl_certfile"], config["ssl_keyfile"]) == (
        "/etc/khabar/ca.pem",
        "/etc/khabar/client.pem",
        "/etc/khabar/client.key",
    )
    assert "pw" not in json.dumps(settings.redacted(), default=str)


def test_airflow_connections_carry_the_tls_files() -> None:
    kafka = Connection(
        conn_id="khabar_kafka",
        conn_type="generic",
        host="broker.internal",
        port=9094,
        login="scraper",
        password="pw",
        extra=json.dumps(
            {
                "security_protocol": "SASL_SSL",
                "sasl_mechanism": "SCRAM-SHA-512",
                "ssl_cafile": "/ca.pem",
                "ssl_certfile": "/c.pem",
                "ssl_keyfile": "/c.key",
            }
        ),
    )
    out = kafka_overrides(kafka)
    assert out["kafka_security_protocol"] == "SASL_SSL" and out["kafka_sasl_mechanism"] == "SCRAM-SHA-512"
    assert (out["kafka_ssl_cafile"], out["kafka_ssl_certfile"], out["kafka_ssl_keyfile"]) == (
        "/ca.pem",
        "/c.pem",
        "/c.key",
    )
    es = Connection(
        conn_id="khabar_elasticsearch",
        conn_type="generic",
        host="https://es.internal:9200",
        extra=json.dumps(
            {"api_key": "k", "ca_certs": "/ca.pem", "client_cert": "/c.pem", "client_key": "/c.key"}
        ),
    )
    out = es_overrides(es)
    assert out["es_url"] == "https://es.internal:9200" and out["es_api_key"] == "k"
    assert (out["es_ca_certs"], out["es_client_cert"], out["es_client_key"]) == (
        "/ca.pem",
        "/c.pem",
        "/c.key",
    )
