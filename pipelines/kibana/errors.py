"""Errors of the Kibana area (all :class:`~pipelines.errors.KhabarError`, each with a ``reason``)."""

from __future__ import annotations

from pipelines.errors import KhabarError


class KibanaError(KhabarError):
    """Kibana could not be reached, refused the request, or rejected some objects."""

    reason = "kibana_failed"


class KibanaAssetsError(KibanaError):
    """The saved-objects file is not valid NDJSON of saved objects (nothing was sent)."""

    reason = "kibana_assets_invalid"
