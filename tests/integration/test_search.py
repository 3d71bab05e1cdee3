"""Arabic search against the real local Elasticsearch: every form of a word finds the articles.

Documents go through the real path (setup_index -> to_document -> bulk) into an alias of this
module's own (``khabar-test-search-<random>``), never the real ``news-articles``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipelines.config import Settings
from pipelines.elastic.template import (
    IndexNeedsReindexError,
    IndexSetupError,
    alias_indices,
    delete_alias_and_indices,
    first_index_name,
    load_template,
    setup_index,
    write_index,
)
from pipelines.indexer.enrich import assign_clusters, dedup, to_document
from pipelines.model import Article, Block, article_id_for, content_hash_for
from pipelines.search.query import SearchQuery, search

pytestmark = pytest.mark.integration

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)


def _article(slug: str, source: str, title: str, body: str, published: datetime, section: str) -> Article:
    url = f"https://{source}.example.org/news/{slug}"
    paragraphs = [p for p in body.splitlines() if p.strip()]
    return Article(
        article_id=article_id_for(url),
        url=url,
        canonical_url=url,
        source_id=source,
        title=title,
        lead=paragraphs[0][:300],
        body=[Block(text=p) for p in paragraphs],
        body_text="\n".join(paragraphs),
        published_at=published,
        fetched_at=published,
        content_hash=content_hash_for(title, body),
        extraction_method="test",
        section=section,
    )


ARTICLES = {
    # the seed: لـسوريا and لـ سوريا (tatweel), شيباني without ال, لافروف, موسكو
    "seed": _article(
        "lavrov-shaibani",
        "alpha",
        "لافروف يستضيف نظيره السوري في موسكو",
        SEED,
        datetime(2025, 7, 29, 8, tzinfo=UTC),
        "سياسة",
    ),
    "wa": _article(
        "energy",
        "beta",
        "اتفاق طاقة جديد بين روسيا وسوريا",
        "وقعت روسيا وسوريا اتفاقا لتطوير محطات الكهرباء وشبكات النقل.\nويشمل الاتفاق تدريب المهندسين.",
        datetime(2025, 8, 1, 10, tzinfo=UTC),
        "اقتصاد",
    ),
    "bi": _article(
        "rebuild",
        "beta",
        "مؤتمر لإعادة الإعمار",
        "عقد مؤتمر بسوريا لبحث خطط إعادة الإعمار وعودة اللاجئين.\nوشارك فيه ممثلون عن الأمم المتحدة.",
        datetime(2025, 8, 5, 10, tzinfo=UTC),
        "سياسة",
    ),
    # Syrian media write سورية (teh marbuta) for the country
    "sana": _article(
        "sana",
        "beta",
        "وفد برلماني يزور سورية",
        "وصل وفد برلماني إلى سورية في زيارة تستمر ثلاثة أيام.\nويلتقي الوفد مسؤولين في الحكومة.",
        datetime(2025, 6, 1, 9, tzinfo=UTC),
        "سياسة",
    ),
    "latin": _article(
        "lavrov-latin",
        "gamma",
        "تصريحات وزير الخارجية الروسي",
        "قال وزير الخارجية الروسي Sergey Lavrov في مؤتمر صحفي إن المحادثات كانت مثمرة.\n"
        "وأضاف أن بلاده تدعم الحلول السياسية.",
        datetime(2024, 12, 1, 9, tzinfo=UTC),
        "سياسة",
    ),
    "budget": _article(
        "budget",
        "gamma",
        "موازنة عام 2025 في مصر",
        "أقرت الحكومة المصرية موازنة عام 2025 بزيادة في الإنفاق على التعليم والصحة.\n"
        "وقدرت الإيرادات بنحو ألفي مليار جنيه.",
        datetime(2024, 11, 20, 9, tzinfo=UTC),
        "اقتصاد",
    ),
    "football": _article(
        "football",
        "delta",
        "ريال مدريد يفوز في الدوري الإسباني",
        "فاز ريال مدريد على برشلونة بهدفين مقابل هدف في مباراة مثيرة.\nوسجل المهاجم هدف الفوز في الدقائق الأخيرة.",
        datetime(2025, 8, 2, 20, tzinfo=UTC),
        "رياضة",
    ),
}


@pytest.fixture(scope="module")
def indexed(es: Elasticsearch, index_articles: Callable[..., list[dict]]) -> Iterator[Settings]:
    settings = Settings().with_overrides(index_alias=f"khabar-test-search-{uuid.uuid4().hex[:8]}")
    index_articles(settings, ARTICLES.values())
    yield settings
    delete_alias_and_indices(es, settings.index_alias)


def _ids(es: Elasticsearch, settings: Settings, query: str, **kwargs) -> set[str]:
    result = search(es, settings, SearchQuery(query, size=50, **kwargs))
    names = {a.article_id: name for name, a in ARTICLES.items()}
    return {names[h.article_id] for h in result.hits}


def test_setup_index_is_idempotent(es: Elasticsearch, indexed: Settings) -> None:
    again = setup_index(es, indexed)
    assert again["template_status"] == "unchanged"
    assert again["index_created"] is False
    assert again["index"] == f"{indexed.index_alias}-000001"
    assert write_index(es, indexed.index_alias) == again["index"]
    assert list(alias_indices(es, indexed.index_alias)) == [again["index"]]
    live = es.indices.get_settings(index=again["index"]).body[again["index"]]["settings"]["index"]
    assert live["similarity"]["default"]["b"] == "1.0"
    assert "khabar_arabic_search" in live["analysis"]["analyzer"]


def test_setup_refuses_a_concrete_index_named_like_the_alias(es: Elasticsearch) -> None:
    # e.g. a document written before setup auto-created "news-articles" as a plain index
    settings = Settings().with_overrides(index_alias=f"khabar-test-plain-{uuid.uuid4().hex[:8]}")
    es.indices.create(index=settings.index_alias)
    try:
        with pytest.raises(IndexSetupError):
            setup_index(es, settings)
    finally:
        es.indices.delete(index=settings.index_alias)
        delete_alias_and_indices(es, settings.index_alias)


def test_index_built_before_the_search_analyzer_asks_for_a_reindex(es: Elasticsearch) -> None:
    settings = Settings().with_overrides(index_alias=f"khabar-test-old-{uuid.uuid4().hex[:8]}")
    # the live index of an older khabar (template version 2): no search analyzers, no .words
    template = load_template()["template"]
    analysis = dict(template["settings"]["analysis"])
    new_analyzers = {"khabar_arabic_search", "khabar_arabic_words", "khabar_arabic_words_search"}
    new_filters = {"khabar_name_aliases", "khabar_word_forms"}
    analysis["analyzer"] = {k: v for k, v in analysis["analyzer"].items() if k not in new_analyzers}
    analysis["filter"] = {k: v for k, v in analysis["filter"].items() if k not in new_filters}

    def older(spec: dict) -> dict:
        spec = {k: v for k, v in spec.items() if k != "search_analyzer"}
        if "fields" in spec:
            spec["fields"] = {k: v for k, v in spec["fields"].items() if k != "words"}
        return spec

    mappings = {
        **template["mappings"],
        "properties": {name: older(spec) for name, spec in template["mappings"]["properties"].items()},
    }
    old = first_index_name(settings.index_alias)
    es.indices.create(
        index=old,
        settings={"index": {"number_of_replicas": 0}, "analysis": analysis},
        mappings=mappings,
        aliases={settings.index_alias: {"is_write_index": True}},
    )
    try:
        with pytest.raises(IndexNeedsReindexError, match="khabar index reindex"):
            setup_index(es, settings)
    finally:
        delete_alias_and_indices(es, settings.index_alias)


@pytest.mark.parametrize("query", ["سوريا", "سُورِيَا", "سـوريـا", "سوريا\u200f"])
def test_syria_finds_every_clitic_form(es: Elasticsearch, indexed: Settings, query: str) -> None:
    # seed: لـسوريا / لـ سوريا; wa: وسوريا only; bi: بسوريا only
    found = _ids(es, indexed, query)
    assert {"seed", "wa", "bi", "sana"} <= found
    assert "football" not in found


def test_teh_marbuta_spelling_of_syria(es: Elasticsearch, indexed: Settings) -> None:
    assert "sana" in _ids(es, indexed, "سوريا")
    assert {"seed", "wa", "bi", "sana"} <= _ids(es, indexed, "سورية")


def test_clitic_query_finds_bare_form(es: Elasticsearch, indexed: Settings) -> None:
    assert {"seed", "wa", "bi"} <= _ids(es, indexed, "لسوريا")
    assert {"seed", "wa", "bi"} <= _ids(es, indexed, "وسوريا")


def test_definite_article_is_optional(es: Elasticsearch, indexed: Settings) -> None:
    assert "seed" in _ids(es, indexed, "الشيباني")  # the seed writes شيباني
    assert "seed" in _ids(es, indexed, "شيباني")


@pytest.mark.parametrize(
    "query", ["الأمم المتحدة", "الامم المتحده", "إعادة الإعمار", "اعادة الاعمار", "آعادة"]
)
def test_hamza_alef_and_teh_marbuta_variants(es: Elasticsearch, indexed: Settings, query: str) -> None:
    assert "bi" in _ids(es, indexed, query)


def test_arabic_indic_digits_find_ascii_digits(es: Elasticsearch, indexed: Settings) -> None:
    assert _ids(es, indexed, "٢٠٢٥") == {"budget"}
    assert "budget" in _ids(es, indexed, "موازنة ۲۰۲۵")  # Persian digits too


@pytest.mark.parametrize("query", ["Lavrov", "lavrov", "LAVROV", "Sergey Lavrov"])
def test_latin_name_finds_latin_text_and_the_arabic_spelling(
    es: Elasticsearch, indexed: Settings, query: str
) -> None:
    # .exact (no aliases) finds the Latin-script article; the name aliases (lavrov => لافروف) the Arabic seed
    assert _ids(es, indexed, query) == {"latin", "seed"}


def test_accented_latin_name_is_folded(es: Elasticsearch, indexed: Settings) -> None:
    assert "latin" in _ids(es, indexed, "Lavróv")


@pytest.mark.parametrize("query", ["Moscow", "Syria", "Saudi Arabia moscow"])
def test_latin_place_names_find_arabic_articles(es: Elasticsearch, indexed: Settings, query: str) -> None:
    assert "seed" in _ids(es, indexed, query)


def test_question_words_do_not_match_on_their_own(es: Elasticsearch, indexed: Settings) -> None:
    # interrogatives are stop words: "متى" alone matches nothing, with a name it ranks by the name
    assert _ids(es, indexed, "متى كيف لماذا") == set()
    assert "seed" in _ids(es, indexed, "متى زار الشيباني موسكو؟")


def test_highlights_mark_the_matches(es: Elasticsearch, indexed: Settings) -> None:
    result = search(es, indexed, SearchQuery("سوريا", size=10))
    hit = next(h for h in result.hits if h.article_id == ARTICLES["wa"].article_id)
    assert "<mark>" in hit.highlights["title"][0]
    assert "<mark>وسوريا</mark>" in hit.highlights["title"][0]
    seed = next(h for h in result.hits if h.article_id == ARTICLES["seed"].article_id)
    assert any("<mark>" in fragment for fragment in seed.highlights["body"])


def test_facets_count_by_source_section_and_date(es: Elasticsearch, indexed: Settings) -> None:
    result = search(es, indexed, SearchQuery("سوريا"))
    sources = {b.key: b.count for b in result.facets["source"]}
    assert sources == {"alpha": 1, "beta": 3}
    sections = {b.key: b.count for b in result.facets["section"]}
    assert sections == {"سياسة": 3, "اقتصاد": 1}
    assert sum(b.count for b in result.facets["published"]) == 4


def test_filters_by_source_and_date(es: Elasticsearch, indexed: Settings) -> None:
    assert _ids(es, indexed, "سوريا", sources=["beta"]) == {"wa", "bi", "sana"}
    assert _ids(es, indexed, "سوريا", since="2025-08-01") == {"wa", "bi"}
    assert _ids(es, indexed, "سوريا", until="2025-08-01") == {"sana", "seed", "wa"}  # whole day included
    assert _ids(es, indexed, "سوريا", since="2025-08-02", until="2025-08-31") == {"bi"}
    assert _ids(es, indexed, "", sources=["delta"]) == {"football"}  # browse without words


def test_sort_by_date(es: Elasticsearch, indexed: Settings) -> None:
    result = search(es, indexed, SearchQuery("سوريا", sort="date"))
    dates = [h.published_at for h in result.hits]
    assert dates == sorted(dates, reverse=True)
    # by date, every word of a short query must match; by relevance, full matches come first
    assert _ids(es, indexed, "روسيا موسكو", sort="date") == {"seed"}
    ranked = search(es, indexed, SearchQuery("روسيا موسكو")).hits
    assert ranked[0].article_id == ARTICLES["seed"].article_id
    assert len(ranked) > 1  # روسيا alone still matches, below


def test_exclusion_and_phrase_operators(es: Elasticsearch, indexed: Settings) -> None:
    assert _ids(es, indexed, "سوريا -موسكو") == {"wa", "bi", "sana"}
    assert "bi" in _ids(es, indexed, '"إعادة الإعمار"')


@pytest.mark.parametrize(
    "query", ["title:foo OR *", '"', "(", ")", "*", "\\", "سوريا)", '"سوريا', "a~2 /x.*/ [1 TO 2] {!x}", "-"]
)
def test_hostile_syntax_is_safe(es: Elasticsearch, indexed: Settings, query: str) -> None:
    result = search(es, indexed, SearchQuery(query))  # never raises
    if query in ("title:foo OR *", "*", "\\", "(", ")", '"', "-"):
        assert result.total == 0  # no field or wildcard syntax: it matches nothing, not everything


def test_near_duplicate_joins_cluster_of_indexed_copy(es: Elasticsearch, indexed: Settings) -> None:
    seed = ARTICLES["seed"]
    copy = _article(
        "seed-copy",
        "epsilon",
        "وزير الخارجية السوري في موسكو",
        SEED.replace("لـسوريا", "لسوريا") + "\nتابعونا للمزيد.",
        datetime(2025, 7, 29, 9, tzinfo=UTC),
        "سياسة",
    )
    docs = [to_document(copy)]
    assert assign_clusters(es, indexed.index_alias, docs) == 1
    assert docs[0]["cluster_id"] == seed.article_id


def test_batch_lookup_and_per_document_lookup_agree(
    es: Elasticsearch, indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One search for the batch finds what a search per document finds (the fallback when a batch
    has too many neighbours); a replayed document is not its own neighbour."""
    copy = _article(
        "seed-copy-2",
        "zeta",
        "الشيباني في موسكو",
        SEED + "\nتابعونا.",
        ARTICLES["seed"].published_at,
        "سياسة",
    )
    docs = [to_document(a) for a in (copy, ARTICLES["football"], ARTICLES["seed"], ARTICLES["wa"])]

    def neighbours(batch_neighbours: int) -> list[list[str]]:
        monkeypatch.setattr(dedup, "BATCH_NEIGHBOURS", batch_neighbours)
        return [[found[0] for found in each] for each in dedup._neighbours(es, indexed.index_alias, docs)]

    seed_id = ARTICLES["seed"].article_id
    one_search = neighbours(dedup.BATCH_NEIGHBOURS)
    assert one_search == [[seed_id], [], [], []]
    assert neighbours(0) == one_search  # over the cap: one search per document, same answer
    assert assign_clusters(es, indexed.index_alias, docs) == 2  # the copy, then the seed beside it
    assert [d["cluster_id"] for d in docs] == [
        seed_id,
        ARTICLES["football"].article_id,
        seed_id,
        docs[3]["article_id"],
    ]


def test_cli_json_output(es: Elasticsearch, indexed: Settings, es_url: str) -> None:
    khabar = Path(sys.executable).with_name("khabar")
    env = {**os.environ, "KHABAR_INDEX_ALIAS": indexed.index_alias, "KHABAR_ES_URL": es_url}
    done = subprocess.run(
        [str(khabar), "search", "بسوريا", "--source", "beta", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout)
    assert {h["article_id"] for h in result["hits"]} == {ARTICLES[n].article_id for n in ("wa", "bi", "sana")}
    assert result["facets"]["source"] == [{"key": "beta", "count": 3}]
