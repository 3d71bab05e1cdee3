"""redact_url: the one place URL passwords are masked before anything is shown."""

from __future__ import annotations

import pytest

from pipelines.redact import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pass@127.0.0.1:9200", "http://user:***@127.0.0.1:9200"),
        ("https://elastic:p%40ss@es.example:9243/path?q=1", "https://elastic:***@es.example:9243/path?q=1"),
        ("http://only-user@127.0.0.1:9200", "http://only-user@127.0.0.1:9200"),
        ("http://127.0.0.1:9200", "http://127.0.0.1:9200"),
        ("http://u:a@b@127.0.0.1/", "http://u:***@127.0.0.1/"),
        ("http://u:pw@[::1", "http://***@[::1"),  # unparseable: masked anyway
    ],
)
def test_redact_url_masks_only_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown
