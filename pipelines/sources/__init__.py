"""News sources: a data engineer adds one by adding an entry to ``sources.yaml``.

``load_sources(path)`` validates every entry and reports all bad ones at once, one line each
(file, entry index and id, field, why), in a :class:`SourcesError` (a ``ConfigError``).

Files shipped here:
- ``sources.yaml``: real Arabic outlets (the default ``KHABAR_SOURCES_FILE``).
- ``sample.yaml``: the sample site khabar serves itself on 127.0.0.1:8765 (demo and tests). It is a
  separate file so production never crawls it; point ``KHABAR_SOURCES_FILE`` at it for the demo,
  or use :func:`pipelines.sample_site.sample_sources` for a site served on another port.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.config import DEFAULT_SOURCES_FILE
from pipelines.errors import ConfigError
from pipelines.sources.models import Discovery, ListingPage, Selectors, SourceConfig

__all__ = [
    "DEFAULT_SOURCES_FILE",
    "SAMPLE_SOURCES_FILE",
    "Discovery",
    "ListingPage",
    "Selectors",
    "SourceConfig",
    "SourcesError",
    "load_sources",
    "select_sources",
]

SAMPLE_SOURCES_FILE = Path(__file__).with_name("sample.yaml")


class SourcesError(ConfigError):
    """A sources file with problems; ``problems`` holds one line per bad entry."""

    reason = "invalid_sources"

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{self.path}: {len(self.problems)} {noun}:\n" + "\n".join(self.problems))


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "(entry)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (misspelt?)"
    elif error["type"] == "missing":
        message = "required field missing"
    return f"{where}: {message}"


def load_sources(path: Path | str) -> list[SourceConfig]:
    """Every source in the file (enabled or not), validated; :class:`SourcesError` lists all problems.

    The file is a list of entries, or a mapping with a ``sources:`` list.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(path, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise SourcesError(path, [f"not valid YAML: {exc}"]) from exc
    if isinstance(raw, dict) and "sources" in raw:
        raw = raw["sources"]
    if not isinstance(raw, list):
        raise SourcesError(path, ["expected a list of sources (or a mapping with a 'sources:' list)"])

    sources: list[SourceConfig] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw):
        label = f"entry {index}"
        if isinstance(entry, dict) and entry.get("id"):
            label += f" (id={entry['id']})"
        if not isinstance(entry, dict):
            problems.append(f"{path}: {label}: expected a mapping of fields, got {type(entry).__name__}")
            continue
        try:
            source = SourceConfig.model_validate(entry)
        except ValidationError as exc:
            # One line per bad entry, naming every bad field in it.
            problems.append(f"{path}: {label}: " + "; ".join(_describe(e) for e in exc.errors()))
            continue
        if source.id in seen:
            problems.append(f"{path}: {label}: id: duplicate of entry {seen[source.id]}")
            continue
        seen[source.id] = index
        sources.append(source)
    if problems:
        raise SourcesError(path, problems)
    return sources


def select_sources(sources: Sequence[SourceConfig], ids: Sequence[str] | None = None) -> list[SourceConfig]:
    """The enabled sources, or exactly the named ones (enabled or not); unknown ids are an error."""
    if not ids:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise ConfigError(f"unknown source id(s): {', '.join(unknown)}; known: {', '.join(by_id)}")
    return [by_id[i] for i in ids]
