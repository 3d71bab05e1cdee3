"""The sample Arabic news site khabar makes for its demo and tests, served on 127.0.0.1.

``with serve() as base_url: ...`` serves it on a free port; ``khabar serve-sample`` serves it in the
foreground. :class:`SampleSite` gives tests the server-side request log and ways to change content.
The matching source entries are in ``pipelines/sources/sample.yaml`` (port 8765); for a site on
another port use :func:`sample_sources`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipelines.sample_site.render import SampleArticle, load_articles
from pipelines.sample_site.server import BAD_CASES, CASE_GOOD_ARTICLE, RequestLog, SampleSite
from pipelines.sources import SAMPLE_SOURCES_FILE, SourceConfig, load_sources

__all__ = [
    "BAD_CASES",
    "CASE_GOOD_ARTICLE",
    "DEFAULT_PORT",
    "RequestLog",
    "SampleArticle",
    "SampleSite",
    "load_articles",
    "sample_sources",
    "serve",
]

#: The port ``khabar serve-sample`` uses and ``pipelines/sources/sample.yaml`` points at.
DEFAULT_PORT = 8765


@contextmanager
def serve(port: int = 0, host: str = "127.0.0.1", **options: float) -> Iterator[str]:
    """Serve the sample site in a background thread; yields its base URL (``http://127.0.0.1:PORT``)."""
    with SampleSite(host, port, **options) as site:  # type: ignore[arg-type]
        yield site.base_url


def sample_sources(base_url: str) -> list[SourceConfig]:
    """The sources of ``sample.yaml`` pointed at a sample site served at ``base_url``, all enabled."""

    return [
        source.model_copy(update={"enabled": True}).rebased(f"http://127.0.0.1:{DEFAULT_PORT}", base_url)
        for source in load_sources(SAMPLE_SOURCES_FILE)
    ]
