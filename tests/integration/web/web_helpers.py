"""Helpers of the search page tests (imported by conftest.py and the test modules by this unique
name: a second module called ``conftest`` would clash with tests/conftest.py)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.model import Article, article_id_for
from pipelines.web import create_app

SEED_SLUG = "lavrov-shaibani-moscow"
WIRE_SOURCE = "wire"
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass(frozen=True)
class WebIndex:
    settings: Settings
    articles: dict[str, Article]  # slug (or "wire-copy") -> article
    seed: Article
    wire_copy: Article


def wire_copy(seed: Article) -> Article:
    """Another outlet carrying the seed story with a new headline and a footer (a near-duplicate)."""
    url = "https://wire.example.org/ar/2026/11/24/lavrov-shaibani"
    return seed.model_copy(
        update={
            "article_id": article_id_for(url),
            "url": url,
            "canonical_url": url,
            "source_id": WIRE_SOURCE,
            "title": "وزير الخارجية السوري أسعد الشيباني في موسكو للقاء لافروف",
            "body_text": seed.body_text + "\nتابعونا للمزيد من الأخبار.",
        }
    )


class Server:
    """uvicorn in a background thread on a socket bound here (port 0: the OS picks a free one)."""

    def __init__(self, settings: Settings) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the search page server did not start", pytrace=False)
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def chromium_driver():  # -> selenium.webdriver.Chrome
    """Headless Chromium through chromedriver; fails (never skips) when either is missing."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    driver = shutil.which("chromedriver") or (CHROMEDRIVER if Path(CHROMEDRIVER).exists() else None)
    if not binary or not driver:
        pytest.fail(
            "headless Chromium is missing: install Debian's `chromium` and `chromium-driver` "
            "(`make browser`, or `apt-get install chromium chromium-driver`)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # containers without user namespaces
        "--disable-dev-shm-usage",
        "--window-size=1280,1400",
        "--lang=ar",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(driver))


#: the password in the ``down_url`` fixture's Elasticsearch URL, which no answer may show
DOWN_PASSWORD = "s3cret-Pa55"
