"""``khabar index reindex [--from-index]``: rebuild into the next physical index and swap the alias."""

from __future__ import annotations

import signal

import pytest
from article_factory import make_article

from pipelines.elastic.template import alias_indices, next_index_name, write_index
from pipelines.indexer.reindex import reindex, reindex_from_index
from pipelines.indexer.service import IndexerService, RunOptions

pytestmark = pytest.mark.integration


def index_until_caught_up(settings) -> None:
    summary = IndexerService(settings, RunOptions.from_settings(settings, until_caught_up=True)).run()
    assert summary.exit_reason == "caught_up"


def index_first(env, es, articles) -> str:
    """Publish ``articles`` and index them with the live group; the alias's write index then."""
    env.publish(articles)
    index_until_caught_up(env.settings)
    return write_index(es, env.settings.index_alias)


def test_reindex_builds_the_next_index_swaps_the_alias_and_keeps_the_old_one(indexer_env, es) -> None:
    env = indexer_env
    alias = env.settings.index_alias
    articles = [make_article(i, source_id="reindex", body=f"نص المقال {i}.") for i in range(120)]
    old = index_first(env, es, articles[:100])

    seen: list[tuple[int, int]] = []
    report = reindex(env.settings, progress=lambda consumed, total, _: seen.append((consumed, total)))

    assert report.new_index == next_index_name(old)
    assert alias_indices(es, alias) == {report.new_index: True}  # one atomic swap: old out, new in
    assert report.old_indices == [old]
    assert report.doc_count == 100 and seen[-1] == (100, 100)
    assert set(env.documents()) == {a.article_id for a in articles[:100]}
    # The live indexer's offsets were not touched (separate group), and it now writes to the new index.
    env.publish(articles[100:])
    index_until_caught_up(env.settings)
    es.indices.refresh(index=[old, report.new_index])
    assert es.count(index=report.new_index)["count"] == 120
    assert es.count(index=old)["count"] == 100  # kept until the user deletes it


def test_reindex_from_index_with_the_indexer_running_loses_nothing_and_replays_only_the_tail(
    indexer_env, es
) -> None:
    env = indexer_env
    alias = env.settings.index_alias
    articles = [make_article(i, source_id="from-index", body=f"نص المقال رقم {i}.") for i in range(1500)]
    old = index_first(env, es, articles[:1000])

    live = env.start(name="live")  # keeps consuming (and writing to the alias) throughout
    publisher = env.publish_in_chunks(articles[1000:], chunk=50, pause=0.3)
    report = reindex_from_index(env.settings, es=es)
    publisher.join(timeout=120)
    assert not publisher.is_alive()
    env.wait_for(lambda: env.lag() == 0, 180, "the live indexer to catch up")
    live.send_signal(signal.SIGTERM)
    assert live.wait(timeout=60) == 0

    assert alias_indices(es, alias) == {report.new_index: True}
    assert report.old_indices == [old]
    # Copied from the old index, not re-enriched: only the topic's tail was replayed.
    assert report.copy.copied >= 1000
    replayed = report.catch_up_before_swap.consumed + report.catch_up_after_swap.consumed
    assert replayed < 600, replayed
    docs = env.documents()
    assert set(docs) == {a.article_id for a in articles}  # nothing written meanwhile is lost
    assert env.count() == 1500
    assert all(docs[a.article_id]["version"] == a.version for a in articles)  # external versions kept
