"""The ``khabar`` command exposes every stage's verbs."""

import logging
import subprocess
import sys
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from pipelines.cli import COMMANDS, app, load_command
from pipelines.logs import JsonFormatter

EXPECTED = {
    "extract", "scrape", "tail", "search", "demo", "serve-sample", "stack", "topics", "index", "dlq",
    "kibana", "serve", "eval",
}  # fmt: skip


def test_every_area_is_registered() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    listed = {
        line.split()[1]
        for line in result.output.splitlines()
        if line.startswith("│ ") and len(line.split()) > 1
    }
    assert listed >= EXPECTED, EXPECTED - listed


def test_group_help_lists_subcommands() -> None:
    result = CliRunner().invoke(app, ["index", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for verb in ("setup", "run", "status", "reindex"):
        assert verb in result.output


def test_the_listing_matches_the_commands_it_imports_lazily() -> None:
    """The one-line help in COMMANDS is what each command says of itself, and each name loads."""
    for name, (_module, line) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        own = (command.short_help or command.help or "").strip().splitlines()[0]
        assert own.rstrip(".") == line.rstrip("."), f"{name}: listing says {line!r}, command says {own!r}"


def test_help_imports_no_stage_module() -> None:
    code = (
        "import sys; from pipelines.cli import main; sys.argv = ['khabar', '--help']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('kafka', 'elasticsearch', 'trafilatura', 'sqlalchemy', 'pydantic', 'airflow'))\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"khabar {version('khabar')}"


def test_exit_codes_are_documented_in_help() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    text = " ".join(result.output.split())
    for code in ("0 success", "1 failure", "2 usage error", "3 nothing found"):
        assert code in text


def test_log_format_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_LOG_FORMAT", "yaml")
    result = CliRunner().invoke(app, ["topics", "--help"])
    assert result.exit_code == 2
    assert "json or console" in result.output


def test_a_bad_setting_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipelines.config._settings", None)
    monkeypatch.setenv("KHABAR_ES_PORT", "ninety")
    monkeypatch.setenv("KHABAR_BULK_MAX_DOCS", "many")
    result = CliRunner().invoke(app, ["stack", "status"])
    assert result.exit_code == 2
    assert "KHABAR_ES_PORT='ninety'" in result.output and "KHABAR_BULK_MAX_DOCS='many'" in result.output
    assert "Traceback" not in result.output


def test_environment_variables_show_in_help() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert "KHABAR_LOG_FORMAT" in result.output and "KHABAR_LOG_LEVEL" in result.output


def test_khabar_log_format_json_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_LOG_FORMAT", "json")
    CliRunner().invoke(app, ["stack", "status", "--help"])
    formatters = [h.formatter for h in logging.getLogger().handlers if getattr(h, "_khabar", False)]
    assert [type(f) for f in formatters] == [JsonFormatter]


def test_options_that_mirror_a_setting_show_its_variable() -> None:
    for args, variable in (
        (["index", "run", "--help"], "KHABAR_METRICS_PORT"),
        (["index", "status", "--help"], "KHABAR_INDEXER_GROUP"),
        (["scrape", "--help"], "KHABAR_SOURCES_FILE"),
        (["kibana", "setup", "--help"], "KHABAR_KIBANA_API_KEY"),
    ):
        result = CliRunner().invoke(app, args, terminal_width=200)
        assert variable in result.output, (args, result.output)
