"""The one place Elasticsearch clients are built from :class:`~pipelines.config.Settings`.

Everything that talks to Elasticsearch (indexer, search, setup, tests, benchmarks) calls
:func:`es_client`, so the URL, credentials and TLS settings are read in one spot.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from pipelines.config import Settings
from pipelines.profile import split_hosts


def es_client(settings: Settings, **overrides: Any) -> Elasticsearch:
    """An Elasticsearch client for ``settings.es_url`` with basic auth or an API key and CA certs.

    ``es_url`` may list several nodes, comma-separated: requests go round-robin, and a node that
    refuses connections is set aside while the others answer (the client's node pool).

    ``overrides`` go straight to :class:`~elasticsearch.Elasticsearch` (e.g. ``max_retries=0`` for
    the indexer, which does its own back-off, or ``request_timeout``).
    """
    options: dict[str, Any] = {"request_timeout": settings.read_timeout}
    if settings.secret("es_api_key"):
        options["api_key"] = settings.secret("es_api_key")
    elif settings.es_username:
        options["basic_auth"] = (settings.es_username, settings.secret("es_password"))
    if settings.es_ca_certs:
        options["ca_certs"] = settings.es_ca_certs
    if settings.es_client_cert:
        options["client_cert"] = settings.es_client_cert
        options["client_key"] = settings.es_client_key or None
    options.update(overrides)
    return Elasticsearch(split_hosts(settings.es_url), **options)
