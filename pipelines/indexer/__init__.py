"""The indexer: Kafka ``news.articles.v1`` -> validate -> enrich -> bulk index into Elasticsearch.

Modules: :mod:`.enrich` (Article -> ES document), :mod:`.consume` (a Kafka record -> a prepared
document or a dead letter), :mod:`.bulk` (one ``_bulk`` write and its outcomes), and the loop in three
rooms: :mod:`.sink` (build, send, settle a batch), :mod:`.checkpoint` (offsets, commit, seek back),
:mod:`.service` (the loop and :func:`~.service.run_indexer`, its lifecycle); :mod:`.metrics`,
:mod:`.status`, :mod:`.reindex`. The index itself (client, template, aliases) is :mod:`pipelines.elastic`.
"""
