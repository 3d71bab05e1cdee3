"""A Celery prefork worker is a daemonic process, which may not start the extraction worker: the
budgeted extractor must still extract there (with its size and link caps), not fail every page."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from pipelines.config import Settings
from pipelines.extract.budget import shared_extractor
from pipelines.fetch.charset import decode_html
from pipelines.model import RawPage

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "jsonld-full.html"


def _extract_in_daemon(queue: multiprocessing.Queue) -> None:
    raw = PAGE.read_bytes()
    text, charset = decode_html(raw, "text/html")
    page = RawPage(
        url="https://news.example/a/1", final_url="https://news.example/a/1", status=200,
        content_type="text/html", charset=charset, body=raw, text=text,
        fetched_at=__import__("datetime").datetime.now(__import__("datetime").UTC), source_id="t",
    )  # fmt: skip
    try:
        queue.put(shared_extractor(Settings(extract_timeout_seconds=30)).extract(page, source_id="t").title)
    except Exception as exc:  # reported to the test, which fails with it
        queue.put(f"{type(exc).__name__}: {exc}")


def test_a_daemonic_process_still_extracts() -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=_extract_in_daemon, args=(queue,), daemon=True)
    worker.start()
    title = queue.get(timeout=120)
    worker.join(30)
    assert title == "افتتاح الدورة الجديدة لمعرض الكتاب في الإسكندرية"
