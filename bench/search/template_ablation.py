"""What each part of khabar's index template costs in indexing time and disk, against the built-in
``arabic`` analyzer, on the same enriched ANT documents in one run.

    python bench/search/template_ablation.py [--limit 30000] [--variant NAME ...]

Variants (``VARIANTS``; the changes are :mod:`pipelines.evaluation.template_variants`, shared with
the quality harness): one change each from the shipped template (``schemas/index-template.json``,
version 4): no ``.exact``, no ``.words`` subfields; no clitic forms (one stem per word, ``.words``
as written); no offsets (``index_options: positions``: the highlighter then re-analyzes the text),
or none on the body only; ``.exact`` on the title only. And version 3 (before issue 15: two
multiplexers, ``.latin`` subfields, ``title.words``) with the steps from it to version 4. Also, to
see what a part costs (they change the tokens): without the mapping char filter, the ICU
normalizer or the stop filters; postings options (``.exact`` without offsets, ``.words`` without
positions); the ``.words`` forms folded into the stemmed field (``keyword_repeat``). What each
costs in quality: the ``khabar-*`` configurations of ``khabar eval search`` (docs/search-quality.md).
The synonym filter (name aliases) is in the search analyzers only, so it costs nothing at index
time; its cost is a reload or a reindex when the list changes (docs/indexer.md).

Each variant gets a fresh one-shard index filled by ``helpers.bulk`` in the indexer's batch sizes
and refreshed once (inside the time), after a warm-up pass per variant (``--warmup`` documents into
a throwaway index, so that the JIT has compiled the analysis code before any row is timed); each
row also gives the Elasticsearch process's CPU seconds over the load (``_nodes/stats``), which the
bench client and other jobs on the cores do not move. Disk is the store size as that leaves it
(not merged). The
variants are interleaved over ``--rounds`` so that a change in the shared machine's load hits
every row alike; the median round is reported. Documents: the enriched ANT documents cached by
``bench/indexer/run.py`` (``var/bench/cache/indexer-docs-<n>.json``; run it with ``--cache-only``
first). Results: ``var/bench/template-ablation.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from latency import arabic_index, index_documents, khabar_index

from pipelines.config import Settings
from pipelines.elastic.client import es_client
from pipelines.evaluation import template_variants as tv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/common.py
from common import BENCH_DIR, CACHE_DIR, environment, run, write_result

IndexBody = dict[str, Any]


def changed(*changes: Callable[[IndexBody], None]) -> Callable[[], IndexBody]:
    return lambda: tv.apply(khabar_index(), *changes)


VARIANTS: dict[str, Callable[[], IndexBody]] = {
    "arabic": arabic_index,
    "khabar": khabar_index,
    # one change each from the shipped template (version 4)
    "- .exact": changed(tv.without_subfield("exact")),
    "- .words": changed(tv.without_subfield("words")),
    "- offsets": changed(tv.positions_only()),
    "- clitic forms": changed(tv.one_form),
    "body positions": changed(tv.positions_only(("body",))),
    "icu token filter": changed(tv.icu_token_filter),
    ".exact title only": changed(tv.without_subfield("exact", ("lead", "body"))),
    "- char filter": changed(tv.without_filter("khabar_arabic_chars")),
    "- icu_normalizer": changed(tv.without_filter("icu_normalizer")),
    "- stop filters": changed(
        tv.without_filter("khabar_arabic_stop"), tv.without_filter("khabar_question_stop")
    ),
    "fold .words": changed(tv.fold_words),
    "fold .words, .exact title only": changed(tv.fold_words, tv.without_subfield("exact", ("lead", "body"))),
    ".exact positions": changed(tv.subfield_postings("exact", "positions")),
    ".words freqs": changed(tv.subfield_postings("words", "freqs")),
    ".exact positions, .words freqs": changed(
        tv.subfield_postings("exact", "positions"), tv.subfield_postings("words", "freqs")
    ),
    # version 3 (before issue 15) and the steps from it to version 4
    "v3": changed(tv.template_v3),
    "v3 + pattern_capture": changed(tv.template_v3, tv.capture_clitics),
    "v3 + capture - .latin": changed(tv.template_v3, tv.capture_clitics, tv.without_subfield("latin")),
}


def load_docs(limit: int) -> list[dict[str, Any]]:
    caches = sorted(CACHE_DIR.glob("indexer-docs-*.json"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    usable = [p for p in caches if int(p.stem.rsplit("-", 1)[1]) >= limit]
    if not usable:
        raise SystemExit(f"no cache of {limit} documents: run `python bench/indexer/run.py --cache-only`")
    docs = list(json.loads(usable[0].read_text(encoding="utf-8")).values())
    return docs[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=30000)
    parser.add_argument(
        "--variant", action="append", choices=sorted(VARIANTS), help="repeatable; default all"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--warmup", type=int, default=3000, help="documents per variant indexed first, not counted"
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "template-ablation.json")
    args = parser.parse_args()

    settings = Settings.from_env()
    es = es_client(settings, request_timeout=300)
    docs = load_docs(args.limit)
    names = args.variant or list(VARIANTS)
    print(
        f"{len(docs)} documents, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True
    )
    tag = uuid.uuid4().hex[:8]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    # A fresh node runs its first bulk requests interpreted, before the JIT compiles the analysis
    # code: without this, whichever variant comes first in round 1 reads up to twice as slow.
    for name in names if args.warmup else ():
        index = f"bench-ablation-{tag}-warmup-{names.index(name)}"
        try:
            index_documents(es, index, copy.deepcopy(VARIANTS[name]()), docs[: args.warmup], settings)
        finally:
            es.indices.delete(index=index, ignore_unavailable=True)
    for n in range(args.rounds):
        for name in names:
            index = f"bench-ablation-{tag}-{n}-{len(runs[name])}-{names.index(name)}"
            load = round(os.getloadavg()[0], 1)
            try:
                row = index_documents(es, index, copy.deepcopy(VARIANTS[name]()), docs, settings)
            finally:
                es.indices.delete(index=index, ignore_unavailable=True)
            runs[name].append(row | {"load": load})
            print(
                f"  {name:32} {row['seconds']:7.1f} s {row['es_cpu_seconds']:7.1f} CPU-s "
                f"{row['store_mib']:7.1f} MiB (load {load})",
                flush=True,
            )
    rows = {name: sorted(r, key=lambda x: x["seconds"])[len(r) // 2] for name, r in runs.items()}
    cpu = {name: sorted(x["es_cpu_seconds"] for x in r)[len(r) // 2] for name, r in runs.items()}
    peer = rows.get("arabic")
    shipped = rows.get("khabar")
    for name, row in rows.items():
        row["median_es_cpu_seconds"] = cpu[name]
        if peer:
            row["time_vs_arabic"] = round(row["seconds"] / peer["seconds"], 2)
            row["cpu_vs_arabic"] = round(cpu[name] / cpu["arabic"], 2)
            row["disk_vs_arabic"] = round(row["store_bytes"] / peer["store_bytes"], 2)
        if shipped:
            row["time_saved_vs_khabar"] = round(1 - row["seconds"] / shipped["seconds"], 3)
            row["disk_saved_vs_khabar"] = round(1 - row["store_bytes"] / shipped["store_bytes"], 3)
    write_result(
        args.out,
        {
            "benchmark": "template-ablation",
            "documents": len(docs),
            "rows": rows,
            "rounds": {k: [r["seconds"] for r in v] for k, v in runs.items()},
            "rounds_es_cpu_seconds": {k: [r["es_cpu_seconds"] for r in v] for k, v in runs.items()},
            "environment": environment(es_url=settings.es_url),
        },
    )
    print(
        f"\n{'variant':32} {'seconds':>8} {'ES CPU-s':>8} {'MiB':>7} {'time/arabic':>11} "
        f"{'CPU/arabic':>10} {'disk/arabic':>11} {'load':>5}"
    )
    for name, row in rows.items():
        print(
            f"{name:32} {row['seconds']:>8.1f} {cpu[name]:>8.1f} {row['store_mib']:>7.1f} "
            f"{row.get('time_vs_arabic', 0):>11.2f} {row.get('cpu_vs_arabic', 0):>10.2f} "
            f"{row.get('disk_vs_arabic', 0):>11.2f} {row['load']:>5.1f}"
        )
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    run(main)
