"""The fetcher's sockets: the SSRF guard at connect time, and one wall-clock deadline per request.

httpx resolves names itself, so a guard that resolves first and lets httpx connect afterwards can
be fooled by DNS rebinding (public answer for the check, private answer for the connection). Here
the name is resolved once, every address is checked, and the socket connects to a checked address.

httpx has no total timeout: its read timeout restarts with every byte, so a server dribbling
header bytes holds a request for as long as it likes. Every socket read and write here waits at
most until the request's deadline, whatever httpx asked for.

Both are per request and set by :func:`guarded` (a context variable, so one shared client serves
many threads).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore

from pipelines.errors import FetchError
from pipelines.fetch.ssrf import IPAddress, blocked_reason, resolve

Resolver = Callable[[str, int], list[IPAddress]]


@dataclass(frozen=True)
class RequestGuard:
    """What one request may do: reach private addresses for these hosts only, until ``deadline``."""

    private_ok: Callable[[str], bool]
    deadline: float  # time.monotonic()

    def remaining(self, wanted: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("fetch deadline passed")
        return left if wanted is None else min(wanted, left)


_current: ContextVar[RequestGuard | None] = ContextVar("khabar_fetch_guard", default=None)


@contextmanager
def guarded(private_ok: Callable[[str], bool], seconds: float) -> Iterator[RequestGuard]:
    guard = RequestGuard(private_ok, time.monotonic() + seconds)
    token = _current.set(guard)
    try:
        yield guard
    finally:
        _current.reset(token)


def _guard() -> RequestGuard:
    # No guard set (a caller that bypassed Fetcher): no private addresses, a 60 s budget.
    return _current.get() or RequestGuard(lambda _host: False, time.monotonic() + 60.0)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes never wait past the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _guard().remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _guard().remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _guard().remaining(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to addresses the SSRF guard let through."""

    def __init__(self, resolver: Resolver = resolve) -> None:
        self.resolver = resolver
        self._sync = httpcore.SyncBackend()
        #: (host, address) of every connection made, for the tests and the logs.
        self.connected: list[tuple[str, str]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        guard = _guard()
        addresses = self.resolver(host, port)  # resolved once: what is checked is what is used
        if not guard.private_ok(host):
            for ip in addresses:
                why = blocked_reason(ip)
                if why:
                    raise FetchError(
                        f"{host} resolves to {ip} ({why} address): refused", reason="ssrf_blocked"
                    )
        error: Exception | None = None
        for ip in addresses:
            try:
                stream = self._sync.connect_tcp(
                    str(ip), port, guard.remaining(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            self.connected.append((host, str(ip)))
            return _DeadlineStream(stream)
        raise error or httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise FetchError("unix sockets are never fetched", reason="bad_url")
