"""Settings come from KHABAR_* variables; the README documents every one of them."""

from dataclasses import fields
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
        f"KHABAR_{f.name.upper()}" for f in fields(Settings) if f"`KHABAR_{f.name.upper()}`" not in readme
    ]
    assert not missing, f"README configuration reference lacks {missing}"
