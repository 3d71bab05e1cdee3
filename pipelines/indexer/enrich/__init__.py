"""Enrichment: an :class:`~pipelines.model.Article` becomes the Elasticsearch source document.

``to_document(article)`` adds language, word count, reading time, keywords, places and the
near-duplicate signature; ``assign_clusters(es, alias, docs)`` then settles ``cluster_id`` for a
batch against what is already indexed. Everything runs offline.
"""

from pipelines.indexer.enrich.dedup import assign_clusters
from pipelines.indexer.enrich.document import to_document

__all__ = ["assign_clusters", "to_document"]
