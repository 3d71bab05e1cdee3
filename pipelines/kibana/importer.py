"""Import saved objects through Kibana's saved objects API (documented for Kibana 8.x/9.x):

``POST <kibana>[/s/<space_id>]/api/saved_objects/_import?overwrite=true``, a ``multipart/form-data``
body whose part ``file`` is the ``.ndjson`` file (Kibana checks the extension), the ``kbn-xsrf``
header (required by every Kibana write API), and ``Authorization: ApiKey <encoded>`` or
``Basic <user:password>``. ``overwrite=true`` makes the import idempotent: the same ids are
replaced, never copied.

Kibana answers 200 even when some objects failed: ``{"success": false, "successCount": n,
"errors": [{"id", "type", "meta": {"title"}, "error": {"type": "missing_references" |
"unsupported_type" | "conflict" | "unknown", ...}}]}``. That is a failure here, with each reason.
Credentials go into headers only; they are never logged or put in an error message.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pipelines.kibana.checks import parse_ndjson
from pipelines.kibana.errors import KibanaError
from pipelines.logs import redact

log = logging.getLogger(__name__)

IMPORT_PATH = "/api/saved_objects/_import"
# Kibana space ids: lowercase letters, digits, "_" and "-"
_SPACE_ID = re.compile(r"^[a-z0-9_-]+$")


@dataclass(frozen=True)
class KibanaAuth:
    """An API key (the ``encoded`` value Kibana shows, or ``id:api_key``) or a user and password."""

    api_key: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.api_key and (self.user or self.password):
            raise KibanaError("give an API key or a user and password, not both", reason="kibana_auth_args")
        if bool(self.user) != bool(self.password) and not self.api_key:
            raise KibanaError("basic auth needs both a user and a password", reason="kibana_auth_args")

    def __repr__(self) -> str:  # never show the secret, even in a traceback
        kind = "api_key" if self.api_key else "basic" if self.user else "none"
        return f"KibanaAuth({kind})"

    def header(self) -> str | None:
        if self.api_key:
            key = self.api_key.strip()
            if ":" in key:  # id:api_key as Elasticsearch returns them -> the encoded form
                key = base64.b64encode(key.encode("utf-8")).decode("ascii")
            return f"ApiKey {key}"
        if self.user:
            pair = f"{self.user}:{self.password}".encode()
            return f"Basic {base64.b64encode(pair).decode('ascii')}"
        return None


def space_prefix(space: str | None) -> str:
    """``/s/<space>`` for a non-default space, "" for the default one."""
    if not space or space == "default":
        return ""
    if not _SPACE_ID.match(space):
        raise KibanaError(
            f"{space!r} is not a Kibana space id (lowercase letters, digits, _ and -)", reason="kibana_space"
        )
    return f"/s/{space}"


def _base(url: str) -> str:
    url = url.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise KibanaError(f"{redact(url)!r} is not an http(s) Kibana URL", reason="kibana_url")
    return url


def import_url(url: str, space: str | None = None) -> str:
    return f"{_base(url)}{space_prefix(space)}{IMPORT_PATH}"


def dashboard_urls(url: str, objects: list[dict[str, Any]], space: str | None = None) -> dict[str, str]:
    """Title -> address of every dashboard among ``objects`` (in ``space``)."""
    base = re.sub(r"(?<=://)[^/@\s]*@", "", f"{_base(url)}{space_prefix(space)}")  # no user:password@
    return {
        o["attributes"].get("title", o["id"]): f"{base}/app/dashboards#/view/{o['id']}"
        for o in objects
        if o["type"] == "dashboard"
    }


@dataclass(frozen=True)
class ObjectResult:
    type: str
    id: str
    title: str
    ok: bool
    reason: str = ""


@dataclass
class ImportReport:
    """What Kibana said about each object of the file."""

    success: bool
    success_count: int
    objects: list[ObjectResult]

    @property
    def failures(self) -> list[ObjectResult]:
        return [o for o in self.objects if not o.ok]


class ImportFailedError(KibanaError):
    """Kibana answered, but did not import every object; ``report`` says which and why."""

    reason = "kibana_import_partial"

    def __init__(self, report: ImportReport) -> None:
        failed = "; ".join(f"{o.type} {o.id}: {o.reason}" for o in report.failures) or "no reason given"
        super().__init__(
            f"Kibana imported {report.success_count} of {len(report.objects)} objects; failed: {failed}"
        )
        self.report = report


def describe_error(error: dict[str, Any]) -> str:
    """One line for an import error object (the types of Kibana's SavedObjectsImportFailure)."""
    kind = error.get("type", "unknown")
    if kind == "missing_references":
        refs = ", ".join(f"{r.get('type')} {r.get('id')}" for r in error.get("references", []))
        return f"missing_references: {refs or '?'} not found in Kibana or in the file"
    if kind == "unsupported_type":
        return "unsupported_type: this Kibana does not know the object type (older Kibana or disabled app?)"
    if kind in ("conflict", "ambiguous_conflict"):
        return f"{kind}: an object with this id exists (import runs with overwrite=true; check permissions)"
    message = error.get("message") or error.get("error") or ""
    status = error.get("statusCode") or error.get("status_code")
    return f"{kind}: {message}" + (f" (HTTP {status})" if status else "")


def _report(objects: list[dict[str, Any]], body: dict[str, Any]) -> ImportReport:
    failed = {(e.get("type"), e.get("id")): e for e in body.get("errors") or []}
    results = []
    for obj in objects:
        title = str(obj["attributes"].get("title", ""))
        error = failed.pop((obj["type"], obj["id"]), None)
        if error is None:
            results.append(ObjectResult(obj["type"], obj["id"], title, ok=True))
        else:
            results.append(
                ObjectResult(
                    obj["type"], obj["id"], title, ok=False, reason=describe_error(error.get("error") or {})
                )
            )
    for (type_, id_), error in failed.items():  # errors about objects not in our file (should not happen)
        title = str((error.get("meta") or {}).get("title") or error.get("title") or "")
        results.append(
            ObjectResult(
                str(type_), str(id_), title, ok=False, reason=describe_error(error.get("error") or {})
            )
        )
    success = bool(body.get("success")) and not any(not r.ok for r in results)
    return ImportReport(success=success, success_count=int(body.get("successCount") or 0), objects=results)


def _kibana_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300].strip() or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:300]
    return str(body)[:300]


