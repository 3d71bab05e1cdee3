"""Rich rendering shared by the terminal commands (``khabar search``, ``khabar demo``)."""

from __future__ import annotations

from rich.text import Text

from pipelines.search.query import split_highlight


def marked(fragment: str, style: str = "bold") -> Text:
    """A highlighted fragment from Elasticsearch (``<mark>`` tags, HTML-escaped) as Rich text."""
    text = Text()
    for piece, hit in split_highlight(" ".join(fragment.split())):
        text.append(piece, style=style if hit else None)
    return text
