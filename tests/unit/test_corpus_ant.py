"""The ANT corpus reader: well-formed and malformed TREC-style files become valid Articles."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from pipelines.evaluation.ant_corpus import AntStats, iter_ant_articles, parse_doc
from pipelines.kafka.contracts import schema_errors

GOOD = """<DOC>
<DOCNO>SK-1</DOCNO>
<URL>https://www.skynewsarabia.com/world/1-لافروف-يستقبل-الشيباني</URL>
<SRC>skynews</SRC>
<CAT>world</CAT>
<TITLE>لافروف يستقبل الشيباني في موسكو</TITLE>
<TIME>Sun, 18 Feb 2018 21:35:43 +0400</TIME>
<AUTHOR>موسكو - سكاي نيوز عربية</AUTHOR>
<ABSTRACT>استقبل وزير الخارجية الروسي نظيره السوري.</ABSTRACT>
<TEXT>
استقبل وزير الخارجية الروسي نظيره السوري.
وبحث الجانبان العلاقات الثنائية.
</TEXT>
</DOC>
"""

# A bare "&", a stray "<" and a control character: not well-formed XML (37 such files in ANT v2.1).
MALFORMED = """<DOC>
<DOCNO>AL-2</DOCNO>
<URL>http://www.alarabiya.net/ar/2018/02/20/a?x=1&y=2</URL>
<SRC>alarabia</SRC>
<CAT>economy</CAT>
<TITLE>أسواق الخليج & النفط</TITLE>
<TIME>Tue, 20 Feb 2018 10:00:00 +0300</TIME>
<AUTHOR></AUTHOR>
<ABSTRACT>ارتفاع &amp; تراجع</ABSTRACT>
<TEXT>
< تحية واجبة \x02للأسواق.
</TEXT>
</DOC>
"""


def _archive(tmp_path: Path, docs: dict[str, str]) -> Path:
    path = tmp_path / "ant.tar.xz"
    with tarfile.open(path, "w:xz") as tar:
        for name, text in docs.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_well_formed_and_malformed_docs_become_valid_articles(tmp_path: Path) -> None:
    archive = _archive(
        tmp_path,
        {"Sky/world/SK-1.txt": GOOD, "Alarabia/economy/AL-2.txt": MALFORMED, "France24/x/FR-3.txt": GOOD},
    )

    stats = AntStats()
    articles = list(iter_ant_articles(archive, stats=stats))
    assert (stats.files, stats.articles, stats.repaired, stats.duplicates) == (3, 2, 1, 1)
    good, bad = articles
    assert good.title == "لافروف يستقبل الشيباني في موسكو"
    assert [b.text for b in good.body] == [
        "استقبل وزير الخارجية الروسي نظيره السوري.",
        "وبحث الجانبان العلاقات الثنائية.",
    ]
    assert good.published_at.isoformat() == "2018-02-18T21:35:43+04:00"
    assert (
        good.source_id == "skynews"
        and good.section == "world"
        and good.authors == ["موسكو - سكاي نيوز عربية"]
    )
    assert bad.title == "أسواق الخليج & النفط" and bad.lead == "ارتفاع & تراجع"
    assert "\x02" not in bad.body_text and bad.authors == []
    for article in articles:
        assert schema_errors("news.articles.v1", article.to_message()) == []


def test_parse_doc_says_when_it_repaired() -> None:
    assert parse_doc(GOOD.encode())[1] is False
    fields, repaired = parse_doc(MALFORMED.encode())
    assert repaired and fields["URL"].endswith("?x=1&y=2")
