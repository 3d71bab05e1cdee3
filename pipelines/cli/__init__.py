"""The ``khabar`` command: one verb group per stage, each wrapping the functions the DAGs call.

Each verb's module is imported only when that verb runs: the stages pull in trafilatura, kafka-python,
elasticsearch and SQLAlchemy (seconds of imports), which ``khabar --help`` and every other verb
should not pay for. The table below gives the name and one-line help the listing shows; a test
checks it against the commands themselves.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from pipelines.cli.failures import EXIT_CODES_HELP, ExitCode

#: verb -> (module under pipelines.cli, one-line help shown by ``khabar --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "stack": (
        "stack",
        "Start, stop and inspect the local Kafka and Elasticsearch, and Airflow with --airflow (no Docker).",
    ),
    "extract": (
        "extract",
        "Extract saved pages into Articles as JSON (one page: exit 3 if it holds no article).",
    ),
    "rebuild": (
        "rebuild",
        "Extract every stored page again with the current extractor and selectors; publish changed articles.",
    ),
    "scrape": ("scrape", "Discover, fetch and extract articles from news sources (no Kafka)."),
    "topics": ("topics", "Create and inspect khabar's Kafka topics."),
    "tail": (
        "tail",
        "Print messages as they arrive (or from the beginning): key, partition/offset, headers, title.",
    ),
    "index": ("index", "Index articles from Kafka into Elasticsearch."),
    "dlq": ("dlq", "List and replay dead letters (news.dlq.v1)."),
    "search": (
        "search",
        "Search articles: every form of an Arabic word matches (clitics, hamza, diacritics, digits).",
    ),
    "demo": (
        "demo",
        "Start the local stack, scrape the sample site through Airflow into Kafka, index it, search it.",
    ),
    "serve-sample": (
        "sample_site",
        "Serve the sample news site (feeds, sitemaps, listing, articles and bad cases).",
    ),
    "eval": ("eval", "Evaluate search quality (needs ../shared/data and the local Elasticsearch)."),
    "serve": (
        "serve",
        "Serve the search page (http://HOST:PORT/) and its JSON API (/api/search, schema /openapi.json).",
    ),
    "kibana": ("kibana", "Kibana: import khabar's data view, saved searches and dashboard."),
    "schemas": ("schemas", "Check khabar's topic schemas (JSON Schema) for breaking changes."),
}


def load_command(name: str) -> Any:
    """Import the verb's module and return its command: a group where the module has several verbs
    (or a callback), the one verb itself otherwise (khabar extract, khabar serve-sample)."""
    module = importlib.import_module(f"pipelines.cli.{COMMANDS[name][0]}")
    command = typer.main.get_command(module.app)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """Lists verbs from :data:`COMMANDS`, imports one only to run it, and turns failures that users
    meet every day (a server down, a bad setting) into one line and an exit code."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            # The listing needs only the name and its line of help: no import.
            help_line = COMMANDS[cmd_name][1]
            return TyperCommand(cmd_name, help=help_line, short_help=help_line)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:
            from pipelines.cli.failures import one_line_failure

            failure = one_line_failure(exc, _settings_or_none())
            if failure is None:
                raise
            typer.echo(f"khabar: error: {failure.message}", err=True)
            ctx.exit(failure.code)


def _settings_or_none() -> Any:
    from pipelines.config import get_settings
    from pipelines.errors import ConfigError

    try:
        return get_settings()
    except ConfigError:
        return None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("khabar")
    except PackageNotFoundError:  # a checkout on sys.path that was never installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"khabar {_version()}")
        raise typer.Exit()


app = typer.Typer(
    name="khabar",
    cls=LazyGroup,
    help="khabar (خبر): Arabic news ingestion — scrape, publish to Kafka, index into Elasticsearch, search.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    log_format: str = typer.Option(
        "console", envvar="KHABAR_LOG_FORMAT", show_envvar=True, help="json (for machines) or console"
    ),
    log_level: str = typer.Option(
        None, envvar="KHABAR_LOG_LEVEL", show_envvar=True, help="DEBUG, INFO, WARNING"
    ),
    _version_flag: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print khabar's version and exit."
    ),
) -> None:
    # Imported here, not at the top: `khabar --help` never runs this callback and skips pydantic.
    from pipelines.config import get_settings
    from pipelines.errors import ConfigError
    from pipelines.logs import setup as setup_logging

    if log_format not in ("json", "console"):
        raise typer.BadParameter("json or console", param_hint="--log-format")
    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.echo(f"khabar: error: {exc}", err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    level = log_level or settings.log_level
    setup_logging(level=level, fmt=log_format)
    if level.upper() != "DEBUG":
        # A server that is down gets one line from LazyGroup.invoke; the client libraries' own retry
        # warnings and errors would say the same at length (--log-level DEBUG shows them).
        for name in ("kafka", "elastic_transport"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def main() -> None:
    logging.captureWarnings(True)
    app()
