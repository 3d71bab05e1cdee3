"""Settings come from KHABAR_* variables; the README documents every one of them."""

from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.errors import ConfigError


def test_env_values_are_typed() -> None:
    s = Settings.from_env(
        {"KHABAR_ES_PORT": "19200", "KHABAR_HOME": "/tmp/k", "KHABAR_BULK_MAX_SECONDS": "0.5"}
    )
    assert s.es_port == 19200
    assert s.home == Path("/tmp/k")
    assert s.bulk_max_seconds == 0.5
    assert s.state_db_url == "sqlite:////tmp/k/crawl-state.sqlite3"


def test_malformed_number_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="KHABAR_ES_PORT"):
        Settings.from_env({"KHABAR_ES_PORT": "ninety"})


def test_redacted_hides_secrets_only() -> None:
    s = Settings.from_env({"KHABAR_ES_PASSWORD": "hunter2", "KHABAR_KAFKA_USERNAME": "svc"})
    shown = s.redacted()
    assert shown["es_password"] == "***"
    assert shown["kafka_username"] == "svc"
    assert "hunter2" not in repr(shown)


def test_readme_documents_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"KHABAR_{name.upper()}" for name in Settings.model_fields if f"`KHABAR_{name.upper()}`" not in readme
    ]
    assert not missing, f"README configuration reference lacks {missing}"


def test_every_bad_variable_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(
            {"KHABAR_ES_PORT": "ninety", "KHABAR_BULK_MAX_SECONDS": "soon", "KHABAR_KAFKA_PORT": "9092"}
        )
    message = str(caught.value)
    assert "KHABAR_ES_PORT='ninety'" in message
    assert "KHABAR_BULK_MAX_SECONDS='soon'" in message
    assert "KHABAR_KAFKA_PORT" not in message


def test_the_process_environment_is_read_by_pydantic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_BULK_MAX_DOCS", "42")
    monkeypatch.setenv("KHABAR_ES_API_KEY", "k-123")
    monkeypatch.setenv("KHABAR_LOG_LEVEL", "")  # empty means unset, as before
    s = Settings.from_env(index_alias="other")
    assert (s.bulk_max_docs, s.index_alias, s.log_level) == (42, "other", "INFO")
    assert s.secret("es_api_key") == "k-123"
    monkeypatch.setenv("KHABAR_METRICS_PORT", "-x")
    with pytest.raises(ConfigError, match="KHABAR_METRICS_PORT"):
        Settings.from_env()


def test_secrets_never_show_in_repr_str_or_errors() -> None:
    s = Settings.from_env(
        {
            "KHABAR_ES_PASSWORD": "hunter2",
            "KHABAR_KAFKA_PASSWORD": "k-pass",
            "KHABAR_ES_API_KEY": "api-key-1",
            "KHABAR_ES_URL": "https://svc:url-pass@es.example.invalid:9200",
        }
    )
    for shown in (repr(s), str(s), repr(s.redacted())):
        for secret in ("hunter2", "k-pass", "api-key-1", "url-pass"):
            assert secret not in shown
    assert s.redacted()["es_url"] == "https://svc:***@es.example.invalid:9200"
    assert s.secret("es_password") == "hunter2"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"KHABAR_ES_PORT": "x"}, es_password=["hunter2"])
    assert "hunter2" not in str(caught.value)


def test_overrides_are_checked_and_frozen() -> None:
    s = Settings.from_env({})
    assert s.with_overrides(es_port="19201").es_port == 19201
    with pytest.raises(ConfigError, match="KHABAR_ES_PORT"):
        s.with_overrides(es_port="x")
    with pytest.raises(ValueError, match="frozen"):
        s.es_port = 1  # type: ignore[misc]


def test_home_is_var_in_a_checkout_and_khabar_home_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env({}).home == PROJECT_ROOT / "var"
    assert Settings.from_env({"KHABAR_HOME": "~/kh"}).home == Path("~/kh").expanduser()


def test_from_env_with_a_mapping_reads_that_mapping_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the shell exports (a helper's own stack ports, KHABAR_HOME) must not leak into settings
    # built from a given mapping: tests and callers rely on from_env({...}) being exactly that.
    monkeypatch.setenv("KHABAR_HOME", "/tmp/from-the-shell")
    monkeypatch.setenv("KHABAR_KAFKA_PORT", "29092")
    monkeypatch.setenv("KHABAR_ES_URL", "http://127.0.0.1:29200")
    s = Settings.from_env({"KHABAR_ES_PORT": "19200"})
    assert s.home == PROJECT_ROOT / "var"
    assert s.kafka_port == Settings.model_fields["kafka_port"].default
    assert s.es_url == Settings.model_fields["es_url"].default
    assert s.es_port == 19200
    # with_overrides builds on the values it has, not on the environment either
    assert s.with_overrides(es_port=19201).home == PROJECT_ROOT / "var"
    # while from_env() without a mapping still reads the process environment
    assert Settings.from_env().kafka_port == 29092
