"""``khabar serve`` as a user runs it: a real process on 127.0.0.1 answering the page and the API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from ports import free_port
from web_helpers import DOWN_PASSWORD, WebIndex

pytestmark = pytest.mark.integration


def test_khabar_serve_answers_the_page_and_the_api(web_index: WebIndex, es_url: str) -> None:
    port = free_port()
    khabar = Path(sys.executable).with_name("khabar")
    env = {**os.environ, "KHABAR_INDEX_ALIAS": web_index.settings.index_alias, "KHABAR_ES_URL": es_url}
    process = subprocess.Popen(
        [str(khabar), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                page = httpx.get(f"{base}/?q={quote('سوريا')}", timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "khabar serve did not start listening"
                time.sleep(0.3)
        assert page.status_code == 200
        assert '<html dir="rtl" lang="ar">' in page.text
        assert f'data-article-id="{web_index.seed.article_id}"' in page.text
        api = httpx.get(f"{base}/api/search", params={"q": "سوريا"}, timeout=10).json()
        assert web_index.seed.article_id in {h["article_id"] for h in api["hits"]}
        assert httpx.get(f"{base}/static/search.css", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_khabar_serve_start_up_line_masks_the_elasticsearch_password() -> None:
    port = free_port()
    khabar = Path(sys.executable).with_name("khabar")
    env = {**os.environ, "KHABAR_ES_URL": f"http://khabar:{DOWN_PASSWORD}@127.0.0.1:{free_port()}"}
    process = subprocess.Popen(
        [str(khabar), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert "khabar search on" in line
    assert DOWN_PASSWORD not in line and "khabar:***@127.0.0.1" in line
