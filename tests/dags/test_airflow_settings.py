"""pipelines.ops.airflow: the khabar_kafka / khabar_elasticsearch connections override the environment."""

from __future__ import annotations

import logging

import pytest

from pipelines.config import Settings
from pipelines.ops.airflow import settings_from_airflow

pytestmark = pytest.mark.airflow


@pytest.fixture(autouse=True)
def _no_khabar_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AIRFLOW_CONN_KHABAR_KAFKA", "AIRFLOW_CONN_KHABAR_ELASTICSEARCH"):
        monkeypatch.delenv(name, raising=False)


def test_without_connections_the_environment_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_KAFKA_BOOTSTRAP", "10.0.0.5:9092")
    monkeypatch.setenv("KHABAR_ES_URL", "http://10.0.0.6:9200")
    settings = settings_from_airflow()
    assert settings.kafka_bootstrap == "10.0.0.5:9092"
    assert settings.es_url == "http://10.0.0.6:9200"
    assert settings.kafka_security_protocol == "PLAINTEXT"


def test_connections_override_the_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KHABAR_KAFKA_BOOTSTRAP", "10.0.0.5:9092")
    monkeypatch.setenv("KHABAR_TOPIC_ARTICLES", "custom.articles")
    monkeypatch.setenv(
        "AIRFLOW_CONN_KHABAR_KAFKA",
        "kafka://ingest:kafka-pass-123@broker1:9093?security_protocol=SASL_SSL&sasl_mechanism=SCRAM-SHA-512",
    )
    monkeypatch.setenv("AIRFLOW_CONN_KHABAR_ELASTICSEARCH", "https://elastic:es-pass-456@search.example:9243")

    with caplog.at_level(logging.DEBUG):
        settings = settings_from_airflow()

    assert settings.kafka_bootstrap == "broker1:9093"
    assert settings.kafka_security_protocol == "SASL_SSL"
    assert settings.kafka_sasl_mechanism == "SCRAM-SHA-512"
    assert (settings.kafka_username, settings.secret("kafka_password")) == ("ingest", "kafka-pass-123")
    assert settings.es_url == "https://search.example:9243"
    assert (settings.es_username, settings.secret("es_password")) == ("elastic", "es-pass-456")
    # What the connections do not set still comes from the environment.
    assert settings.topic_articles == "custom.articles"
    # Secrets never reach the logs.
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert "kafka-pass-123" not in logged
    assert "es-pass-456" not in logged


def test_login_without_protocol_means_sasl_plain_and_several_brokers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_KHABAR_KAFKA",
        '{"conn_type": "kafka", "login": "u", "password": "p-secret", '
        '"extra": {"bootstrap_servers": "k1:9092,k2:9092"}}',
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_KHABAR_ELASTICSEARCH",
        '{"conn_type": "elasticsearch", "host": "es1", "port": 9201, "schema": "https", '
        '"extra": {"api_key": "key-789", "ca_certs": "/certs/ca.crt"}}',
    )
    settings = settings_from_airflow(Settings())
    assert settings.kafka_bootstrap == "k1:9092,k2:9092"
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_PLAINTEXT", "PLAIN")
    assert settings.es_url == "https://es1:9201"
    assert settings.secret("es_api_key") == "key-789"
    assert settings.es_ca_certs == "/certs/ca.crt"
    assert settings.redacted()["es_api_key"] == "***"


def test_the_providers_connection_conventions_are_read_too(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Connections written for apache-airflow-providers-apache-kafka / -elasticsearch work as they are."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_KHABAR_KAFKA",
        '{"conn_type": "kafka", "extra": {"bootstrap.servers": "kb1:9094,kb2:9094", '
        '"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-256", '
        '"sasl.username": "svc", "sasl.password": "rd-secret-321", "group.id": "ignored"}}',
    )
    # The Elasticsearch provider's documented URI form: the scheme travels in the schema part.
    monkeypatch.setenv(
        "AIRFLOW_CONN_KHABAR_ELASTICSEARCH", "elasticsearch://elastic:es-pw-654@es.internal:9243/https"
    )

    with caplog.at_level(logging.DEBUG):
        settings = settings_from_airflow(Settings())

    assert settings.kafka_bootstrap == "kb1:9094,kb2:9094"
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-256")
    assert (settings.kafka_username, settings.secret("kafka_password")) == ("svc", "rd-secret-321")
    assert settings.es_url == "https://es.internal:9243"
    assert (settings.es_username, settings.secret("es_password")) == ("elastic", "es-pw-654")
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert "rd-secret-321" not in logged and "es-pw-654" not in logged


def test_provider_style_elasticsearch_extra_use_ssl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_KHABAR_ELASTICSEARCH",
        '{"conn_type": "elasticsearch", "host": "es2", "port": 9200, "extra": {"use_ssl": true}}',
    )
    monkeypatch.setenv("AIRFLOW_CONN_KHABAR_KAFKA", '{"conn_type": "kafka", "host": "kh", "port": 19092}')
    settings = settings_from_airflow(Settings())
    assert settings.es_url == "https://es2:9200"
    # Without extras, khabar's own reading (host + port, PLAINTEXT) applies.
    assert (settings.kafka_bootstrap, settings.kafka_security_protocol) == ("kh:19092", "PLAINTEXT")
