"""Extract stage: one fetched page (RawPage) -> one Article (metadata, body blocks, dates)."""

from pipelines.extract.article import extract_article

__all__ = ["extract_article"]
