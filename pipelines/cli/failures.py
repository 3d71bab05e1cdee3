"""Exit codes and the one line a user sees when a command fails for an everyday reason.

A broker or node that is down is the most common failure of every verb that talks to Kafka or
Elasticsearch; it gets one line naming the address and what to check, never a traceback. Errors
are recognised by class name and module so that this module imports neither client library, and
``khabar --help`` imports nothing from khabar but this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # something went wrong at run time: a server unreachable, an error while working
    USAGE = 2  # a bad option, argument or KHABAR_* setting (click uses 2 for usage errors too)
    NOTHING_FOUND = 3  # the command worked and found nothing: no search hit, no article in a page


EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 failure at run time (e.g. Kafka or Elasticsearch unreachable); "
    "2 usage error (bad option, argument or KHABAR_* setting); 3 nothing found (a search without "
    "results, a page without an article)."
)

_KAFKA_DOWN = {"NoBrokersAvailable", "KafkaConnectionError", "NodeNotReadyError", "KafkaTimeoutError"}
_ES_DOWN = {"ConnectionError", "ConnectionTimeout"}


@dataclass(frozen=True)
class Failure:
    message: str
    code: int = ExitCode.FAILURE


def _kind(exc: BaseException, package: str, names: set[str]) -> bool:
    return any(cls.__name__ in names and cls.__module__.split(".")[0] == package for cls in type(exc).__mro__)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the errors it was raised from, innermost last (a PublishError wraps the Kafka error)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_unreachable(exc: BaseException) -> bool:
    """Is ``exc`` (or what it was raised from) a Kafka or Elasticsearch that cannot be reached?"""
    return any(
        _kind(err, "kafka", _KAFKA_DOWN)
        or _kind(err, "elastic_transport", _ES_DOWN)
        or _kind(err, "elasticsearch", _ES_DOWN)
        for err in _chain(exc)
    )


def one_line_failure(exc: BaseException, settings: Any) -> Failure | None:
    """The line to print for ``exc`` and the exit code, or None for a bug (which keeps its traceback)."""
    from pipelines.errors import ConfigError, KhabarError
    from pipelines.logs import redact

    kafka_at = getattr(settings, "kafka_bootstrap", "the configured bootstrap servers")
    es_at = redact(getattr(settings, "es_url", "the configured URL"))
    for err in _chain(exc):
        if _kind(err, "kafka", _KAFKA_DOWN):
            return Failure(
                f"cannot reach Kafka at {kafka_at} ({type(err).__name__}): is it running? "
                "Check KHABAR_KAFKA_BOOTSTRAP, or `khabar stack status` for the local stack."
            )
        if _kind(err, "elastic_transport", _ES_DOWN) or _kind(err, "elasticsearch", _ES_DOWN):
            return Failure(
                f"cannot reach Elasticsearch at {es_at} ({type(err).__name__}): is it running? "
                "Check KHABAR_ES_URL, or `khabar stack status` for the local stack."
            )
    if isinstance(exc, ConfigError):
        return Failure(str(exc), ExitCode.USAGE)
    if isinstance(exc, KhabarError):
        return Failure(redact(str(exc)))
    return None
