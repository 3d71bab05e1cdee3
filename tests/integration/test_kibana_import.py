"""``khabar kibana setup`` sends the request Kibana's saved objects import API documents, over real
HTTP, to a small server on 127.0.0.1 that records each request and answers the way Kibana does.

The documented API (Kibana 8.x/9.x, "Import saved objects"): ``POST [/s/<space_id>]/api/saved_objects/
_import`` with query ``overwrite=true``, header ``kbn-xsrf`` (required), a ``multipart/form-data``
body whose part ``file`` is the ``.ndjson`` file; answer 200 ``{"success", "successCount",
"successResults", "errors"}``, where ``success: false`` + ``errors[]`` is a partial failure.
Kibana itself cannot run here: what Kibana then does with the objects is not exercised.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.config import get_settings
from pipelines.kibana.checks import parse_ndjson
from pipelines.kibana.importer import with_index_pattern
from pipelines.kibana.objects import DASHBOARD_ID, SAVED_OBJECTS_FILE, load_objects

API_KEY = "a2hhYmFyLWlkOmtoYWJhci1zZWNyZXQta2V5"  # base64("khabar-id:khabar-secret-key")
PASSWORD = "pa55-w0rd-never-printed"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    parts: list[dict[str, Any]]


@dataclass
class FakeKibana:
    """Records requests; ``reply`` is (status, JSON body) or a callable of the request."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    reply: Any = None


def _multipart(content_type: str, body: bytes) -> list[dict[str, Any]]:
    """Split a multipart/form-data body exactly (no decoding, no newline normalisation)."""
    boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
    parts = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk[2:].partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode("utf-8").split("\r\n") if ": " in line)
        disposition = headers.get("Content-Disposition", headers.get("content-disposition", ""))
        params = dict(p.strip().split("=", 1) for p in disposition.split(";")[1:] if "=" in p)
        parts.append(
            {
                "name": params.get("name", "").strip('"'),
                "filename": params.get("filename", "").strip('"'),
                "content_type": headers.get("Content-Type", headers.get("content-type", "")),
                "content": content[:-2] if content.endswith(b"\r\n") else content,
            }
        )
    return parts


