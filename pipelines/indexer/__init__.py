"""The indexer: Kafka ``news.articles.v1`` -> validate -> enrich -> bulk index into Elasticsearch.

Modules: :mod:`.elastic` (client factory), :mod:`.template` (index template and alias),
:mod:`.enrich` (Article -> ES document), :mod:`.consume` (Kafka side), :mod:`.bulk` (ES side),
:mod:`.service` (the loop that ties them and commits offsets), :mod:`.metrics`, :mod:`.reindex`.
"""