def import_saved_objects(
    url: str,
    payload: bytes,
    *,
    filename: str = "khabar-saved-objects.ndjson",
    auth: KibanaAuth | None = None,
    space: str | None = None,
    timeout: float = 30.0,
    verify: bool | str = True,
) -> ImportReport:
    """Send ``payload`` (NDJSON saved objects) to Kibana; raise unless every object was imported."""
    objects = parse_ndjson(payload, source=filename)  # a malformed file is never sent
    if not filename.endswith(".ndjson"):
        raise KibanaError(
            f"{filename!r}: Kibana only imports files named *.ndjson", reason="kibana_assets_invalid"
        )
    target = import_url(url, space)
    headers = {"kbn-xsrf": "true"}
    if auth and auth.header():
        headers["Authorization"] = auth.header()  # type: ignore[assignment]
    log.info("importing saved objects into Kibana", extra={"kibana": target, "objects": len(objects)})
    try:
        with httpx.Client(timeout=timeout, verify=verify, follow_redirects=False) as client:
            response = client.post(
                target,
                params={"overwrite": "true"},
                headers=headers,
                files={"file": (filename, payload, "application/ndjson")},
            )
    except httpx.HTTPError as exc:
        where = redact(_base(url))
        if isinstance(exc, httpx.TimeoutException):
            message, reason = f"Kibana at {where} did not answer within {timeout:g} s", "kibana_timeout"
        else:
            message = f"cannot reach Kibana at {where}: {type(exc).__name__}: {redact(str(exc))}"
            reason = "kibana_unreachable"
        raise KibanaError(message, reason=reason, transient=True) from exc
    if response.status_code in (401, 403):
        what = (
            "rejected the credentials"
            if response.status_code == 401
            else "refused the import (missing privileges)"
        )
        raise KibanaError(
            f"Kibana {what} (HTTP {response.status_code}): {_kibana_message(response)}",
            reason=f"kibana_http_{response.status_code}",
        )
    if response.status_code != 200:
        raise KibanaError(
            f"Kibana answered HTTP {response.status_code} to the import: {_kibana_message(response)}",
            reason=f"kibana_http_{response.status_code}",
            transient=response.status_code >= 500,
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise KibanaError(
            f"Kibana's answer is not JSON: {response.text[:200]!r}", reason="kibana_bad_answer"
        ) from exc
    if not isinstance(body, dict) or "success" not in body:
        raise KibanaError(
            f"Kibana's answer has no 'success' field: {str(body)[:200]}", reason="kibana_bad_answer"
        )
    report = _report(objects, body)
    if not report.success:
        raise ImportFailedError(report)
    log.info("Kibana imported every object", extra={"kibana": target, "success_count": report.success_count})
    return report


def with_index_pattern(payload: bytes, pattern: str | None) -> bytes:
    """``payload`` with every data view's index pattern set to ``pattern`` (unchanged bytes when it
    already is, or when ``pattern`` is None): for deployments whose alias is not ``news-articles``."""
    objects = parse_ndjson(payload)
    views = [o for o in objects if o["type"] == "index-pattern"]
    if not pattern or all(v["attributes"].get("title") == pattern for v in views):
        return payload
    for view in views:
        view["attributes"]["title"] = pattern
    return "".join(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n" for o in objects).encode()


def import_file(path: Path, url: str, *, index_pattern: str | None = None, **options: Any) -> ImportReport:
    payload = with_index_pattern(path.read_bytes(), index_pattern)
    return import_saved_objects(url, payload, filename=path.name, **options)
