"""Links on the search page: only http(s) URLs from indexed articles become an href (issue 14.9)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from elasticsearch import Elasticsearch
from web_helpers import Server, WebIndex

from pipelines.elastic.template import delete_alias_and_indices
from pipelines.model import article_id_for
from pipelines.web.app import web_link

pytestmark = pytest.mark.integration

HOSTILE = [
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_web_link_refuses_what_is_not_http(url: str) -> None:
    assert web_link(url) is None


def test_web_link_keeps_http_and_https() -> None:
    for url in ("https://news.example/a?b=1", "http://news.example/"):
        assert web_link(url) == url


def test_indexed_javascript_url_is_never_an_href(
    es: Elasticsearch, web_index: WebIndex, index_articles: Callable[..., list[dict]], tmp_path: Path
) -> None:
    settings = web_index.settings.with_overrides(index_alias=f"khabar-test-links-{uuid.uuid4().hex[:8]}")
    seed = web_index.seed
    hostile = [
        seed.model_copy(update={"article_id": article_id_for(f"https://x.example/{i}"), "url": url})
        for i, url in enumerate(HOSTILE[:3])
    ]
    try:
        index_articles(settings, hostile)
        with Server(settings) as base:
            page = httpx.get(f"{base}/", params={"q": "لافروف"}, timeout=20)
    finally:
        delete_alias_and_indices(es, settings.index_alias)
    assert page.status_code == 200
    shown = re.findall(r'<li class="hit" data-article-id="([0-9a-f]+)"', page.text)
    assert set(shown) >= {a.article_id for a in hostile}  # the articles are listed...
    hrefs = re.findall(r'href="([^"]*)"', page.text)
    assert not [h for h in hrefs if "script" in h.lower()]  # ...but never as a javascript: link
