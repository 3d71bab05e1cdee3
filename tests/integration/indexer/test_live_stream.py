"""A steady stream is indexed while it flows: once the indexer has caught up, a batch waits
``bulk_linger_seconds`` for company, not ``bulk_max_seconds`` (a poll never comes back empty
under a steady stream, so the idle rule alone would hold every record until the batch is full
or old)."""

from __future__ import annotations

import threading
import time

import pytest
from article_factory import make_article

from pipelines.ingest.publish import Publisher

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_steady_stream_is_searchable_while_it_flows_and_written_once(indexer_env) -> None:
    env = indexer_env
    # Without the linger these would hold the stream for 120 s or 500 documents.
    env.settings = env.settings.with_overrides(
        bulk_max_seconds=120, bulk_max_docs=500, bulk_linger_seconds=0.25
    )
    proc = env.start(name="live")
    env.publish([make_article(0, source_id="live")])
    env.wait_for(lambda: env.count() == 1, 90, "the indexer to join and index the first article")

    articles = [make_article(i, source_id="live") for i in range(1, 201)]
    done = threading.Event()

    def steady() -> None:  # 20 articles a second, one at a time, for about 10 s
        with Publisher(env.settings) as publisher:
            for article in articles:
                publisher.send_article(article)
                publisher.producer.flush()
                time.sleep(0.05)
            outcomes = publisher.results()
        assert all(o.status == "published" for o in outcomes)
        done.set()

    thread = threading.Thread(target=steady, name="steady-publisher", daemon=True)
    thread.start()
    env.wait_for(lambda: env.count() >= 21 or done.is_set(), 60, "documents while the stream flows")
    assert not done.is_set(), "nothing was searchable until the stream stopped"

    thread.join(timeout=120)
    assert done.is_set(), "the publisher did not finish"
    env.wait_for(lambda: env.count() == 201, 60, "every article of the stream")
    assert proc.poll() is None, "the indexer stopped"
    assert len(env.documents()) == 201
    env.wait_for(lambda: env.lag() == 0, 30, "the indexer to commit the stream")