def _success(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "success": True,
        "successCount": len(objects),
        "successResults": [
            {
                "type": o["type"],
                "id": o["id"],
                "meta": {"title": o["attributes"].get("title")},
                "overwrite": True,
            }
            for o in objects
        ],
        "warnings": [],
    }


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    state = FakeKibana(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            split = urlsplit(self.path)
            ctype = self.headers.get("Content-Type", "")
            recorded = Recorded(
                method="POST",
                path=split.path,
                query=parse_qs(split.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                parts=_multipart(ctype, body) if ctype.startswith("multipart/form-data") else [],
            )
            state.requests.append(recorded)
            status, payload = state.reply(recorded) if callable(state.reply) else state.reply
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    state.reply = (200, _success(load_objects()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _setup(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(app, ["kibana", "setup", *args], env=env, terminal_width=200)
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


def _expected_file() -> bytes:
    # the data view follows KHABAR_INDEX_ALIAS; with the default alias the file goes as is
    return with_index_pattern(SAVED_OBJECTS_FILE.read_bytes(), get_settings().index_alias)


def _assert_documented_import(request: Recorded, *, path: str) -> None:
    assert request.method == "POST"
    assert request.path == path
    assert request.query == {"overwrite": ["true"]}
    assert request.headers.get("kbn-xsrf"), "kbn-xsrf header is required by Kibana"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert len(request.parts) == 1
    part = request.parts[0]
    assert part["name"] == "file"
    assert part["filename"].endswith(".ndjson")
    assert part["content"] == _expected_file()


def test_api_key_import_matches_the_documented_request_and_is_repeatable(kibana: FakeKibana) -> None:
    for _ in range(2):  # idempotent: the same ids again, overwrite=true
        result, output = _setup("--url", kibana.url, "--api-key", API_KEY)
        assert result.exit_code == 0, output
        assert f"{kibana.url}/app/dashboards#/view/{DASHBOARD_ID}" in output
        assert f"imported {len(load_objects())} saved objects" in output
    assert len(kibana.requests) == 2
    for request in kibana.requests:
        _assert_documented_import(request, path="/api/saved_objects/_import")
        assert request.headers["authorization"] == f"ApiKey {API_KEY}"
    assert kibana.requests[0].parts == kibana.requests[1].parts
    assert API_KEY not in output


def test_basic_auth_from_env_into_a_space(kibana: FakeKibana) -> None:
    env = {
        "KHABAR_KIBANA_USER": "elastic",
        "KHABAR_KIBANA_PASSWORD": PASSWORD,
        "KHABAR_KIBANA_SPACE": "newsroom",
    }
    result, output = _setup("--url", kibana.url + "/", env=env)
    assert result.exit_code == 0, output
    (request,) = kibana.requests
    _assert_documented_import(request, path="/s/newsroom/api/saved_objects/_import")
    expected = base64.b64encode(f"elastic:{PASSWORD}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert f"{kibana.url}/s/newsroom/app/dashboards#/view/{DASHBOARD_ID}" in output
    assert PASSWORD not in output


def test_index_pattern_option_changes_only_the_data_view_title(kibana: FakeKibana) -> None:
    result, output = _setup("--url", kibana.url, "--index-pattern", "khabar-prod-articles")
    assert result.exit_code == 0, output
    sent = parse_ndjson(kibana.requests[0].parts[0]["content"])
    original = load_objects()
    assert [o["id"] for o in sent] == [o["id"] for o in original]
    for before, after in zip(original, sent, strict=True):
        if before["type"] == "index-pattern":
            assert after["attributes"].pop("title") == "khabar-prod-articles"
            before["attributes"].pop("title")
        assert after == before


def test_partial_failure_exits_non_zero_with_each_reason(kibana: FakeKibana) -> None:
    objects = load_objects()
    lens = next(o for o in objects if o["type"] == "lens")
    ok = [o for o in objects if o is not lens and o["type"] != "dashboard"]
    kibana.reply = (
        200,
        {
            "success": False,
            "successCount": len(ok),
            "successResults": _success(ok)["successResults"],
            "errors": [
                {
                    "id": lens["id"],
                    "type": "lens",
                    "meta": {"title": lens["attributes"]["title"], "icon": "lensApp"},
                    "error": {
                        "type": "missing_references",
                        "references": [{"type": "index-pattern", "id": "gone"}],
                    },
                },
                {
                    "id": DASHBOARD_ID,
                    "type": "dashboard",
                    "meta": {"title": "khabar"},
                    "error": {
                        "type": "unknown",
                        "message": "document has a newer typeMigrationVersion",
                        "statusCode": 400,
                    },
                },
            ],
        },
    )
    result, output = _setup("--url", kibana.url, "--api-key", API_KEY)
    assert result.exit_code == 1, output
    assert "import failed" in output
    assert f"imported {len(ok)} of {len(objects)}" in output
    assert f"lens {lens['id']}: missing_references: index-pattern gone" in output
    assert "document has a newer typeMigrationVersion (HTTP 400)" in output
    assert "/app/dashboards#" not in output  # no address for a dashboard that is not there


def test_401_names_the_credentials_problem_without_the_secret(kibana: FakeKibana) -> None:
    kibana.reply = (
        401,
        {
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "[security_exception] unable to authenticate",
        },
    )
    result, output = _setup("--url", kibana.url, "--user", "elastic", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "kibana_http_401" in output and "rejected the credentials" in output
    assert "unable to authenticate" in output
    assert PASSWORD not in output


def test_kibana_400_answer_is_reported(kibana: FakeKibana) -> None:
    kibana.reply = (
        400,
        {"statusCode": 400, "error": "Bad Request", "message": "Invalid file extension .txt"},
    )
    result, output = _setup("--url", kibana.url)
    assert result.exit_code == 1
    assert "HTTP 400" in output and "Invalid file extension .txt" in output


def test_unreachable_url_fails_clearly() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result, output = _setup("--url", f"http://elastic:{PASSWORD}@127.0.0.1:{port}", "--timeout", "5")
    assert result.exit_code == 1
    assert "kibana_unreachable" in output and "cannot reach Kibana" in output
    assert PASSWORD not in output


def test_malformed_ndjson_is_refused_before_sending(kibana: FakeKibana, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ndjson"
    bad.write_bytes(SAVED_OBJECTS_FILE.read_bytes() + b'{"type": "lens", "id": "half\n')
    result, output = _setup("--url", kibana.url, "--file", str(bad))
    assert result.exit_code == 1
    assert "kibana_assets_invalid" in output
    assert f"broken.ndjson:{len(load_objects()) + 1}: not JSON" in output
    assert kibana.requests == []


def test_not_a_kibana_url_is_refused() -> None:
    result, output = _setup("--url", "127.0.0.1:5601")
    assert result.exit_code == 1
    assert "kibana_url" in output
