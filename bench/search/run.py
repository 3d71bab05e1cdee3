"""Search-quality evaluation: ARCD questions -> the Wikipedia paragraph that answers them.

ARCD (SQuAD format, 693 questions over 231 Arabic paragraphs) is turned into retrieval: every
paragraph is a document, every question a query whose one relevant document is its paragraph.
With ``--distractors N`` real news articles from the ANT corpus are indexed too, so the right
paragraph has to beat N unrelated documents. Each configuration gets its own temporary index on
the local Elasticsearch, all in the same run:

- ``khabar search``: the shipped template and the shipped relevance query
  (:func:`pipelines.search.build_request`: title/lead/body + ``.exact``/``.latin`` subfields,
  phrase boost, any word may match).
- ``khabar search, 3<75% rule``: the same with the words rule of date-sorted search (up to three
  words all required, else 75 %), ranked by score: what that rule costs on long questions.
- ``khabar analyzer``: the template's ``khabar_arabic`` analyzer, plain OR ``match`` on the body.
- ``khabar, query w/o clitics``: index with ``khabar_arabic``, search with the same chain minus the
  clitic multiplexer (asymmetric analysis).
- ``khabar w/o clitics``: khabar's char filters + the stock arabic chain, no clitic multiplexer.
- ``arabic`` (Elasticsearch's built-in analyzer) and ``standard``: the peers, plain OR ``match``.

Reports recall@1/5/10 and MRR@10 per configuration and, with distractors, word-form recall and
precision of place-name queries on the news (see ``forms.py``); JSON to ``var/bench/search.json``.

    python bench/search/run.py [--distractors 5000] [--out var/bench/search.json]

Data from ``$KHABAR_DATA_DIR`` (default ``<repo>/../shared/data``).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from elasticsearch import Elasticsearch, helpers  # noqa: E402
from forms import build_truth, evaluate_forms  # noqa: E402

from pipelines.config import Settings  # noqa: E402
from pipelines.indexer.elastic import es_client  # noqa: E402
from pipelines.indexer.template import load_template  # noqa: E402
from pipelines.search import MINIMUM_SHOULD_MATCH, build_request  # noqa: E402

K = (1, 5, 10)


def data_dir() -> Path:
    return Settings.from_env().data_dir


def load_arcd(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """(paragraphs, [(question, paragraph index)])."""
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs: list[str] = []
    questions: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    for article in data["data"]:
        for para in article["paragraphs"]:
            index = seen.setdefault(para["context"], len(paragraphs))
            if index == len(paragraphs):
                paragraphs.append(para["context"])
            for qa in para["qas"]:
                # ARCD questions carry list markers (" - ") and stray tails; the text is what counts
                question = re.sub(r"^\s*-\s*", "", qa["question"]).strip()
                questions.append((question, index))
    return paragraphs, questions


def load_distractors(path: Path, count: int) -> list[str]:
    """``count`` article texts spread evenly over the ANT corpus (every k-th file)."""
    if count <= 0:
        return []
    with tarfile.open(path, "r:xz") as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        step = max(1, len(members) // count)
        wanted = {m.name for m in members[::step][:count]}
        texts = []
        for member in members:
            if member.name not in wanted:
                continue
            raw = tar.extractfile(member).read().decode("utf-8", "replace")  # type: ignore[union-attr]
            match = re.search(r"<TEXT>(.*?)</TEXT>", raw, re.S)
            if match and match.group(1).strip():
                texts.append(match.group(1).strip()[:3000])
    return texts


def _analysis_variants() -> dict[str, Any]:
    analysis = copy.deepcopy(load_template()["template"]["settings"]["analysis"])
    base = analysis["analyzer"]["khabar_arabic"]
    no_clitics = {
        **base,
        "filter": [f if f != "khabar_arabic_stems" else "arabic_stem" for f in base["filter"]],
    }
    no_clitics["filter"] = [f for f in no_clitics["filter"] if f != "remove_duplicates"]
    analysis["analyzer"]["bench_no_clitics"] = no_clitics
    return analysis


def configs() -> dict[str, dict[str, Any]]:
    """name -> {"index": how the index is made, "query": how a question becomes a request}."""
    return {
        "khabar search": {"index": "template", "query": "khabar"},
        "khabar search, 3<75% rule": {"index": "template", "query": "khabar-strict"},
        "khabar analyzer": {"index": "template", "query": "match"},
        "khabar, query w/o clitics": {
            "index": {"analyzer": "khabar_arabic", "search_analyzer": "bench_no_clitics"},
            "query": "match",
        },
        "khabar w/o clitics": {"index": {"analyzer": "bench_no_clitics"}, "query": "match"},
        "arabic": {"index": {"analyzer": "arabic"}, "query": "match"},
        "standard": {"index": {"analyzer": "standard"}, "query": "match"},
    }


def create_index(es: Elasticsearch, name: str, how: Any) -> None:
    if how == "template":
        template = load_template()["template"]
        settings = copy.deepcopy(template["settings"])
        settings["index"] = {"number_of_shards": 1, "number_of_replicas": 0}
        es.indices.create(index=name, settings=settings, mappings=template["mappings"])
        return
    es.indices.create(
        index=name,
        settings={
            "index": {"number_of_shards": 1, "number_of_replicas": 0},
            "analysis": _analysis_variants(),
        },
        mappings={
            "dynamic": "strict",
            "properties": {"article_id": {"type": "keyword"}, "body": {"type": "text", **how}},
        },
    )


def request_for(question: str, how: str) -> dict[str, Any]:
    if how.startswith("khabar"):
        # "khabar-strict": the words rule used when sorting by date, here ranked by score
        msm = MINIMUM_SHOULD_MATCH["date"] if how == "khabar-strict" else None
        request = build_request(question, size=10, minimum_should_match=msm)
        for key in ("aggs", "highlight", "sort", "track_total_hits"):
            request.pop(key, None)
        request["_source"] = False
        return request
    return {"query": {"match": {"body": {"query": question}}}, "size": 10, "_source": False}


def evaluate(
    es: Elasticsearch, name: str, how: dict[str, Any], docs: list[str], questions, truth
) -> dict[str, Any]:
    index = f"khabar-bench-search-{uuid.uuid4().hex[:8]}"
    create_index(es, index, how["index"])
    try:
        started = time.perf_counter()
        actions = (
            {"_index": index, "_id": str(i), "_source": {"article_id": str(i), "body": text}}
            for i, text in enumerate(docs)
        )
        helpers.bulk(es, actions, chunk_size=500, refresh=True)
        index_seconds = time.perf_counter() - started

        started = time.perf_counter()
        ranks: list[int | None] = []
        for start in range(0, len(questions), 50):
            chunk = questions[start : start + 50]
            searches: list[dict[str, Any]] = []
            for question, _gold in chunk:
                searches += [{"index": index}, request_for(question, how["query"])]
            for (_q, gold), response in zip(
                chunk, es.msearch(searches=searches).body["responses"], strict=True
            ):
                if "error" in response:
                    raise RuntimeError(f"{name}: {response['error']}")
                ids = [hit["_id"] for hit in response["hits"]["hits"]]
                ranks.append(ids.index(str(gold)) + 1 if str(gold) in ids else None)
        query_seconds = time.perf_counter() - started
        forms = evaluate_forms(es, index, truth, request_for, how["query"]) if truth else {}
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)
    n = len(ranks)
    out: dict[str, Any] = {f"recall@{k}": sum(1 for r in ranks if r and r <= k) / n for k in K}
    out["mrr@10"] = sum(1 / r for r in ranks if r) / n
    out.update(forms)
    out.update(index_seconds=round(index_seconds, 2), query_seconds=round(query_seconds, 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--distractors", type=int, default=0, help="ANT news articles added as noise")
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "search.json")
    parser.add_argument("--only", action="append", help="run only these configurations")
    args = parser.parse_args()

    base = data_dir()
    paragraphs, questions = load_arcd(base / "search-eval" / "arcd-train.json")
    distractors = load_distractors(base / "corpus" / "ant-v2.1-multisource.tar.xz", args.distractors)
    docs = paragraphs + distractors
    truth = build_truth(docs) if distractors else []
    es = es_client(Settings.from_env(), request_timeout=120)

    results = {}
    for name, how in configs().items():
        if args.only and name not in args.only:
            continue
        results[name] = evaluate(es, name, how, docs, questions, truth)
        print(f"  {name}: done", file=sys.stderr)

    report = {
        "dataset": "ARCD train (husseinmozannar/SOQAL), question -> paragraph",
        "paragraphs": len(paragraphs),
        "questions": len(questions),
        "distractors": len(distractors),
        "form_queries": [name for name, _ids in truth],
        "elasticsearch": es.info().body["version"]["number"],
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    print(
        f"ARCD retrieval: {len(questions)} questions, {len(paragraphs)} paragraphs + {len(distractors)} distractors"
    )
    header = f"{'configuration':<28}{'R@1':>7}{'R@5':>7}{'R@10':>7}{'MRR@10':>8}"
    if truth:
        header += f"{'form R':>8}{'form P':>8}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        line = (
            f"{name:<28}{r['recall@1']:>7.3f}{r['recall@5']:>7.3f}{r['recall@10']:>7.3f}{r['mrr@10']:>8.3f}"
        )
        if truth:
            line += f"{r['form_recall']:>8.3f}{r['form_precision']:>8.3f}"
        print(line)
    if truth:
        print(f"form R/P: {len(truth)} place names in any clitic form (bench/search/forms.py)")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
