"""Crawl state in SQLite: validators, new/changed/unchanged articles, restarts, concurrent workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from pipelines.fetch.state import CrawlState, Validators
from pipelines.model import Article, article_id_for, content_hash_for


def _article(body: str, url: str = "https://news.example/news/a.html") -> Article:
    return Article(
        article_id=article_id_for(url),
        url=url,
        canonical_url=url,
        source_id="s",
        title="عنوان",
        body_text=body,
        fetched_at=datetime.now(UTC),
        content_hash=content_hash_for("عنوان", "", body),
        extraction_method="test",
    )


def _state(tmp_path: Path) -> CrawlState:
    return CrawlState(f"sqlite:///{tmp_path / 'state' / 'crawl.sqlite3'}")


def test_new_unchanged_and_changed_articles(tmp_path: Path) -> None:
    state = _state(tmp_path)
    first = _article("نص أول")
    assert state.record_article(first) is True
    assert state.record_article(first) is False  # unchanged re-scrape
    assert state.record_article(_article("نص معدل")) is True  # content changed
    assert state.article_versions(first.article_id) == 2


def test_validators_and_url_info_survive_a_restart(tmp_path: Path) -> None:
    url = "https://news.example/feeds/rss.xml"
    state = _state(tmp_path)
    assert state.validators(url) is None and not state.seen(url)
    state.record_url(
        url, source_id="s", kind="feed", status=200, validators=Validators('"abc"', "Tue, 24 Nov 2026")
    )
    state.record_article(_article("نص"))
    state.close()

    again = _state(tmp_path)  # a new process: same file
    assert again.validators(url) == Validators('"abc"', "Tue, 24 Nov 2026")
    info = again.url_info(url)
    assert info is not None and info.last_status == 200 and info.first_seen.tzinfo is not None
    assert again.record_article(_article("نص")) is False
    again.record_url(url, source_id="s", kind="feed", status=304, keep_validators=True)
    assert again.validators(url) == Validators('"abc"', "Tue, 24 Nov 2026")
    again.record_url(url, source_id="s", kind="feed", status=500)  # failure: next fetch unconditional
    assert again.validators(url) is None
    assert again.counts() == {"urls": 1, "articles": 1}


def test_concurrent_workers_report_a_new_article_once(tmp_path: Path) -> None:
    _state(tmp_path).close()  # tables exist before the workers start
    article = _article("خبر واحد يصل إليه عاملان معاً")
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def worker() -> None:
        state = _state(tmp_path)  # each worker its own engine, like separate processes
        barrier.wait()
        outcome = state.record_article(article)
        with lock:
            results.append(outcome)
        state.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
