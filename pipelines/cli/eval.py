"""``khabar eval search``: search quality of khabar's analysis chain against Elasticsearch's peers."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console

from pipelines.config import get_settings

app = typer.Typer(help="Evaluate search quality (needs ../shared/data and the local Elasticsearch).")
console = Console(stderr=True)
out = Console()

DEFAULT_ARCHIVES = ["ant-v2.1-multisource.tar.xz"]


@app.callback()
def _group() -> None:
    """Evaluations."""


@app.command("search")
def search_command(
    corpus: Path = typer.Option(None, help="folder of ANT .tar.xz archives (default: <data_dir>/corpus)"),
    archive: list[str] = typer.Option(
        None,
        "--archive",
        help="archive file name in --corpus (repeatable; default ant-v2.1-multisource.tar.xz)",
    ),
    qa: Path = typer.Option(None, help="SQuAD-format file (default: <data_dir>/search-eval/arcd-train.json)"),
    no_qa: bool = typer.Option(False, "--no-qa", help="skip the question -> paragraph task"),
    sample: int = typer.Option(300, min=1, help="articles sampled for known-item queries"),
    query_words: int = typer.Option(
        None, min=1, help="salient words per known-item query (default: the harness's rule)"
    ),
    seed: int = typer.Option(20181, help="random seed of the sample and of the query rewrites"),
    limit: int = typer.Option(None, min=1, help="index only the first N articles (quick runs)"),
    config: list[str] = typer.Option(None, "--config", help="configuration to run (repeatable; default all)"),
    out_path: Path = typer.Option(None, "--out", help="JSON results file (default: <home>/eval/search.json)"),
    markdown: bool = typer.Option(False, "--markdown", help="also print the table as markdown"),
) -> None:
    """Known-item search (ANT news, per query-variant class) and question -> paragraph (SQuAD file):
    MRR@10, nDCG@10, recall@100 for each configuration, each on its own fresh index."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipelines.elastic.client import es_client
    from pipelines.evaluation import configs, report, runner

    settings = get_settings()
    try:
        chosen = configs.select(config)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--config") from exc
    corpus_dir = corpus or settings.data_dir / "corpus"
    archives = [corpus_dir / name for name in (archive or DEFAULT_ARCHIVES)]
    missing = [str(a) for a in archives if not a.is_file()]
    if missing:
        console.print(f"[red]no corpus archive[/red]: {', '.join(missing)} (set --corpus or KHABAR_DATA_DIR)")
        raise typer.Exit(2)
    qa_file = None if no_qa else (qa or settings.data_dir / "search-eval" / "arcd-train.json")
    options = runner.Options(
        archives=archives, qa_file=qa_file, configs=chosen, sample=sample, seed=seed, limit=limit
    )
    if query_words:
        options.query_words = query_words
    es = es_client(settings, request_timeout=300)
    # SIGTERM as an exception, so the temporary indices are deleted on the way out
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:

        def factory(name: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(name, total=total or None)
            return lambda n: progress.advance(task, n)

        try:
            result = runner.run(es, options, factory)
        finally:
            signal.signal(signal.SIGTERM, previous)

    path = out_path or settings.home / "eval" / "search.json"
    report.write_json(result, path)
    out.print(report.rich_table(result))
    if markdown:
        out.print(report.markdown(result), markup=False, highlight=False, soft_wrap=True)
    console.print(f"results: {path}")
