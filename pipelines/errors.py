"""The khabar exception tree.

::

    KhabarError
     ├── ConfigError          bad settings or sources file
     ├── FetchError           HTTP, robots.txt, SSRF guard, size/charset limits
     ├── ParseError           feed, sitemap or page that cannot be read
     ├── ExtractionError      a page that yields no article (empty, boilerplate only)
     ├── SchemaError          a message that does not validate against its JSON Schema
     ├── PublishError         Kafka refused or lost a message
     ├── IndexingError        Elasticsearch refused a document or a batch
     └── StackError           the local Kafka / Elasticsearch could not be started

Each error carries a short machine-readable ``reason`` (e.g. ``http_404``, ``robots_disallow``)
so counters and dead letters group by it; the class name is the ``error_class``.
"""

from __future__ import annotations

from typing import Any


def _rebuild(cls: type[KhabarError], message: str, reason: str, transient: bool) -> KhabarError:
    return cls(message, reason=reason, transient=transient)


class KhabarError(Exception):
    """Root of every error khabar raises on purpose."""

    reason: str = "error"
    #: transient errors may succeed when retried; permanent ones never will.
    transient: bool = False

    def __init__(self, message: str, *, reason: str | None = None, transient: bool | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
        if transient is not None:
            self.transient = transient

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled across processes (the extraction worker): keep reason and transient
        return (_rebuild, (type(self), str(self), self.reason, self.transient))

    @property
    def error_class(self) -> str:
        return type(self).__name__


class ConfigError(KhabarError):
    reason = "invalid_config"


class FetchError(KhabarError):
    reason = "fetch_failed"


class ParseError(KhabarError):
    reason = "parse_failed"


class ExtractionError(KhabarError):
    reason = "extraction_failed"


class SchemaError(KhabarError):
    reason = "schema_invalid"


class PublishError(KhabarError):
    reason = "publish_failed"


class IndexingError(KhabarError):
    reason = "indexing_failed"


class StackError(KhabarError):
    reason = "stack_failed"
