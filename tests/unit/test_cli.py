"""The ``khabar`` command exposes every stage's verbs."""

from typer.testing import CliRunner

from pipelines.cli import app

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
