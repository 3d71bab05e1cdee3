"""A hostile web server on 127.0.0.1: every route writes raw bytes, so it can send what no framework
would (unparseable Location headers, stacked encodings, headers one byte at a time).

Routes are ``path -> Answer``; an Answer gets the socket file and writes anything it likes.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

Answer = Callable[[BinaryIO], None]

ROBOTS_OK = b"User-agent: *\nAllow: /\n"


def raw(status: str, headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> Answer:
    """An answer written exactly as given (header values are sent as UTF-8 bytes, unchecked)."""

    def answer(out: BinaryIO) -> None:
        lines = [f"HTTP/1.1 {status}".encode()]
        names = {name.lower() for name, _ in headers or []}
        for name, value in headers or []:
            lines.append(f"{name}: {value}".encode())
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(body)}".encode())
        lines.append(b"Connection: close")
        out.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)

    return answer


def html(body: str | bytes, *, headers: list[tuple[str, str]] | None = None) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    return raw("200 OK", [("Content-Type", "text/html; charset=utf-8"), *(headers or [])], data)


def dribble(data: bytes, every: float) -> Answer:
    """Send ``data`` one byte at a time, ``every`` seconds apart (a slow-headers attack)."""

    def answer(out: BinaryIO) -> None:
        for byte in data:
            out.write(bytes([byte]))
            out.flush()
            time.sleep(every)

    return answer


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Answer] = {
            "/robots.txt": raw("200 OK", [("Content-Type", "text/plain")], ROBOTS_OK)
        }
        self.requests: list[str] = []
        self.connections = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return self.requests.count(path)


class _Handler(socketserver.StreamRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        self.server.connections += 1
        self.connection.settimeout(30)
        line = self.rfile.readline(65536).decode("latin-1")
        while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
            pass
        parts = line.split()
        if len(parts) < 2:
            return
        path = parts[1]
        self.server.requests.append(path)
        answer = self.server.routes.get(path) or raw("404 Not Found", [("Content-Type", "text/plain")], b"no")
        try:
            answer(self.wfile)
            self.wfile.flush()
        except OSError:
            pass  # the client hung up: exactly what a guard should do


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
