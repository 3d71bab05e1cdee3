"""Extraction benchmark: khabar vs trafilatura vs readability-lxml, in the same run.

Body F1 on scrapinghub/article-extraction-benchmark (181 pages): 4-word shingles, per-page
tp/fp/fn normalized to sum 1, precision and recall averaged over pages, F1 from those two means —
exactly as that project's ``evaluate.py`` defines it. Date accuracy (publication day) on the Arabic
dated pages (htmldate test set). Pages per second for each extractor.

    python bench/extraction/run.py [--limit N] [--out var/bench/extraction.json]

Data from ``$KHABAR_DATA_DIR`` (default ``<repo>/../shared/data``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipelines.config import Settings  # noqa: E402
from pipelines.errors import ExtractionError  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from pipelines.model import RawPage  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import BENCH_DIR, run, write_result  # noqa: E402

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
    return lxml_html.fromstring(summary).text_content() if summary.strip() else ""


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


def run_bodies(data: Path, limit: int | None) -> tuple[dict, dict]:
    root = data / "extraction" / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    pages = {i: gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8") for i in ids}
    parts = {i: part_of(f"{i}.html.gz") for i in ids}
    _warm_khabar()
    for fn in BODY.values():  # warm imports and models outside the timed loop
        for i in ids[:10]:
            fn(pages[i], truth[i].get("url", ""))
    results, per_page = {}, {}
    for name, fn in BODY.items():
        rows: dict[str, list] = {"all": [], "dev": [], "test": []}
        started, cpu = time.perf_counter(), time.process_time()
        outputs = {i: fn(pages[i], truth[i].get("url", "")) for i in ids}
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        for i in ids:
            row = shingle_tp_fp_fn(truth[i].get("articleBody", ""), outputs[i])
            rows["all"].append(row)
            rows[parts[i]].append(row)
            per_page.setdefault(i, {"part": parts[i]})[name] = round(_f1_page(row), 4)
        results[name] = {
            **{part: {**metrics(r), "pages": len(r)} for part, r in rows.items() if r},
            "pages": len(ids),
            "pages_per_second": len(ids) / elapsed,
            # CPU time is steadier than wall time on a machine shared with other jobs
            "pages_per_cpu_second": len(ids) / cpu,
        }
    return results, per_page


def _f1_page(row: tuple[float, float, float]) -> float:
    p, r = _precision(*row), _recall(*row)
    return 2 * p * r / (p + r) if p + r else 0.0


def run_dates(data: Path) -> dict:
    root = data / "extraction" / "arabic-dated-pages"
    truth = json.loads((root / "dates.json").read_text(encoding="utf-8"))
    results = {}
    for name, fn in DATES.items():
        found, started = {}, time.perf_counter()
        for url, item in truth.items():
            html = (root / item["file"]).read_text(encoding="utf-8")
            found[url] = (fn(html, url) or "")[:10]
        elapsed = time.perf_counter() - started
        right = {u: found[u] == item["date"] for u, item in truth.items()}
        by_part = {
            part: sum(ok for u, ok in right.items() if part_of(truth[u]["file"]) == part)
            for part in ("dev", "test")
        }
        results[name] = {
            "accuracy": sum(right.values()) / len(truth),
            "right": sum(right.values()),
            "pages": len(truth),
            "right_by_part": by_part,
            "pages_by_part": {
                p: sum(part_of(i["file"]) == p for i in truth.values()) for p in ("dev", "test")
            },
            "pages_per_second": len(truth) / elapsed,
            "found": found,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N benchmark pages")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "extraction.json")
    args = parser.parse_args()
    data = Settings.from_env().data_dir
    warnings.filterwarnings("ignore")

    bodies, per_page = run_bodies(data, args.limit)
    dates = run_dates(data)
    result = {"bodies": bodies, "dates": dates, "per_page_f1": per_page, "at": datetime.now(UTC).isoformat()}
    write_result(args.out, result)

    print(
        f"Body extraction, {bodies['khabar']['pages']} pages (4-word shingles); dev/test split by file-name hash"
    )
    print(
        f"{'extractor':<18} {'F1 dev':>7} {'F1 test':>7} {'F1 all':>7} {'prec':>6} {'recall':>6} "
        f"{'pages/s':>8} {'pages/cpu-s':>11}"
    )
    for name, m in sorted(bodies.items(), key=lambda kv: -kv[1]["all"]["f1"]):
        print(
            f"{name:<18} {m['dev']['f1']:7.3f} {m.get('test', {}).get('f1', float('nan')):7.3f} "
            f"{m['all']['f1']:7.3f} {m['all']['precision']:6.3f} {m['all']['recall']:6.3f} "
            f"{m['pages_per_second']:8.1f} {m['pages_per_cpu_second']:11.1f}"
        )
    print("\nPublication date, Arabic dated pages (right: dev / test / all)")
    print(f"{'extractor':<18} {'dev':>5} {'test':>5} {'all':>5}")
    for name, m in dates.items():
        dev, test = m["right_by_part"]["dev"], m["right_by_part"]["test"]
        n_dev, n_test = m["pages_by_part"]["dev"], m["pages_by_part"]["test"]
        print(f"{name:<18} {dev}/{n_dev:<3} {test}/{n_test:<3} {m['right']}/{m['pages']}")
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    run(main)
