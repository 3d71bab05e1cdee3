"""SSRF guard: private, loopback, link-local, multicast and reserved addresses are refused."""

from __future__ import annotations

import pytest

from pipelines.errors import FetchError
from pipelines.fetch.ssrf import check_url


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
