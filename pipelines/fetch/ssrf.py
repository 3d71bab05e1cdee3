"""SSRF guard: refuse URLs that reach private, loopback, link-local, multicast or reserved addresses.

Two checks, both before any byte is sent. :func:`check_url` runs on every redirect hop: scheme,
host and port must parse, and a host that is an IP literal must be public. The connection itself
(:mod:`pipelines.fetch.network`) resolves a name once, refuses it if *any* address is not public
(one private answer is enough to aim the crawler inside the network) and connects to an address
it checked, so DNS rebinding (public for the check, private for the connection) is covered.

IPv6 forms that carry an IPv4 address (mapped ``::ffff:a.b.c.d``, 6to4 ``2002:AABB:CCDD::``,
Teredo) are judged by the IPv4 address inside. A source that crawls a local site (the sample site
on 127.0.0.1) opts in with ``allow_private_network: true``, which applies to that source's own
hosts only, never to where a redirect leads.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from pipelines.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_ALLOWED_SCHEMES = ("http", "https")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # (server, client): the client is where packets end up
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why this address must not be reached, or None if it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = blocked_reason(inner)
            return f"{why} (embedded in {ip})" if why else None
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


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself, without DNS)."""
    literal = ip_literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}", reason="dns_error", transient=True) from exc
    # Scope ids ("fe80::1%eth0") are dropped before parsing.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_host(url: str) -> str:
    """The lower-cased host of ``url``; FetchError ``bad_url`` if it has none or does not parse."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FetchError(f"unparseable URL {url[:200]!r}: {exc}", reason="bad_url") from exc
    if not host:
        raise FetchError(f"URL without a host: {url[:200]!r}", reason="bad_url")
    return host.lower()


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise :class:`FetchError` ``ssrf_blocked`` (or ``bad_url``) unless ``url`` may be fetched.

    Names are resolved and checked again when the connection is made (see module docstring).
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in _ALLOWED_SCHEMES:
        raise FetchError(f"refusing non-http(s) URL {url[:200]!r}", reason="bad_url")
    host = url_host(url)
    if allow_private:
        return
    if host == "localhost" or host.endswith(".localhost"):  # loopback by definition (RFC 6761)
        raise FetchError(f"{host} is a loopback name: refused", reason="ssrf_blocked")
    literal = ip_literal(host)
    if literal is not None:
        why = blocked_reason(literal)
        if why:
            raise FetchError(f"{host} is a {why} address: refused", reason="ssrf_blocked")
