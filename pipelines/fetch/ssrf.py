"""SSRF guard: refuse URLs that resolve to private, loopback, link-local, multicast or reserved addresses.

Checked before every request and on every redirect hop, before any byte is sent: the host is
resolved and *every* address it resolves to must be public (one private address is enough for a
DNS answer to aim the crawler inside the network). Sources that crawl a local site (the sample
site on 127.0.0.1) opt in with ``allow_private_network: true``.

Limit: the check and the connection resolve the name separately, so a DNS server that answers
differently within seconds (rebinding) is not covered; deployments that crawl untrusted sources
should also block private ranges at the network egress.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from pipelines.errors import FetchError

_ALLOWED_SCHEMES = ("http", "https")


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address must not be reached, or None if it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attr in (
        "is_loopback",
        "is_private",
        "is_link_local",
        "is_multicast",
        "is_reserved",
        "is_unspecified",
    ):
        if getattr(ip, attr):
            return attr.removeprefix("is_").replace("_", "-")
    if not ip.is_global:
        return "not-global"  # shared address space (100.64/10), documentation ranges...
    return None


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address ``host`` resolves to (an IP literal resolves to itself, without DNS)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}", reason="dns_error", transient=True) from exc
    # Scope ids ("fe80::1%eth0") are dropped before parsing.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise :class:`FetchError` ``ssrf_blocked`` (or ``bad_url``) unless ``url`` may be fetched."""
    parts = urlsplit(url)
    if parts.scheme not in _ALLOWED_SCHEMES:
        raise FetchError(f"refusing non-http(s) URL {url!r}", reason="bad_url")
    host = parts.hostname
    if not host:
        raise FetchError(f"URL without a host: {url!r}", reason="bad_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"bad port in {url!r}", reason="bad_url") from exc
    if allow_private:
        return
    for ip in resolve(host, port):
        why = _blocked(ip)
        if why:
            raise FetchError(f"{host} resolves to {ip} ({why} address): refused", reason="ssrf_blocked")
