"""Which trafilatura passes pay: F1 and pages per CPU-second of each choice, on the DEV part only.

    python bench/extraction/passes.py

The test part (see ``run.part_of``) is never read here: this is where tuning decisions are made.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.extraction.run import _warm_khabar, khabar_body, metrics, part_of, shingle_tp_fp_fn  # noqa: E402
from pipelines.config import Settings  # noqa: E402
from pipelines.extract import body  # noqa: E402

Best = Callable[..., body.BodyCandidate | None]


def _balanced(tree, url):  # type: ignore[no-untyped-def]
    best = body.from_trafilatura(tree, url)
    if best is None or len(best.text) < 4 * body.MIN_BODY_CHARS:
        recall = body.from_trafilatura(tree, url, mode="recall")
        if recall is not None and (best is None or recall.words > best.words):
            best = recall
    return best


def _precision_only(tree, url):  # type: ignore[no-untyped-def]
    best = body.from_trafilatura(tree, url, mode="precision")
    if best is None or len(best.text) < 4 * body.MIN_BODY_CHARS:
        return _balanced(tree, url)
    return best


def _before(tree, url):  # type: ignore[no-untyped-def]
    """Until issue 16: balanced (recall when short), then precision kept if it has 80% of the words."""
    best = _balanced(tree, url)
    if best is not None:
        precise = body.from_trafilatura(tree, url, mode="precision")
        if precise is not None and precise.words >= 0.8 * best.words:
            best = precise
    return best


def _precision_fast(tree, url):  # type: ignore[no-untyped-def]
    best = body.from_trafilatura(tree, url, mode="precision", fast=True)
    if best is None or len(best.text) < 4 * body.MIN_BODY_CHARS:
        return _balanced(tree, url)
    return best


VARIANTS: dict[str, Best] = {
    "balanced+precision (before)": _before,
    "balanced only": _balanced,
    "precision, balanced when short": _precision_only,
    "precision without trafilatura's fallbacks": _precision_fast,
    "the extractor as it is now": body._trafilatura_best,
}


def main() -> None:
    warnings.filterwarnings("ignore")
    root = Settings.from_env().data_dir / "extraction" / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    ids = [i for i in sorted(truth) if part_of(f"{i}.html.gz") == "dev"]
    pages = {i: gzip.decompress((root / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8") for i in ids}
    _warm_khabar()
    original = body._trafilatura_best
    print(f"{'variant':<34} {'F1 dev':>7} {'prec':>6} {'recall':>6} {'pages/cpu-s':>11}")
    for name, fn in VARIANTS.items():
        body._trafilatura_best = fn
        khabar_body(pages[ids[0]], "")
        cpu = time.process_time()
        rows = [
            shingle_tp_fp_fn(truth[i].get("articleBody", ""), khabar_body(pages[i], truth[i].get("url", "")))
            for i in ids
        ]
        cpu = time.process_time() - cpu
        m = metrics(rows)
        print(f"{name:<34} {m['f1']:7.3f} {m['precision']:6.3f} {m['recall']:6.3f} {len(ids) / cpu:11.1f}")
    body._trafilatura_best = original


if __name__ == "__main__":
    main()
