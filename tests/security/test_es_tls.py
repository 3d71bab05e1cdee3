"""Elasticsearch over TLS, client side: ``es_client`` verifies the server against the configured
CA, sends the API key, and presents a client certificate. The local node has no security module,
so the server here is a TLS endpoint on 127.0.0.1 that answers like Elasticsearch (see
docs/security.md for what this does and does not exercise)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from elastic_transport import TlsError
from elasticsearch import ConnectionError as EsConnectionError

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.stack.certs import CertPair, issue, make_ca

INFO = {
    "name": "tls-test",
    "cluster_name": "khabar-tls",
    "version": {"number": "9.1.0"},
    "tagline": "You Know, for Search",
}


@dataclass
class TlsEs:
    url: str
    ca: CertPair
    client: CertPair
    seen_auth: list[str] = field(default_factory=list)
    seen_client_cn: list[str] = field(default_factory=list)


def _serve(tmp: Path, *, require_client_cert: bool) -> Iterator[TlsEs]:
    ca = make_ca(tmp)
    server_pair = issue(ca, tmp, "es-server")
    client_pair = issue(ca, tmp, "khabar-indexer", server=False)
    state = TlsEs("", ca, client_pair)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen_auth.append(self.headers.get("Authorization", ""))
            peer = self.connection.getpeercert() or {}
            cn = [v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName"]
            state.seen_client_cn.extend(cn)
            body = json.dumps(INFO).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_pair.cert, server_pair.key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(ca.cert)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.url = f"https://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def tls_es(tmp_path: Path) -> Iterator[TlsEs]:
    yield from _serve(tmp_path, require_client_cert=False)


@pytest.fixture
def mtls_es(tmp_path: Path) -> Iterator[TlsEs]:
    yield from _serve(tmp_path, require_client_cert=True)


def test_api_key_over_tls_verified_by_the_configured_ca(tls_es: TlsEs) -> None:
    settings = Settings(es_url=tls_es.url, es_ca_certs=str(tls_es.ca.cert), es_api_key="a2V5OnNlY3JldA==")
    with es_client(settings, max_retries=0) as es:
        assert es.info()["cluster_name"] == "khabar-tls"
    assert tls_es.seen_auth == ["ApiKey a2V5OnNlY3JldA=="]


def test_a_server_the_ca_did_not_sign_is_refused(tls_es: TlsEs, tmp_path: Path) -> None:
    other_ca = make_ca(tmp_path / "other", "someone-else")
    settings = Settings(es_url=tls_es.url, es_ca_certs=str(other_ca.cert), es_api_key="k")
    with es_client(settings, max_retries=0) as es, pytest.raises((TlsError, EsConnectionError)):
        es.info()
    assert tls_es.seen_auth == []  # the key never left the client


def test_client_certificate_for_mutual_tls(mtls_es: TlsEs) -> None:
    base = Settings(es_url=mtls_es.url, es_ca_certs=str(mtls_es.ca.cert))
    with es_client(base, max_retries=0) as es, pytest.raises((TlsError, EsConnectionError)):
        es.info()  # no client certificate: the server ends the handshake
    with_cert = base.with_overrides(
        es_client_cert=str(mtls_es.client.cert), es_client_key=str(mtls_es.client.key)
    )
    with es_client(with_cert, max_retries=0) as es:
        assert es.info()["name"] == "tls-test"
    assert mtls_es.seen_client_cn == ["khabar-indexer"]
