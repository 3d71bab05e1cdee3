"""Canonical URLs: one spelling per article, since article_id hashes it."""

from __future__ import annotations

import pytest

from pipelines.model import article_id_for
from pipelines.normalize.urls import canonicalize_url, deamp_url, resolve_canonical

YOUM7 = "https://www.youm7.com/story/2020/8/24/%D9%88%D8%B2%D9%8A%D8%B1-%D8%A7%D9%84%D8%B1%D9%89/4943459"


@pytest.mark.parametrize(
    "spelling",
    [
        "https://www.youm7.com/story/2020/8/24/وزير-الرى/4943459",
        "https://www.youm7.com/story/2020/8/24/%d9%88%d8%b2%d9%8a%d8%b1-%d8%a7%d9%84%d8%b1%d9%89/4943459",
        "HTTPS://WWW.YOUM7.COM:443/story/2020/8/24/وزير-الرى/4943459/",
        "https://www.youm7.com/story/2020/8/24/وزير-الرى/4943459?utm_source=facebook&utm_medium=social#comments",
        "https://www.youm7.com/story/2020/8/24/وزير-الرى/4943459?fbclid=IwAR0abc&gclid=x&ocid=y&ref=home",
        "  https://www.youm7.com//story/2020/8/24/./وزير-الرى/4943459  ",
    ],
)
def test_arabic_url_spellings_share_one_canonical_form_and_id(spelling: str) -> None:
    assert canonicalize_url(spelling) == YOUM7
    assert article_id_for(canonicalize_url(spelling)) == article_id_for(YOUM7)


@pytest.mark.parametrize(
    "param",
    ["utm_campaign=x", "fbclid=1", "gclid=1", "dclid=1", "msclkid=1", "mc_cid=1", "mc_eid=1", "igshid=1",
     "yclid=1", "_ga=1", "ref=tw", "ocid=1", "at_medium=1", "at_campaign=1"],
)  # fmt: skip
def test_tracking_parameters_are_dropped(param: str) -> None:
    assert canonicalize_url(f"https://example.com/news?id=7&{param}") == "https://example.com/news?id=7"


def test_real_parameters_are_kept_sorted_and_encoded_one_way() -> None:
    assert canonicalize_url("https://example.com/p?b=2&a=1&q=سوريا") == (
        "https://example.com/p?a=1&b=2&q=%D8%B3%D9%88%D8%B1%D9%8A%D8%A7"
    )
    assert canonicalize_url("https://example.com/p?q=a+b") == canonicalize_url(
        "https://example.com/p?q=a%20b"
    )


def test_host_idna_ports_and_paths() -> None:
    assert canonicalize_url("http://مثال.مصر/خبر") == "http://xn--mgbh0fb.xn--wgbh1c/%D8%AE%D8%A8%D8%B1"
    assert canonicalize_url("http://Example.com:80") == "http://example.com/"
    assert canonicalize_url("https://example.com:8443/a/") == "https://example.com:8443/a"
    assert canonicalize_url("https://user:pw@example.com./a/../b") == "https://example.com/b"
    # unreserved escapes decoded, reserved ones kept, a lone % encoded
    assert (
        canonicalize_url("https://example.com/%7Euser/a%2Fb/100%") == "https://example.com/~user/a%2Fb/100%25"
    )


def test_repeated_parameters_keep_their_order_and_ipv6_hosts_their_brackets() -> None:
    assert (
        canonicalize_url("https://example.com/a?tag=b&id=1&tag=a") == "https://example.com/a?id=1&tag=b&tag=a"
    )
    assert canonicalize_url("http://[::1]:8080/a/") == "http://[::1]:8080/a"


def test_relative_urls_resolve_against_base() -> None:
    assert canonicalize_url("../world/1.html", base="https://example.com/news/x/") == (
        "https://example.com/news/world/1.html"
    )


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("https://example.com/news/123/amp", "https://example.com/news/123"),
        ("https://example.com/amp/news/123/", "https://example.com/news/123"),
        ("https://example.com/news/123?amp", "https://example.com/news/123"),
        ("https://example.com/news/123?amp=1&id=4", "https://example.com/news/123?id=4"),
        ("https://amp.example.com/news/123", "https://example.com/news/123"),
        ("https://example.com/news/123.amp", "https://example.com/news/123"),
        ("https://example.com/news/123.amp.html", "https://example.com/news/123.html"),
        ("https://example.com/news/123?outputType=amp", "https://example.com/news/123"),
        ("https://m.example.com/news/123", "https://example.com/news/123"),
        ("https://mobile.example.com/news/123", "https://example.com/news/123"),
        # words that merely contain "amp" are left alone
        ("https://example.com/champions/amplifier", "https://example.com/champions/amplifier"),
        ("https://m.com/news", "https://m.com/news"),
    ],
)
def test_amp_and_mobile_variants_are_undone(variant: str, expected: str) -> None:
    assert deamp_url(variant) == expected
    assert resolve_canonical(variant) == expected


def test_declared_canonical_wins_over_the_amp_url() -> None:
    page = "https://amp.example.com/amp/s/123"
    assert resolve_canonical(page, "https://www.example.com/story/123") == "https://www.example.com/story/123"
    assert resolve_canonical(page, "/story/123?utm_source=amp") == "https://amp.example.com/story/123"
    assert resolve_canonical(page, None, og_url="https://www.example.com/s/123") == (
        "https://www.example.com/s/123"
    )


def test_a_homepage_canonical_on_an_article_is_ignored() -> None:
    assert resolve_canonical("https://example.com/news/5/amp", "https://example.com/") == (
        "https://example.com/news/5"
    )


def test_a_page_with_an_amphtml_link_is_the_canonical_page() -> None:
    url = "https://m.example.com/news/5"
    assert resolve_canonical(url, None, amp_link="https://m.example.com/news/5/amp") == url
