"""``khabar demo`` (``make demo``): the whole pipeline once, on this machine, from nothing.

1. the local Kafka and Elasticsearch (``pipelines.stack``; reused when already up),
2. the topics and the index (idempotent),
3. the bundled sample news site, served on 127.0.0.1,
4. one ``news_ingest`` run through Airflow (``dag.test()`` in a persistent ``<home>/airflow``, so
   the Airflow UI shows it afterwards), scraping the sample site and publishing to Kafka,
5. the indexer, until it has caught up with the articles topic,
6. a few searches, with highlights and facets.

A second run reuses all of it: the stack is up, topics and index exist, and the crawl state makes
the scrape find nothing new (conditional GETs), then the searches are shown again.

This module runs the steps and returns a :class:`DemoReport`; how the steps and the report are shown
(Rich progress lines and tables) is ``pipelines/cli/demo.py``'s business, through :data:`StepView`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines import stack
from pipelines.config import PROJECT_ROOT, Settings
from pipelines.elastic.client import es_client
from pipelines.elastic.template import IndexNeedsReindexError
from pipelines.errors import KhabarError
from pipelines.indexer.service import RunOptions
from pipelines.indexer.service import run_indexer as run_indexer_service
from pipelines.ops.airflow import RESULT_MARKER, airflow_environment
from pipelines.ops.maintenance import reindex, setup_index, setup_topics
from pipelines.sample_site import SampleSite, sample_sources
from pipelines.search.query import SearchQuery, search

log = logging.getLogger(__name__)

#: Arabic searches that show prefix/clitic handling (سوريا finds بسوريا), a name with and without
#: the article, a place, and a Latin-script name.
QUERIES = ("سوريا", "الشيباني", "غزة", "لافروف موسكو", "Jabeur")
SEED_SLUG = "lavrov-shaibani-moscow"


class DemoError(KhabarError):
    reason = "demo_failed"


@dataclass
class DemoReport:
    seconds: dict[str, float] = field(default_factory=dict)
    stack: list[str] = field(default_factory=list)  # services this run started
    topics: dict[str, str] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)
    base_url: str = ""
    ingest: dict[str, Any] = field(default_factory=dict)
    indexed: dict[str, Any] = field(default_factory=dict)
    searches: dict[str, Any] = field(default_factory=dict)
    seed_found: bool = False

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 1)


def airflow_home(settings: Settings) -> Path:
    return Path(settings.home).resolve() / "airflow"


#: Say what a step is doing now (a line of the progress display).
Say = Callable[[str], None]
#: How a step is shown: called with its description, the context lasts as long as the step.
StepView = Callable[[str], AbstractContextManager[Say]]


@contextmanager
def logged_step(description: str) -> Iterator[Say]:
    """The plain view: a log line per step and per message."""
    log.info("demo step", extra={"step": description})
    yield lambda message: log.info("demo step", extra={"step": description, "doing": message})


def run_demo(
    settings: Settings, *, port: int = 8765, include_bad: bool = True, view: StepView = logged_step
) -> DemoReport:
    """Run every step, shown through ``view``; raises :class:`DemoError` naming the step that failed."""
    report = DemoReport()

    @contextmanager
    def step(name: str, description: str) -> Iterator[Say]:
        started = time.monotonic()
        try:
            with view(description) as say:
                yield say
        finally:
            report.seconds[name] = round(time.monotonic() - started, 1)

    with step("stack", "Local Kafka and Elasticsearch") as say:
        report.stack = stack.ensure_up(settings=settings, progress=say)
        addresses = stack.addresses(settings)
        settings = settings.with_overrides(
            kafka_bootstrap=addresses.get("kafka", settings.kafka_bootstrap),
            es_url=addresses.get("elasticsearch", settings.es_url),
        )

    with step("setup", "Kafka topics and Elasticsearch index") as say:
        say("topics")
        report.topics = setup_topics(settings)
        say("index")
        try:
            report.index = setup_index(settings)
        except IndexNeedsReindexError:
            # a demo index left by an older khabar: rebuild it from the topic, as an operator would
            say("index from an older khabar: khabar index reindex")
            report.index = reindex(settings)

    with _sample_site(port) as base_url:
        report.base_url = base_url
        sources_file = _sources_file(settings, base_url, include_bad=include_bad)
        with step("ingest", f"Airflow news_ingest on the sample site {base_url}") as say:
            say("dag.test() (log: " + str(airflow_home(settings) / "demo-run.log") + ")")
            report.ingest = run_news_ingest(settings, sources_file)

    with step("index", "Indexer: Kafka → Elasticsearch until caught up"):
        report.indexed = run_indexer(settings)

    with step("search", "Searches"):
        report.searches = run_searches(settings)
    report.seed_found = any(
        SEED_SLUG in hit["url"] for hit in report.searches.get("سوريا", {}).get("hits", [])
    )
    return report


@contextmanager
def _sample_site(port: int) -> Iterator[str]:
    """The sample site on ``port`` (stable URLs keep the crawl state useful); a free port if taken."""
    try:
        site = SampleSite(port=port)
    except OSError as exc:
        log.warning("port %s is taken (%s); serving the sample site on a free port", port, exc)
        site = SampleSite(port=0)
    with site:
        yield site.base_url


def _sources_file(settings: Settings, base_url: str, *, include_bad: bool) -> Path:
    """The sample sources pointed at ``base_url``, written under ``<home>/demo``."""
    sources = [s for s in sample_sources(base_url) if include_bad or s.id == "sample"]
    path = Path(settings.home).resolve() / "demo" / "sources.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"sources": [s.model_dump(mode="json", exclude_none=True) for s in sources]}
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def child_environment(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus Airflow's home and khabar's resolved addresses."""
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    _write_airflow_cfg(home)
    return {
        **os.environ,
        **airflow_environment(home),
        "KHABAR_HOME": str(Path(settings.home).resolve()),
        "KHABAR_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "KHABAR_ES_URL": settings.es_url,
        **(extra or {}),
    }


