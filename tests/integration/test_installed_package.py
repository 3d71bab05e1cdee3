"""The installed package works, not only the checkout: the wheel is built, installed into a fresh
virtualenv (pinned by constraints.txt) and run from a directory outside the checkout against the
real local Kafka and Elasticsearch. The compose images install khabar exactly this way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from article_factory import make_article
from elasticsearch import Elasticsearch

from pipelines.elastic.template import delete_alias_and_indices
from pipelines.kafka.clients import make_admin

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_PAGE = ROOT / "tests" / "fixtures" / "pages" / "jsonld-full.html"
SEED = ROOT / "tests" / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bin/`` of a fresh virtualenv that has the built wheel (and its pinned dependencies) installed."""
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(build),
            str(ROOT),
        ],
        check=True,
        cwd=build,
    )
    (wheel,) = build.glob("khabar-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-c", str(ROOT / "constraints.txt"), str(wheel)],
        check=True,
        cwd=build,
    )  # fmt: skip
    return venv / "bin"


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "KHABAR_INDEX_ALIAS": f"khabar-test-wheel-{tag}",
        "KHABAR_TOPIC_ARTICLES": f"test.wheel.articles.{tag}",
        "KHABAR_TOPIC_PAGES": f"test.wheel.pages.{tag}",
        "KHABAR_TOPIC_DLQ": f"test.wheel.dlq.{tag}",
        "KHABAR_TOPIC_ENRICHED": f"test.wheel.enriched.{tag}",
    }


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory, stack: Any, names: dict[str, str]) -> Iterator[dict]:
    """Where and how the installed ``khabar`` runs: a fresh HOME outside the checkout, no KHABAR_HOME."""
    home = tmp_path_factory.mktemp("user-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHABAR_", "PYTHON", "VIRTUAL_ENV"))}
    env |= {"HOME": str(home), "KHABAR_KAFKA_BOOTSTRAP": stack.kafka_bootstrap, "KHABAR_ES_URL": stack.es_url}
    env |= names
    env.pop("XDG_DATA_HOME", None)
    yield {"cwd": home, "env": env, "home": home}
    admin = make_admin(stack.settings)
    try:
        existing = set(admin.list_topics())
        admin.delete_topics([t for k, t in names.items() if k.startswith("KHABAR_TOPIC") and t in existing])
    finally:
        admin.close()


def khabar(installed: Path, outside: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(installed / "khabar"), *args],
        cwd=outside["cwd"],
        env=outside["env"],
        capture_output=True,
        text=True,
    )


def test_the_package_is_imported_from_site_packages_and_keeps_its_data_outside(
    installed: Path, outside: dict
) -> None:
    code = "import pipelines, pipelines.config as c; print(pipelines.__file__); print(c.Settings.from_env().home)"
    out = subprocess.run(
        [str(installed / "python"), "-c", code], cwd=outside["cwd"], env=outside["env"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert "site-packages" in out[0] and not out[0].startswith(str(ROOT))
    assert Path(out[1]) == outside["home"] / ".local" / "share" / "khabar"  # platformdirs, not site-packages
    with_home = subprocess.run(
        [str(installed / "python"), "-c", code], cwd=outside["cwd"],
        env=outside["env"] | {"KHABAR_HOME": "/srv/khabar"}, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert with_home[1] == "/srv/khabar"


def test_version(installed: Path, outside: dict) -> None:
    result = khabar(installed, outside, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "khabar 0.1.0"


def test_topics_create(installed: Path, outside: dict, names: dict[str, str]) -> None:
    result = khabar(installed, outside, "topics", "create")
    assert result.returncode == 0, result.stdout + result.stderr
    assert names["KHABAR_TOPIC_ARTICLES"] in result.stdout


def test_index_setup_and_kibana_check_read_the_shipped_files(
    installed: Path, outside: dict, names: dict[str, str], es: Elasticsearch
) -> None:
    try:
        setup = khabar(installed, outside, "index", "setup")
        assert setup.returncode == 0, setup.stdout + setup.stderr
        assert es.indices.exists_alias(name=names["KHABAR_INDEX_ALIAS"])
        check = khabar(installed, outside, "kibana", "check")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        delete_alias_and_indices(es, names["KHABAR_INDEX_ALIAS"])


def test_extract_a_fixture_page(installed: Path, outside: dict) -> None:
    result = khabar(installed, outside, "extract", "--url", "https://news.example/a/1", str(FIXTURE_PAGE))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "افتتاح الدورة الجديدة لمعرض الكتاب في الإسكندرية"


def test_search_finds_an_arabic_word_in_the_local_index(
    installed: Path, outside: dict, names: dict[str, str], stack: Any, es: Elasticsearch,
    index_articles: Any,
) -> None:  # fmt: skip
    settings = stack.settings.with_overrides(index_alias=names["KHABAR_INDEX_ALIAS"])
    seed = make_article(1, body=SEED.read_text(encoding="utf-8"))
    index_articles(settings, [seed])
    try:
        result = khabar(installed, outside, "search", "سوريا", "--json")
        assert result.returncode == 0, result.stderr
        assert [h["article_id"] for h in json.loads(result.stdout)["hits"]] == [seed.article_id]
        nothing = khabar(installed, outside, "search", "كلمةلاتوجد")
        assert nothing.returncode == 3  # nothing found
    finally:
        delete_alias_and_indices(es, settings.index_alias)
