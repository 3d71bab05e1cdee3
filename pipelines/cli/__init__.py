"""The ``khabar`` command: one verb group per stage, each wrapping the functions the DAGs call."""

from __future__ import annotations

import importlib
import logging

import typer

from pipelines.config import get_settings
from pipelines.logs import setup as setup_logging

app = typer.Typer(
    name="khabar",
    help="khabar (خبر): Arabic news ingestion — scrape, publish to Kafka, index into Elasticsearch, search.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# (module under pipelines.cli, group name or None to merge its commands at the top level)
_AREAS: list[tuple[str, str | None]] = [
    ("stack", "stack"),
    ("extract", None),  # khabar extract
    ("rebuild", None),  # khabar rebuild
    ("scrape", None),  # khabar scrape
    ("topics", "topics"),
    ("tail", None),  # khabar tail
    ("index", "index"),
    ("dlq", "dlq"),
    ("search", None),  # khabar search
    ("demo", None),  # khabar demo
    ("sample_site", None),  # khabar serve-sample
    ("eval", "eval"),  # khabar eval search
    ("serve", None),  # khabar serve
    ("kibana", "kibana"),
]


@app.callback()
def _root(
    log_format: str = typer.Option(None, help="json or console (default: KHABAR_LOG_FORMAT or console)"),
    log_level: str = typer.Option(None, help="DEBUG, INFO, WARNING (default: KHABAR_LOG_LEVEL)"),
) -> None:
    settings = get_settings()
    setup_logging(level=log_level or settings.log_level, fmt=log_format or "console")


def _register() -> None:
    for module_name, group in _AREAS:
        sub = importlib.import_module(f"pipelines.cli.{module_name}").app
        if group:
            app.add_typer(sub, name=group)
        else:
            for command in sub.registered_commands:
                app.registered_commands.append(command)


_register()


def main() -> None:
    logging.captureWarnings(True)
    app()