def _write_airflow_cfg(home: Path) -> None:
    """A first airflow.cfg for the demo's home (Airflow writes its full default one otherwise), so
    plain ``AIRFLOW_HOME=<home> airflow ...`` commands see khabar's DAGs and no examples."""
    cfg = home / "airflow.cfg"
    if cfg.exists():
        return
    cfg.write_text(
        "# Written by `khabar demo`; Airflow's defaults apply to everything not set here.\n"
        "[core]\n"
        f"dags_folder = {PROJECT_ROOT / 'dags'}\n"
        "load_examples = False\n"
        "# Local demo UI: no login.\n"
        "simple_auth_manager_all_admins = True\n"
        "[database]\n"
        f"sql_alchemy_conn = sqlite:///{home / 'airflow.db'}\n",
        encoding="utf-8",
    )


def run_news_ingest(settings: Settings, sources_file: Path) -> dict[str, Any]:
    """``news_ingest`` once via ``dag.test()`` in a child process (Airflow configures itself on import,
    and its task logs go to a file instead of over the progress display)."""
    env = child_environment(settings, {"KHABAR_SOURCES_FILE": str(sources_file)})
    log_file = airflow_home(settings) / "demo-run.log"
    conf = {"sources_file": str(sources_file)}
    cmd = [sys.executable, "-m", "pipelines.ops.airflow", "test", "news_ingest", "--conf", json.dumps(conf)]
    with log_file.open("w", encoding="utf-8") as out:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=out, text=True, check=False)
        out.write(proc.stdout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if not lines:
        raise DemoError(f"news_ingest did not finish (exit {proc.returncode}); see {log_file}")
    result = json.loads(lines[-1].removeprefix(RESULT_MARKER))
    result["log_file"] = str(log_file)
    if result["state"] != "success":
        raise DemoError(f"news_ingest ended {result['state']}; see {log_file}")
    return result


def run_indexer(settings: Settings) -> dict[str, Any]:
    """The indexer until it has caught up (the index was set up by the setup step; no metrics port)."""
    options = RunOptions.from_settings(settings, until_caught_up=True)
    summary = run_indexer_service(settings, options, metrics_port=0, setup_first=False)
    if summary.exit_reason != "caught_up":
        raise DemoError(f"the indexer stopped before catching up ({summary.exit_reason})")
    return asdict(summary)


def run_searches(settings: Settings, queries: tuple[str, ...] = QUERIES) -> dict[str, Any]:
    es = es_client(settings)
    try:
        es.indices.refresh(index=settings.index_alias)
        return {q: search(es, settings, SearchQuery(q, size=3)).to_dict() for q in queries}
    finally:
        es.close()


def how_to_continue(settings: Settings) -> list[tuple[str, str]]:
    """(what, exact command or address) lines printed at the end of the demo."""
    venv = PROJECT_ROOT / ".venv" / "bin"
    home = airflow_home(settings)
    sources = Path(settings.home).resolve() / "demo" / "sources.yaml"
    # standalone starts its components as `airflow ...` subprocesses: the venv must be on PATH.
    # ALL_ADMINS: no login on this local-only UI.
    ui = (
        f"PATH={venv}:$PATH AIRFLOW_HOME={home} AIRFLOW__CORE__DAGS_FOLDER={PROJECT_ROOT / 'dags'} "
        "AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS=True "
        f"KHABAR_SOURCES_FILE={sources} airflow standalone"
    )
    return [
        ("Airflow UI on khabar's DAGs (this run is in its history), then open http://localhost:8080:", ui),
        (
            "To trigger news_ingest from the UI, serve the sample site meanwhile:",
            f"{venv / 'khabar'} serve-sample",
        ),
        (
            "Search page (Arabic, right-to-left), then open http://127.0.0.1:8000/:",
            f"{venv / 'khabar'} serve",
        ),
        ("Search from the terminal:", f"{venv / 'khabar'} search سوريا"),
        (
            f"Kibana (elasticsearch.hosts = {settings.es_url}): import the data views and dashboard:",
            f"{venv / 'khabar'} kibana setup --url http://127.0.0.1:5601",
        ),
        ("Stop the local Kafka and Elasticsearch:", "make stack-down"),
    ]
