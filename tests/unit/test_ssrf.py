"""SSRF guard: private, loopback, link-local, multicast and reserved addresses are refused."""

from __future__ import annotations

import ipaddress

import pytest

from pipelines.errors import FetchError
from pipelines.fetch.ssrf import blocked_reason, check_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/x",
        "http://10.0.0.5/admin",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://240.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_non_public_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url)
    assert info.value.reason == "ssrf_blocked"


def test_private_network_allowed_when_the_source_says_so() -> None:
    check_url("http://127.0.0.1:8765/news/", allow_private=True)
    check_url("http://10.1.2.3/", allow_private=True)


def test_public_ip_literal_passes() -> None:
    check_url("https://8.8.8.8/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x/", "http:///nohost", "http://x:99999/"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url, allow_private=True)
    assert info.value.reason == "bad_url"


@pytest.mark.parametrize(
    "literal",
    [
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:5::",  # 6to4 of 10.0.0.5
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (cloud metadata)
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "::ffff:192.168.1.1",
    ],
)
def test_ipv6_forms_carrying_a_private_ipv4_are_blocked(literal: str) -> None:
    """Decided on the address literal; nothing is resolved or connected."""
    assert blocked_reason(ipaddress.ip_address(literal)) is not None
    with pytest.raises(FetchError) as info:
        check_url(f"http://[{literal}]/")
    assert info.value.reason == "ssrf_blocked"


def test_6to4_of_a_public_ipv4_is_public() -> None:
    assert blocked_reason(ipaddress.ip_address("2002:808:808::1")) is None  # 8.8.8.8 inside


@pytest.mark.parametrize("url", ["http://a]b/", "http://127.0.0.1＃@a/", "http://[::1/"])
def test_unparseable_urls_are_bad_url_not_value_error(url: str) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url)
    assert info.value.reason == "bad_url"
