"""Extraction benchmark: khabar vs trafilatura vs readability-lxml, in the same run.

Body F1 on scrapinghub/article-extraction-benchmark (181 pages): 4-word shingles, per-page
tp/fp/fn normalized to sum 1, precision and recall averaged over pages, F1 from those two means —
exactly as that project's ``evaluate.py`` defines it; the same scoring on Mozilla Readability's test
pages (the real sites' pages among them, gold = the text of each ``expected.html``) when given.
Date accuracy (publication day) on the Arabic dated pages and on the Readability pages with a
``publishedTime``. Pages per second for each extractor. Every set is split into a development and
a test part by ``part_of``.

    python bench/extraction/run.py [--limit N] [--out var/bench/extraction.json]
                                   [--readability-dir READABILITY/test/test-pages]

Data from ``$KHABAR_DATA_DIR`` (default ``<repo>/../shared/data``); the Readability pages from
``--readability-dir`` or ``$KHABAR_READABILITY_PAGES`` (``git clone
https://github.com/mozilla/readability``), their rows omitted when neither is given.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from lxml.html import HtmlElement  # noqa: E402

from pipelines.config import Settings  # noqa: E402
from pipelines.errors import ExtractionError  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from pipelines.model import RawPage  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import BENCH_DIR, environment, run, write_result  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


# --- development / test split ----------------------------------------------------------------------

#: share of pages (by hash of the file name) held out as the test part: no tuning decision reads it
TEST_SHARE = 3


def part_of(name: str) -> str:
    """``dev`` or ``test``, fixed by the file name's SHA-256 (first byte mod 10 < 3: test)."""
    return "test" if hashlib.sha256(name.encode("utf-8")).digest()[0] % 10 < TEST_SHARE else "dev"


