"""What ``to_document`` costs, part by part, now against the code of a git ref (default ``main``).

    python bench/indexer/enrich_parts.py [--articles 500] [--ref main] [--rounds 3] [--compare 0]

Both versions run in this one process on the same ANT v2.1 articles (evenly spaced over the
corpus): the enrichment modules of ``--ref`` are read with ``git show`` and loaded under their own
names beside the working tree's. After one untimed pass of each ``to_document`` (the word caches
filled, as in a running indexer), each part is timed ``--rounds`` times, old and new alternating;
the median CPU time per article is reported. Parts as ``to_document`` calls them: ``folding``
is ``normalize_text`` of title, lead and body, done once now and shared by places and dedup
(before, each folded its own text, inside its row).

Equivalence: every document both versions make of the same article is compared field by field
(``indexed_at`` aside); ``--compare N`` compares N more articles from the whole corpus (0: only the
timed ones; -1: all of it). Results: var/bench/enrich_parts.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.evaluation.ant_corpus import load_ant_articles
from pipelines.model import Article

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import BENCH_DIR, environment, write_result

# In dependency order: each module of the old version must import the old versions of those before it.
# A module the ref does not have yet is skipped there (its old code does not import it).
MODULES = (
    "pipelines.normalize.arabic",
    "pipelines.indexer.enrich.memo",
    "pipelines.indexer.enrich.dedup",
    "pipelines.indexer.enrich.keywords",
    "pipelines.indexer.enrich.language",
    "pipelines.indexer.enrich.places",
    "pipelines.indexer.enrich.reading",
    "pipelines.indexer.enrich.document",
)
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def load_reference(ref: str) -> dict[str, types.ModuleType]:
    """The enrichment modules as they are at git ``ref``, loaded without replacing the current ones."""
    current = {name: importlib.import_module(name) for name in MODULES}
    old: dict[str, types.ModuleType] = {}
    try:
        for name in MODULES:
            rel = name.replace(".", "/") + ".py"
            if not _git("ls-tree", "--name-only", ref, "--", rel).strip():
                continue
            source = _git("show", f"{ref}:{rel}")
            spec = importlib.util.spec_from_loader(name, loader=None)
            assert spec is not None
            module = importlib.util.module_from_spec(spec)
            module.__file__ = str(PROJECT_ROOT / rel)  # data files are found next to it
            sys.modules[name] = module  # what the next modules' imports bind to
            exec(compile(source, f"{ref}:{rel}", "exec"), module.__dict__)
            old[name] = module
    finally:
        sys.modules.update(current)
    return old


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout


def parts(m: dict[str, Any], new: bool) -> dict[str, Callable[[Article], Any]]:
    """Each part of ``to_document`` as it calls it, for one version (``m``: module name -> module)."""
    arabic = m["pipelines.normalize.arabic"]
    dedup = m["pipelines.indexer.enrich.dedup"]
    keywords = m["pipelines.indexer.enrich.keywords"]
    language = m["pipelines.indexer.enrich.language"]
    places = m["pipelines.indexer.enrich.places"]
    reading = m["pipelines.indexer.enrich.reading"]
    document = m["pipelines.indexer.enrich.document"]

    def full(a: Article) -> str:
        return "\n".join(p for p in (a.title, a.lead, a.body_text) if p)

    def folded(a: Article) -> tuple[str, str]:
        t, lead, b = (arabic.normalize_text(p) for p in (a.title, a.lead, a.body_text))
        return " ".join(p for p in (t, lead, b) if p), " ".join(p for p in (t, b) if p)

    cache: dict[str, tuple[str, str]] = {}  # the folded texts for the new version's rows

    out: dict[str, Callable[[Article], Any]] = {
        "language": lambda a: language.detect_language(full(a), default=a.language or "ar"),
        "word count": lambda a: reading.word_count(a.body_text),
        "keywords": lambda a: keywords.extract_keywords(full(a), language="ar"),
    }
    if new:
        out["folding"] = lambda a: cache.__setitem__(a.article_id, folded(a))
        out["places"] = lambda a: places.find_places(full(a), folded=cache[a.article_id][0])
        out["dedup"] = lambda a: dedup.dedup_fields(a.title, a.body_text, folded=cache[a.article_id][1])
    else:
        out["folding"] = lambda a: None
        out["places"] = lambda a: places.find_places(full(a))
        out["dedup"] = lambda a: dedup.dedup_fields(a.title, a.body_text)
    out["to_document"] = lambda a: document.to_document(a, indexed_at=FIXED_TIME)
    return out


def cpu_ms(fn: Callable[[Article], Any], articles: list[Article]) -> float:
    t0 = time.process_time()
    for article in articles:
        fn(article)
    return (time.process_time() - t0) * 1000 / len(articles)


def compare(old_doc: Callable, new_doc: Callable, articles: list[Article]) -> dict[str, Any]:
    """Documents of both versions, field by field: how many articles differ, in which fields."""
    fields: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    identical = 0
    for article in articles:
        a, b = old_doc(article, indexed_at=FIXED_TIME), new_doc(article, indexed_at=FIXED_TIME)
        differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        fields.update(differ)
        identical += not differ
        if differ and len(examples) < 5:
            examples.append(
                {"article_id": article.article_id, "fields": {k: [a.get(k), b.get(k)] for k in differ}}
            )
    return {
        "articles": len(articles),
        "identical": identical,
        "differing_fields": dict(fields),
        "examples": examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--ref", default="main", help="git ref of the 'before' version (default main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", type=int, default=0, help="more corpus articles to compare (-1: all)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "enrich_parts.json")
    args = parser.parse_args()

    try:
        old_modules = load_reference(args.ref)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"cannot read the enrichment code at git ref {args.ref!r}: {exc}") from None
    everything, _ = load_ant_articles(Settings.from_env().data_dir)
    stride = max(1, len(everything) // args.articles)
    articles = everything[::stride][: args.articles]

    new_modules = {name: importlib.import_module(name) for name in MODULES}
    versions = {"before": parts(old_modules, new=False), "now": parts(new_modules, new=True)}
    for version in versions.values():  # warm: models loaded, word caches filled
        for article in articles:
            for fn in version.values():
                fn(article)

    samples: dict[str, dict[str, list[float]]] = {v: {} for v in versions}
    for _ in range(args.rounds):
        for version, fns in versions.items():
            for part, fn in fns.items():
                samples[version].setdefault(part, []).append(cpu_ms(fn, articles))
    ms = {
        v: {p: round(statistics.median(s), 3) for p, s in by_part.items()} for v, by_part in samples.items()
    }
    for by_part in ms.values():
        by_part["rest"] = round(
            by_part["to_document"] - sum(t for p, t in by_part.items() if p != "to_document"), 3
        )

    old_doc = old_modules["pipelines.indexer.enrich.document"].to_document
    new_doc = new_modules["pipelines.indexer.enrich.document"].to_document
    checked = articles
    if args.compare:
        taken = {a.article_id for a in articles}
        more = [a for a in everything if a.article_id not in taken]
        checked = articles + (
            more if args.compare < 0 else more[:: max(1, len(more) // args.compare)][: args.compare]
        )
    equivalence = compare(old_doc, new_doc, checked)

    result = {
        "benchmark": "enrich_parts",
        "articles": len(articles),
        "ref": args.ref,
        "rounds": args.rounds,
        "ms_per_article": ms,
        "equivalence": equivalence,
        "environment": environment(),
    }
    write_result(args.out, result)

    order = ["folding", "language", "word count", "keywords", "places", "dedup", "rest", "to_document"]
    print(f"{len(articles)} ANT articles, CPU ms per article (median of {args.rounds}), before = {args.ref}")
    print(f"{'part':14} {'before':>8} {'now':>8} {'x':>6}")
    for part in order:
        b, n = ms["before"][part], ms["now"][part]
        ratio = f"{b / n:.1f}" if n > 0.0005 else "-"
        print(f"{part:14} {b:>8.3f} {n:>8.3f} {ratio:>6}")
    e = equivalence
    print(f"\nsame document from both versions: {e['identical']} of {e['articles']} articles")
    if e["differing_fields"]:
        print(f"differing fields: {e['differing_fields']}")
    print(f"load (1 min) at the end: {result['environment']['load_average_1m']}")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
