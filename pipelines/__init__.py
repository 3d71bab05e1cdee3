"""khabar (خبر): an event-stream ingestion pipeline for Arabic news.

Stages, each in its own module: sources -> fetch -> extract -> normalize -> publish
-> indexer -> search. Data between stages is one typed model, :class:`pipelines.model.Article`.
"""

import logging

__version__ = "0.1.0"

# A library never configures logging for its host; the CLI and services do (pipelines.logs).
logging.getLogger(__name__).addHandler(logging.NullHandler())
