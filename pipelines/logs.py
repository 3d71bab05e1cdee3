"""Structured logging: one JSON object per line (or a readable console line), secrets redacted.

Call :func:`setup` once in an entry point (CLI, service, DAG task); library modules only do
``log = logging.getLogger(__name__)`` and pass context with ``extra={...}``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else came in through ``extra=`` and is structured context.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|api_?key|authorization|credential", re.I)
# user:password@ in URLs, and key=value secrets inside free text.
_URL_CREDS = re.compile(r"(?<=://)([^/@\s:]+):([^/@\s]+)@")
_KV_SECRET = re.compile(r"((?:password|passwd|secret|token|api_?key)\s*[=:]\s*)([^\s,;&]+)", re.I)


def redact(value: Any) -> Any:
    """Mask credentials in strings and secret-named keys in mappings (recursively)."""
    if isinstance(value, str):
        return _KV_SECRET.sub(r"\1***", _URL_CREDS.sub(r"\1:***@", value))
    if isinstance(value, dict):
        return {k: ("***" if _SECRET_KEYS.search(str(k)) and v else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = "***" if _SECRET_KEYS.search(key) and value else redact(value)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        ctx = " ".join(f"{k}={'***' if _SECRET_KEYS.search(k) else redact(v)}" for k, v in extras.items())
        line = f"{record.levelname[0]} {record.name}: {redact(record.getMessage())}"
        return f"{line}  {ctx}" if ctx else line


def setup(level: str = "INFO", fmt: str = "json", stream: Any = None) -> None:
    """Configure the root logger once; repeated calls replace khabar's handler, not others'."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_khabar", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    handler._khabar = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # kafka-python and elastic-transport are chatty at INFO.
    for noisy in ("kafka", "elastic_transport", "urllib3", "httpx", "httpcore", "trafilatura", "htmldate"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
