"""The evaluation report as a terminal table, a markdown table and a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich import box
from rich.table import Table

COLUMNS = ("task", "config", "queries", "MRR@10", "nDCG@10", "R@10", "R@100", "ΔnDCG@10 vs {base}")


def rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per (task, configuration), tasks in run order."""
    out = []
    relative = report.get("relative_ndcg@10", {})
    for task in report["tasks"]:
        for config in report["configs"]:
            metrics = config["tasks"].get(task)
            if metrics is None:
                continue
            delta = relative.get(config["name"], {}).get(task)
            out.append(
                [
                    task.removeprefix("known_item:"),
                    config["name"],
                    str(metrics["queries"]),
                    f"{metrics['mrr@10']:.3f}",
                    f"{metrics['ndcg@10']:.3f}",
                    f"{metrics['recall@10']:.3f}",
                    f"{metrics['recall@100']:.3f}",
                    "" if delta is None or config["name"] == report["baseline"] else f"{delta:+.1%}",
                ]
            )
    return out


def _headers(report: dict[str, Any]) -> list[str]:
    return [c.format(base=report["baseline"]) for c in COLUMNS]


def summary_line(report: dict[str, Any]) -> str:
    docs = report["documents"]
    ki = report["known_item"]
    return (
        f"{docs['total']} documents ({docs['articles']} ANT articles + {docs['qa_paragraphs']} QA paragraphs); "
        f"{ki['articles']} sampled articles (seed {report['seed']}); "
        f"{report['qa']['questions']} questions; Elasticsearch {report['elasticsearch']}; "
        f"wall {report['timings']['wall']:.0f} s; commit {report.get('commit')}"
        + (" with uncommitted changes to the khabar chain" if report.get("chain_files_modified") else "")
    )


def rich_table(report: dict[str, Any]) -> Table:
    table = Table(
        title="khabar eval search", caption=summary_line(report), box=box.SIMPLE_HEAD, pad_edge=False
    )
    headers = [*_headers(report)[:-1], f"Δ vs {report['baseline']}"]  # nDCG@10 (see the caption)
    table.caption += f"\nΔ: relative difference of nDCG@10 to {report['baseline']}"
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i < 2 else "right")
    previous = None
    for row in rows(report):
        if previous is not None and row[0] != previous:
            table.add_section()
        previous = row[0]
        table.add_row(*row)
    return table


def markdown(report: dict[str, Any]) -> str:
    headers = _headers(report)
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(report)]
    skipped = ", ".join(f"{k} {v}" for k, v in report["known_item"]["skipped"].items() if v)
    lines += ["", summary_line(report) + "."]
    if skipped:
        lines.append(f"Sampled articles skipped per class (no rewrite possible): {skipped}.")
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