# --- scoring (scrapinghub/article-extraction-benchmark evaluate.py semantics) ---------------------


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = _shingles(true), _shingles(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def metrics(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    precision = statistics.mean(_precision(*r) for r in rows if r[0] + r[1] > 0)
    recall = statistics.mean(_recall(*r) for r in rows if r[0] + r[2] > 0)
    return {"f1": 2 * precision * recall / (precision + recall), "precision": precision, "recall": recall}


# --- extractors ------------------------------------------------------------------------------------

FETCHED = datetime(2026, 1, 1, tzinfo=UTC)


def _page(html: str, url: str) -> RawPage:
    return RawPage(
        url=url, final_url=url, status=200, content_type="text/html", text=html, fetched_at=FETCHED
    )


def khabar_body(html: str, url: str) -> str:
    try:
        return extract_article(_page(html, url), source_id="bench").body_text
    except ExtractionError:
        return ""


def trafilatura_body(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""  # as the benchmark runs it


def readability_body(html: str, url: str) -> str:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return block_text(lxml_html.fromstring(summary)) if summary.strip() else ""


def khabar_date(html: str, url: str) -> str | None:
    try:
        article = extract_article(_page(html, url), source_id="bench")
    except ExtractionError:
        return None
    return article.published_at.date().isoformat() if article.published_at else None


def trafilatura_date(html: str, url: str) -> str | None:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return getattr(doc, "date", None) if doc else None


def htmldate_date(html: str, url: str) -> str | None:
    from htmldate import find_date

    return find_date(html, original_date=True)


BODY: dict[str, Callable[[str, str], str]] = {
    "khabar": khabar_body,
    "trafilatura": trafilatura_body,
    "readability-lxml": readability_body,
}
DATES: dict[str, Callable[[str, str], str | None]] = {
    "khabar": khabar_date,
    "trafilatura": trafilatura_date,
    "htmldate": htmldate_date,
}


def _warm_khabar() -> None:
    """Load what khabar loads on first use only (language model, dateparser's locales)."""
    import py3langid
    from trafilatura.external import jt_stoplist_init

    from pipelines.extract.dates import _dateparser, parse_date

    jt_stoplist_init()  # jusText's stop lists: loaded once, by whichever extractor needs them first
    py3langid.classify("warm up")
    parse_date("Tue, 24 Sep 2024 08:00:00 GMT")
    # dateparser, the long tail's parser, loads its locales on first use (~0.5 s): parse_date reaches
    # it only for strings its own parsers do not read, so it is called directly here
    _dateparser("24 septembre 2024", UTC, None)


@dataclass(frozen=True)
class Page:
    """One benchmark page: its HTML, the URL it is extracted as, the gold body text, its part."""

    html: str
    url: str
    gold: str
    part: str


def aeb_pages(data: Path, limit: int | None = None) -> dict[str, Page]:
    """scrapinghub/article-extraction-benchmark (from ``$KHABAR_DATA_DIR``)."""
    root = data / "extraction" / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    return {
        i: Page(
            html=gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8"),
            url=truth[i].get("url", ""),
            gold=truth[i].get("articleBody", ""),
            part=part_of(f"{i}.html.gz"),
        )
        for i in ids
    }


#: Mozilla Readability's test pages: a page counts as a real site's page when its source.html has
#: at least this many bytes. The unit-test snippets written by hand (001-style names excepted) are
#: all under 4 kB, every page saved from a real site is over 10 kB: the rule is the gap between.
REAL_PAGE_BYTES = 10_000
#: the URL Readability's own tests give every page (the page's own URL is not part of the set)
READABILITY_URL = "http://fakehost/test/page.html"
_BLOCKS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "dd",
    "dt",
}


def block_text(element: HtmlElement) -> str:
    """An element's text with a line break around every block and ``<br>`` (text_content() would
    glue the last word of one paragraph to the first of the next, and the shingles with them)."""
    element = deepcopy(element)
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _BLOCKS:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
        elif node.tag == "br":
            node.tail = "\n" + (node.tail or "")
    return element.text_content()


def readability_pages(root: Path, limit: int | None = None) -> tuple[dict[str, Page], dict[str, str]]:
    """Mozilla Readability's test pages (``test/test-pages`` of github.com/mozilla/readability):
    the real sites' pages (``REAL_PAGE_BYTES``), gold body = the text of ``expected.html``; and
    the ``publishedTime`` of those whose expected metadata has one."""
    from lxml import html as lxml_html

    pages: dict[str, Page] = {}
    dates: dict[str, str] = {}
    names = sorted(d.name for d in root.iterdir() if (d / "source.html").is_file())
    for name in names:
        source = root / name / "source.html"
        if source.stat().st_size < REAL_PAGE_BYTES:
            continue
        expected = lxml_html.fromstring((root / name / "expected.html").read_text(encoding="utf-8"))
        pages[name] = Page(
            html=source.read_text(encoding="utf-8"),
            url=READABILITY_URL,
            gold=block_text(expected),
            part=part_of(name),
        )
        meta = json.loads((root / name / "expected-metadata.json").read_text(encoding="utf-8"))
        if meta.get("publishedTime"):
            dates[name] = str(meta["publishedTime"])
    if limit:
        pages = dict(list(pages.items())[:limit])
        dates = {k: v for k, v in dates.items() if k in pages}
    return pages, dates


def run_bodies(sets: dict[str, dict[str, Page]]) -> tuple[dict, dict]:
    """Per set: F1 of each part and of all pages, pages per (CPU-)second; the sets pooled too."""
    _warm_khabar()
    first = next(iter(sets.values()))
    for fn in BODY.values():  # warm imports and models outside the timed loop
        for page in list(first.values())[:10]:
            fn(page.html, page.url)
    results: dict[str, dict] = {name: {} for name in [*sets, "combined"]}
    per_page: dict[str, dict] = {name: {} for name in sets}
    for name, fn in BODY.items():
        pooled: dict[str, list] = {"all": [], "dev": [], "test": []}
        total_elapsed = total_cpu = 0.0
        for set_name, pages in sets.items():
            rows: dict[str, list] = {"all": [], "dev": [], "test": []}
            started, cpu = time.perf_counter(), time.process_time()
            outputs = {i: fn(page.html, page.url) for i, page in pages.items()}
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            total_elapsed += elapsed
            total_cpu += cpu
            for i, page in pages.items():
                row = shingle_tp_fp_fn(page.gold, outputs[i])
                for key in ("all", page.part):
                    rows[key].append(row)
                    pooled[key].append(row)
                per_page[set_name].setdefault(i, {"part": page.part})[name] = round(_f1_page(row), 4)
            results[set_name][name] = {
                **{part: {**metrics(r), "pages": len(r)} for part, r in rows.items() if r},
                "pages": len(pages),
                "pages_per_second": len(pages) / elapsed,
                # CPU time is steadier than wall time on a machine shared with other jobs
                "pages_per_cpu_second": len(pages) / cpu,
            }
        results["combined"][name] = {
            **{part: {**metrics(r), "pages": len(r)} for part, r in pooled.items() if r},
            "pages": len(pooled["all"]),
            "pages_per_second": len(pooled["all"]) / total_elapsed,
            "pages_per_cpu_second": len(pooled["all"]) / total_cpu,
        }
    return results, per_page


def _f1_page(row: tuple[float, float, float]) -> float:
    p, r = _precision(*row), _recall(*row)
    return 2 * p * r / (p + r) if p + r else 0.0


def _days(value: str) -> set[str]:
    """The publication day as the page wrote it, and its UTC day when an offset moves it."""
    days = {value[:10]}
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return days
    if parsed.tzinfo is not None:
        days.add(parsed.astimezone(UTC).date().isoformat())
    return days


def _date_rows(pages: dict[str, tuple[str, str, str, str]]) -> dict:
    """pages: key -> (html, url, gold date, part). Right when the day found is the page's own day
    or its UTC day (a correct UTC conversion that moves the calendar day counts as right)."""
    results = {}
    for name, fn in DATES.items():
        found, started = {}, time.perf_counter()
        for key, (html, url, _gold, _part) in pages.items():
            found[key] = (fn(html, url) or "")[:10]
        elapsed = time.perf_counter() - started
        right = {k: found[k] in _days(gold) for k, (_h, _u, gold, _p) in pages.items()}
        parts = {k: part for k, (_h, _u, _g, part) in pages.items()}
        results[name] = {
            "accuracy": sum(right.values()) / len(pages) if pages else 0.0,
            "right": sum(right.values()),
            "pages": len(pages),
            "right_by_part": {
                p: sum(ok for k, ok in right.items() if parts[k] == p) for p in ("dev", "test")
            },
            "pages_by_part": {p: sum(v == p for v in parts.values()) for p in ("dev", "test")},
            "pages_per_second": len(pages) / elapsed if elapsed else 0.0,
            "found": found,
            "wrong": sorted(k for k, ok in right.items() if not ok),
        }
    return results


def run_dates(data: Path) -> dict:
    root = data / "extraction" / "arabic-dated-pages"
    truth = json.loads((root / "dates.json").read_text(encoding="utf-8"))
    return _date_rows(
        {
            url: ((root / item["file"]).read_text(encoding="utf-8"), url, item["date"], part_of(item["file"]))
            for url, item in truth.items()
        }
    )


def readability_dir(option: Path | None) -> Path | None:
    """``--readability-dir`` or ``$KHABAR_READABILITY_PAGES``: a checkout's ``test/test-pages``."""
    value = option or (
        Path(os.environ["KHABAR_READABILITY_PAGES"]) if os.environ.get("KHABAR_READABILITY_PAGES") else None
    )
    if value is not None and (value / "test" / "test-pages").is_dir():
        value = value / "test" / "test-pages"  # the checkout's root given instead
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "extraction.json")
    parser.add_argument(
        "--readability-dir",
        type=Path,
        default=None,
        help="Mozilla Readability's test/test-pages (default $KHABAR_READABILITY_PAGES; omitted when unset)",
    )
    args = parser.parse_args()
    data = Settings.from_env().data_dir
    warnings.filterwarnings("ignore")

    sets: dict[str, dict[str, Page]] = {"aeb": aeb_pages(data, args.limit)}
    readability_dates: dict[str, str] = {}
    rd = readability_dir(args.readability_dir)
    if rd is None or not rd.is_dir():
        print(
            "Mozilla Readability's test pages: not given (--readability-dir or $KHABAR_READABILITY_PAGES), "
            "their rows are omitted"
        )
    else:
        sets["readability"], readability_dates = readability_pages(rd, args.limit)

    bodies, per_page = run_bodies(sets)
    if len(sets) == 1:
        del bodies["combined"]
    dates = {"arabic-dated-pages": run_dates(data)}
    if readability_dates:
        rp = sets["readability"]
        dates["readability"] = _date_rows(
            {k: (rp[k].html, rp[k].url, v, rp[k].part) for k, v in readability_dates.items()}
        )
    result = {
        "bodies": bodies,
        "dates": dates,
        "per_page_f1": per_page,
        "readability_pages": sorted(sets.get("readability", {})),
        "environment": environment(),
        "at": datetime.now(UTC).isoformat(),
    }
    write_result(args.out, result)

    print("Body extraction (4-word shingles); dev/test split by file-name hash")
    print(
        f"{'set':<12} {'extractor':<18} {'pages':>5} {'F1 dev':>7} {'F1 test':>7} {'F1 all':>7} {'prec':>6} "
        f"{'recall':>6} {'pages/s':>8} {'pages/cpu-s':>11}"
    )
    nan = float("nan")
    for set_name, by_extractor in bodies.items():
        for name, m in sorted(by_extractor.items(), key=lambda kv: -kv[1]["all"]["f1"]):
            print(
                f"{set_name:<12} {name:<18} {m['pages']:>5} {m.get('dev', {}).get('f1', nan):7.3f} "
                f"{m.get('test', {}).get('f1', nan):7.3f} {m['all']['f1']:7.3f} {m['all']['precision']:6.3f} "
                f"{m['all']['recall']:6.3f} {m['pages_per_second']:8.1f} {m['pages_per_cpu_second']:11.1f}"
            )
    for set_name, by_extractor in dates.items():
        print(f"\nPublication day, {set_name} (right: dev / test / all)")
        print(f"{'extractor':<18} {'dev':>7} {'test':>7} {'all':>7}")
        for name, m in by_extractor.items():
            dev, test = m["right_by_part"]["dev"], m["right_by_part"]["test"]
            n_dev, n_test = m["pages_by_part"]["dev"], m["pages_by_part"]["test"]
            both = f"{m['right']}/{m['pages']}"
            print(f"{name:<18} {f'{dev}/{n_dev}':>7} {f'{test}/{n_test}':>7} {both:>7}")
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    run(main)
