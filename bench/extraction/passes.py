"""Which trafilatura passes pay: F1 and pages per CPU-second of each choice, on DEV parts only.

    python bench/extraction/passes.py [--readability-dir READABILITY/test/test-pages]

The development parts of the article-extraction-benchmark and (when given) of Mozilla Readability's
test pages, pooled; the test parts (see ``run.part_of``) are never loaded here: this is where
tuning decisions are made. trafilatura itself runs on the same pages in the same run, for the speed
constraint. The decision rule is written in bench/extraction/README.md ("Pass choice").
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.extraction.run import (  # noqa: E402
    Page,
    _warm_khabar,
    aeb_pages,
    khabar_body,
    metrics,
    readability_dir,
    readability_pages,
    shingle_tp_fp_fn,
    trafilatura_body,
)
from pipelines.config import Settings  # noqa: E402
from pipelines.extract import body  # noqa: E402

Best = Callable[..., body.BodyCandidate | None]
SHORT = 4 * body.MIN_BODY_CHARS


def _rescue(best, tree, url, modes=("balanced", "recall")):  # type: ignore[no-untyped-def]
    """The balanced, then recall passes (with trafilatura's fallbacks) when ``best`` is almost empty."""
    for mode in modes:
        if best is not None and len(best.text) >= SHORT:
            break
        found = body.from_trafilatura(tree, url, mode=mode)
        if found is not None and (best is None or found.words > best.words):
            best = found
    return best


def _balanced(tree, url):  # type: ignore[no-untyped-def]
    return _rescue(body.from_trafilatura(tree, url), tree, url, modes=("recall",))


def _balanced_fast(tree, url):  # type: ignore[no-untyped-def]
    return _rescue(body.from_trafilatura(tree, url, fast=True), tree, url)


def _precision(tree, url):  # type: ignore[no-untyped-def]
    return _rescue(body.from_trafilatura(tree, url, mode="precision"), tree, url)


def _precision_fast(tree, url):  # type: ignore[no-untyped-def]
    return _rescue(body.from_trafilatura(tree, url, mode="precision", fast=True), tree, url)


def _before(tree, url):  # type: ignore[no-untyped-def]
    """Until issue 16: balanced (recall when short), then precision kept if it has 80% of the words."""
    best = _balanced(tree, url)
    if best is not None:
        precise = body.from_trafilatura(tree, url, mode="precision")
        if precise is not None and precise.words >= 0.8 * best.words:
            best = precise
    return best


def _before_fast(tree, url):  # type: ignore[no-untyped-def]
    """The same two passes, both ``fast``."""
    best = _balanced_fast(tree, url)
    if best is not None:
        precise = body.from_trafilatura(tree, url, mode="precision", fast=True)
        if precise is not None and precise.words >= 0.8 * best.words:
            best = precise
    return best


def _paragraph_words(tree) -> int:  # type: ignore[no-untyped-def]
    """A cheap baseline: the words of the page's long paragraphs (25 words or more)."""
    total = 0
    for p in tree.iter("p"):
        words = len(p.text_content().split())
        if words >= 25:
            total += words
    return total


def _precision_fast_checked(share: float) -> Best:
    """Precision (fast); the balanced pass too when it keeps less than ``share`` of the baseline."""

    def best_of(tree, url):  # type: ignore[no-untyped-def]
        best = _precision_fast(tree, url)
        if best is not None and best.words < share * _paragraph_words(tree):
            balanced = body.from_trafilatura(tree, url)
            if balanced is not None and balanced.words > best.words:
                best = balanced
        return best

    return best_of


VARIANTS: dict[str, Best] = {
    "balanced+precision (before)": _before,
    "balanced+precision, both fast": _before_fast,
    "balanced": _balanced,
    "balanced, fast (chosen)": _balanced_fast,
    "precision": _precision,
    "precision, fast (until now)": _precision_fast,
    "precision fast, balanced if <50% of <p>": _precision_fast_checked(0.5),
    "precision fast, balanced if <80% of <p>": _precision_fast_checked(0.8),
}


def _fastest(run: Callable[[], object], repeat: int) -> float:
    """CPU seconds of the fastest of ``repeat`` runs (the others were slowed by the machine's load)."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        cpu = time.process_time()
        run()
        best = min(best, time.process_time() - cpu)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readability-dir", type=Path, default=None)
    parser.add_argument("--only", action="append", default=None, help="a variant's name (repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per variant; the fastest counts")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    sets: dict[str, dict[str, Page]] = {"aeb": aeb_pages(Settings.from_env().data_dir)}
    rd = readability_dir(args.readability_dir)
    if rd is not None and rd.is_dir():
        sets["readability"] = readability_pages(rd)[0]
    else:
        print("Mozilla Readability's test pages not given: the AEB development part only")
    dev = {(s, i): p for s, pages in sets.items() for i, p in pages.items() if p.part == "dev"}
    del sets  # nothing below may read a test page
    _warm_khabar()
    first = next(iter(dev.values()))
    trafilatura_body(first.html, first.url)
    reference = len(dev) / _fastest(
        lambda: [trafilatura_body(p.html, p.url) for p in dev.values()], args.repeat
    )
    names = sorted({s for s, _ in dev})
    header = " ".join(f"{'F1 ' + n:>15}" for n in names)
    print(f"{len(dev)} development pages; trafilatura {reference:.1f} pages/CPU-s on them in this run")
    print(f"{'variant':<42} {header} {'F1 dev':>7} {'prec':>6} {'recall':>6} {'pages/cpu-s':>11}")
    print(f"(pages/cpu-s: the fastest of {args.repeat} runs of each)")
    original = body._trafilatura_best
    for name, fn in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        body._trafilatura_best = fn
        khabar_body(first.html, first.url)
        outputs = {key: khabar_body(page.html, page.url) for key, page in dev.items()}
        cpu = _fastest(lambda: [khabar_body(p.html, p.url) for p in dev.values()], args.repeat)
        rows = {key: shingle_tp_fp_fn(dev[key].gold, out) for key, out in outputs.items()}
        m = metrics(list(rows.values()))
        per_set = " ".join(
            f"{metrics([r for (s, _), r in rows.items() if s == n])['f1']:15.4f}" for n in names
        )
        print(
            f"{name:<42} {per_set} {m['f1']:7.4f} {m['precision']:6.3f} {m['recall']:6.3f} "
            f"{len(dev) / cpu:11.1f}"
        )
    body._trafilatura_best = original


if __name__ == "__main__":
    main()
