"""``khabar eval search`` end to end on the real local Elasticsearch, with a tiny ANT-format corpus
(built here as a .tar.xz) and a tiny SQuAD file: structure of the report, the known items found by
an obviously-right configuration, temporary indices deleted."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.evaluation import configs, report, runner
from pipelines.evaluation.known_item import CLASSES

QA_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "eval" / "tiny-squad.json"

ARTICLES = [
    (
        "لافروف يستقبل الشيباني في موسكو",
        "استقبل وزير الخارجية الروسي سيرغي لافروف نظيره السوري أسعد الشيباني في موسكو. وقال لافروف إن المحادثات مع الشيباني تناولت إعادة الإعمار في سوريا.",
    ),
    (
        "ارتفاع أسعار النفط",
        "ارتفعت أسعار النفط الخام في الأسواق العالمية بعد قرار منظمة أوبك خفض الإنتاج. وقال محللون إن أسعار النفط قد تواصل الارتفاع خلال الأسابيع المقبلة.",
    ),
    (
        "برشلونة يفوز على ريال مدريد",
        "فاز نادي برشلونة على غريمه ريال مدريد بثلاثة أهداف في مباراة الكلاسيكو. وسجل ميسي هدفين للفريق الكتالوني في ملعب كامب نو.",
    ),
    (
        "زلزال يضرب جزيرة سومطرة",
        "ضرب زلزال قوي جزيرة سومطرة الإندونيسية صباح اليوم. وأعلنت السلطات الإندونيسية عن إجلاء السكان من المناطق الساحلية خشية موجات تسونامي.",
    ),
    (
        "افتتاح معرض الكتاب في القاهرة",
        "افتتح معرض القاهرة الدولي للكتاب دورته الجديدة بمشاركة مئات دور النشر. ويستضيف المعرض ندوات عن الرواية العربية والترجمة.",
    ),
    (
        "إطلاق قمر صناعي للاتصالات",
        "أطلقت وكالة الفضاء قمرا صناعيا جديدا للاتصالات من قاعدة الإطلاق. وسيوفر القمر الصناعي خدمات الإنترنت للمناطق النائية.",
    ),
    (
        "مهرجان التمور في الأحساء",
        "انطلق مهرجان التمور السنوي في الأحساء بمشاركة المزارعين. ويعرض المهرجان أصناف التمور الفاخرة مثل الخلاص والرزيز.",
    ),
    (
        "انتخابات بلدية في تونس",
        "توجه الناخبون في تونس إلى صناديق الاقتراع في أول انتخابات بلدية منذ الثورة. وقالت هيئة الانتخابات إن نسبة المشاركة بلغت ثلث الناخبين.",
    ),
]


def _doc(n: int, title: str, text: str, *, url: str | None = None, ampersand: bool = False) -> str:
    url = url if url is not None else f"https://news.example/{n}"
    if ampersand:
        title += " & تحليل"  # a bare "&": not well-formed XML, read field by field
    return (
        f"<DOC>\n<DOCNO>T-{n}</DOCNO>\n<URL>{url}</URL>\n<SRC>test</SRC>\n<CAT>world</CAT>\n"
        f"<TITLE>{title}</TITLE>\n<TIME>Sun, 18 Feb 2018 21:35:43 +0400</TIME>\n<AUTHOR></AUTHOR>\n"
        f"<ABSTRACT></ABSTRACT>\n<TEXT>\n{text}\n</TEXT>\n</DOC>\n"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    files = [_doc(n, title, text, ampersand=n == 1) for n, (title, text) in enumerate(ARTICLES)]
    files.append("<DOC><TITLE>بلا رابط</TITLE>")  # unusable: counted and skipped
    archive = tmp_path / "corpus" / "ant-test.tar.xz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:xz") as tar:
        for n, content in enumerate(files):
            data = content.encode("utf-8")
            info = tarfile.TarInfo(f"ant/{n}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def test_every_configuration_on_the_same_documents(es: Elasticsearch, corpus: Path) -> None:
    options = runner.Options(
        archives=[corpus, corpus.parent / "missing.tar.xz"],
        qa_file=QA_FIXTURE,
        configs=configs.select(None),
        sample=5,
        seed=3,
    )
    result = runner.run(es, options)

    assert result["documents"] == {"articles": 8, "qa_paragraphs": 2, "total": 10}
    archive = result["corpus"]["archives"]["ant-test.tar.xz"]
    assert archive["skipped"] == 1 and archive["repaired"] == 1
    assert "missing.tar.xz" in result["corpus"]["failed_archives"]
    assert result["known_item"]["articles"] == 5
    assert result["tasks"] == [f"known_item:{c}" for c in CLASSES] + ["qa"]
    assert [c["name"] for c in result["configs"]] == ["standard", "arabic", "khabar"]
    for config in result["configs"]:
        assert config["documents"] == 10 and config["bulk_failures"] == 0 and config["query_errors"] == 0
        assert set(config["tasks"]) == set(result["tasks"])
        assert not es.indices.exists(index=config["index"])  # temporary index deleted
    arabic = next(c for c in result["configs"] if c["name"] == "arabic")
    # exact salient words of one of 8 unrelated articles: the built-in analyzer finds each first
    assert arabic["tasks"]["known_item:exact"] == {
        "queries": 5,
        "mrr@10": 1.0,
        "ndcg@10": 1.0,
        "recall@10": 1.0,
        "recall@100": 1.0,
    }
    assert arabic["tasks"]["qa"]["queries"] == 4 and arabic["tasks"]["qa"]["recall@10"] == 1.0
    assert result["relative_ndcg@10"]["arabic"]["known_item:exact"] == 0.0
    first = result["queries"]["known_item:exact"][0]
    assert first["ranks"]["arabic"] == 1 and set(first["ranks"]) == {"standard", "arabic", "khabar"}
    assert len(result["queries"]["qa"]) == 4
    json.dumps(result)  # JSON-able as is
    markdown = report.markdown(result)
    assert "| exact | arabic | 5 | 1.000 | 1.000 | 1.000 | 1.000 |  |" in markdown


def test_cli_writes_json_and_prints_the_table(es: Elasticsearch, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "search.json"
    args = ["eval", "search", "--corpus", str(corpus.parent), "--archive", corpus.name]
    args += ["--qa", str(QA_FIXTURE), "--sample", "3", "--config", "arabic", "--out", str(out), "--markdown"]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert [c["name"] for c in saved["configs"]] == ["arabic"]
    assert saved["known_item"]["articles"] == 3
    assert "| task | config | queries |" in result.output


def test_cli_refuses_an_unknown_configuration() -> None:
    result = CliRunner().invoke(app, ["eval", "search", "--config", "nope"])
    assert result.exit_code != 0
    assert "unknown configuration" in result.output
