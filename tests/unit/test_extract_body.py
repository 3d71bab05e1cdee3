"""Body candidates and the choice between them; boilerplate blocks."""

from __future__ import annotations

from pipelines.extract.body import (
    BodyCandidate,
    choose,
    drop_boilerplate,
    from_json_ld,
    strip_dateline_and_byline,
)
from pipelines.model import Block

P1 = "أعلنت وزارة الصحة عن حملة تطعيم جديدة تشمل جميع المحافظات ابتداء من الأسبوع المقبل."
P2 = "وقال المتحدث باسم الوزارة إن الحملة تستهدف الأطفال دون سن الخامسة وكبار السن."
P3 = "وأضاف أن فرقاً متنقلة ستزور القرى النائية لضمان وصول اللقاح إلى الجميع دون استثناء."


def _candidate(method: str, *texts: str) -> BodyCandidate:
    return BodyCandidate(method, tuple(Block(kind="p", text=t) for t in texts))


def test_read_also_blocks_and_their_lists_are_dropped() -> None:
    blocks = [
        Block(kind="p", text=P1),
        Block(kind="h3", text="اقرأ أيضاً:"),
        Block(kind="li", text="خبر مرتبط أول"),
        Block(kind="li", text="خبر مرتبط ثان"),
        Block(kind="p", text=P2),
        Block(kind="p", text="شارك الخبر"),
        Block(kind="p", text="تابعونا على تويتر"),
        Block(kind="p", text="الرئيسية | أخبار | اتصل بنا"),
        Block(kind="li", text="بند حقيقي من قائمة في المقال"),
    ]
    assert [b.text for b in drop_boilerplate(blocks)] == [P1, P2, "بند حقيقي من قائمة في المقال"]


def test_json_ld_body_splits_lines_and_reads_html() -> None:
    assert [b.text for b in from_json_ld(f"{P1}\n{P2}\n\n{P3}").blocks] == [P1, P2, P3]
    html_body = f"<p>{P1}</p><h2>عنوان فرعي</h2><p>{P2}</p>"
    assert [(b.kind, b.text) for b in from_json_ld(html_body).blocks] == [
        ("p", P1),
        ("h2", "عنوان فرعي"),
        ("p", P2),
    ]
    assert from_json_ld("  ") is None


def test_choice_between_candidates() -> None:
    traf = _candidate("trafilatura", P1, P2)
    full_ld = _candidate("json-ld", P1, P2, P3)
    other_ld = _candidate("json-ld", "نص مختلف تماماً عن المقال " * 8)
    selectors = _candidate("selectors", P3)
    # selectors that found text always win
    assert choose(selectors, full_ld, traf) is selectors
    # the site's own body wins when it is clearly more complete and agrees with trafilatura
    assert choose(None, full_ld, traf) is full_ld
    # ...not when it is about something else (a teaser, another article)
    assert choose(None, other_ld, traf) is traf
    assert choose(None, None, None) is None
    assert choose(None, full_ld, None) is full_ld


def test_dateline_and_byline_are_cut_from_the_top_only() -> None:
    blocks = [
        Block(kind="p", text="القاهرة، الأحد ٥ أكتوبر ٢٠٢٥"),
        Block(kind="p", text="بقلم: منى خليل"),
        Block(kind="p", text=P1),
        Block(kind="p", text="كتب: هذا السطر في آخر المقال يبقى"),
    ]
    kept, byline = strip_dateline_and_byline(blocks)
    assert [b.text for b in kept] == [P1, "كتب: هذا السطر في آخر المقال يبقى"]
    assert byline == "منى خليل"
    # a short first sentence with a date in it is text, not a dateline
    lede = Block(kind="p", text="افتتح المعرض في 5 أكتوبر 2025.")
    assert strip_dateline_and_byline([lede, Block(kind="p", text=P1)]) == (
        [lede, Block(kind="p", text=P1)],
        None,
    )


def test_ordinary_sentences_that_start_like_boilerplate_are_kept() -> None:
    news = [
        "شارك في الاجتماع وزراء الخارجية العرب.",  # "took part", not "share"
        "اشترك في المؤتمر أكثر من مئتي باحث.",  # "took part", not "subscribe"
        "تابعوا المباراة مساء اليوم على الملعب الوطني.",
        "Related research suggests the opposite.",
    ]
    blocks = [Block(kind="p", text=t) for t in news]
    assert drop_boilerplate(blocks) == blocks
