"""Known-item query rules: salient words, and each variant class on small Arabic examples."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pipelines.evaluation.documents import Doc
from pipelines.evaluation.known_item import (
    ArticleWords,
    Context,
    CorpusStats,
    add_clitic,
    build_queries,
    corpus_stats,
    decorate,
    remove_clitic,
    salient_words,
    stem_of,
    swap_alef_maqsura,
    swap_hamza,
    swap_teh_marbuta,
    words,
)
from pipelines.evaluation.names import Name
from pipelines.normalize.arabic import normalize_text


def ctx(*article_words: str, seed: int = 1, stats: CorpusStats | None = None) -> Context:
    stats = stats or CorpusStats()
    keys = {stats.fold(w) for w in article_words}
    article = ArticleWords(
        written=list(article_words), keys=keys, folded_text="", folded_title="", numbers=[]
    )
    return Context(random.Random(seed), article, stats)


def test_words_drop_diacritics_tatweel_and_marks() -> None:
    assert words("لـسوريا وَفْقًا\u200f للوزير، 2018 Lavrov") == ["لسوريا", "وفقا", "للوزير"]


def test_stems_strip_the_article_always_and_other_clitics_only_onto_a_known_word() -> None:
    df = Counter({"سوريا": 40, "لسوريا": 5, "بريطانيا": 30, "ريطانيا": 0, "لبنان": 50, "بنان": 1})
    assert stem_of("الوزير", df) == "وزير"
    assert stem_of("للوزير", df) == "وزير"
    assert stem_of("وبالحكومه", df) == "حكومه"
    assert stem_of("لسوريا", df) == "سوريا"
    assert stem_of("بريطانيا", df) == "بريطانيا"  # "ريطانيا" is no word
    assert stem_of("لبنان", df) == "لبنان"  # "بنان" is rarer than "لبنان"
    assert stem_of("الم", df) == "الم"  # too short once stripped


def test_corpus_stats_count_documents_per_stem() -> None:
    docs = [
        Doc("1", "سوريا", "", "زار الوزير سوريا"),
        Doc("2", "", "", "وصل وزير إلى لسوريا"),
        Doc("3", "", "", "سوريا"),
    ]
    stats = corpus_stats(docs)
    assert stats.docs == 3
    assert stats.word_df["سوريا"] == 2 and stats.stem_df["سوريا"] == 3
    assert stats.stem_df["وزير"] == 2  # الوزير and وزير


def test_salient_words_prefer_repeated_rare_words_in_their_written_form() -> None:
    background = [Doc(str(i), "خبر", "", "قال الوزير إن الحكومة ستعقد اجتماعا اليوم") for i in range(20)]
    target = Doc(
        "t",
        "لافروف يستقبل الشيباني",
        "",
        "استقبل لافروف الشيباني في موسكو. وقال لافروف إن الشيباني بحث مع الوزير الحكومة في موسكو.",
    )
    stats = corpus_stats([*background, target])
    article = salient_words(target, stats)
    assert article is not None
    assert set(article.written[:2]) == {"لافروف", "الشيباني"}
    assert "الوزير" not in article.written and "وقال" not in article.written
    assert salient_words(Doc("s", "", "", "قال الوزير"), stats) is None  # too few candidates


def test_clitic_added_yields_a_form_the_article_lacks() -> None:
    bare = {"و", "ب", "ل", "ف", "ك", "ال", "لـ"}
    for seed in range(20):
        out = add_clitic("سوريا", ctx("سوريا", seed=seed))
        assert out is not None and out.endswith("سوريا") and out[: -len("سوريا")] in bare
        out = add_clitic("الوزير", ctx("الوزير", seed=seed))
        assert out in {"والوزير", "بالوزير", "فالوزير", "كالوزير", "للوزير"}
    # every other form is already in the article (لـسوريا is لسوريا): one choice is left
    taken = ["سوريا", "وسوريا", "بسوريا", "لسوريا", "فسوريا", "كسوريا"]
    assert add_clitic("سوريا", ctx(*taken)) == "السوريا"
    assert add_clitic("سوريا", ctx(*taken, "السوريا")) is None


def test_clitic_removed_only_when_the_article_lacks_the_bare_form() -> None:
    assert remove_clitic("الوزير", ctx("الوزير")) == "وزير"
    assert remove_clitic("الأردن", ctx("الأردن")) == "أردن"  # written hamza kept
    assert remove_clitic("الوزير", ctx("الوزير", "وزير")) is None
    assert remove_clitic("سوريا", ctx("سوريا")) is None  # nothing to remove


def test_hamza_alef() -> None:
    assert swap_hamza("مسؤول", ctx()) == "مسئول"
    assert swap_hamza("مسئول", ctx()) == "مسؤول"
    assert swap_hamza("أحمد", ctx()) == "احمد"
    assert swap_hamza("انتخابات", ctx()) == "أنتخابات"
    assert swap_hamza("الانتخابات", ctx()) == "الأنتخابات"
    assert swap_hamza("التحالف", ctx()) is None  # the article's alef is not a hamza seat
    assert swap_hamza("شئون", ctx()) == "شؤون"
    assert swap_hamza("هائلة", ctx()) is None  # ئ before another letter than و: no regional variant
    assert swap_hamza("إسرائيل", ctx(seed=3)) == "اسرائيل"


def test_alef_maqsura_and_teh_marbuta() -> None:
    assert swap_alef_maqsura("مصطفى", ctx()) == "مصطفي"
    assert swap_alef_maqsura("السوري", ctx()) == "السورى"
    assert swap_alef_maqsura("سوريا", ctx()) is None
    assert swap_teh_marbuta("القاهرة", ctx()) == "القاهره"
    assert swap_teh_marbuta("وجه", ctx()) == "وجة"
    assert swap_teh_marbuta("سوريا", ctx()) is None


@pytest.mark.parametrize("word", ["سوريا", "الشيباني", "لافروف", "مسؤول", "ودار"])
def test_decorations_change_the_text_but_not_the_folded_word(word: str) -> None:
    for seed in range(30):
        out = decorate(word, ctx(word, seed=seed))
        assert out is not None and out != word
        assert normalize_text(out) == normalize_text(word)


def test_query_builder_classes_latin_and_digits() -> None:
    background = [Doc(str(i), "خبر", "", "قال المسؤول إن الحكومة ستعقد اجتماعا") for i in range(20)]
    lavrov = Doc(
        "lavrov",
        "لافروف يستقبل الشيباني عام 2018",
        "",
        "استقبل لافروف الشيباني في موسكو. وقال لافروف إن الشيباني بحث الأزمة. وأكد الشيباني من موسكو.",
    )
    plain = Doc("plain", "الطقس", "", "أمطار غزيرة على الساحل. أمطار غزيرة متوقعة على الساحل")
    docs = [*background, lavrov, plain]
    stats = corpus_stats(docs)
    names = [Name("Lavrov", ("لافروف",)), Name("Moscow", ("موسكو",))]
    one = build_queries([lavrov, plain], stats, sample=2, seed=7, names=names)
    two = build_queries([lavrov, plain], stats, sample=2, seed=7, names=names)
    assert one.queries == two.queries  # fixed seed, same queries
    assert one.articles == 2 and len(one.queries["exact"]) == 2
    by_doc = {q.doc_id: q.text for q in one.queries["latin"]}
    assert list(by_doc) == ["lavrov"] and one.skipped["latin"] == 1  # no known name in "plain"
    latin = by_doc["lavrov"].split()
    assert "Lavrov" in latin and "لافروف" not in latin and len(latin) == 4
    decorated = {q.doc_id: q.text for q in one.queries["decorated"]}
    assert decorated["lavrov"].endswith("٢٠١٨")  # the title's year in Arabic-Indic digits


def test_articles_filed_twice_are_not_sampled() -> None:
    text = "أمطار غزيرة على الساحل. أمطار غزيرة متوقعة على الساحل"
    twice = [Doc("a", "الطقس", "", text), Doc("b", "الطقس", "", text)]
    once = Doc(
        "c", "الانتخابات", "", "الانتخابات البلدية في تونس. الانتخابات البلدية والمرشحون في تونس والمرشحون"
    )
    docs = [*twice, once]
    known = build_queries(docs, corpus_stats(docs), sample=3, seed=1, names=[])
    assert known.duplicates == 2 and known.articles == 1
    assert [q.doc_id for q in known.queries["exact"]] == ["c"]
