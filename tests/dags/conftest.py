"""Airflow for real: a throwaway AIRFLOW_HOME with a SQLite metadata database.

Airflow reads its configuration when first imported, so the environment is set here, when pytest
collects this folder, before any test module imports ``airflow``. Everything here is a hard
dependency: if Airflow is missing or broken these tests fail, they are never skipped.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"

if "airflow" in sys.modules and not os.environ.get("KHABAR_TEST_AIRFLOW_HOME"):
    raise RuntimeError(
        "airflow was imported before tests/dags/conftest.py could point AIRFLOW_HOME at a temporary "
        "directory; run the DAG tests in their own session or set KHABAR_TEST_AIRFLOW_HOME"
    )

AIRFLOW_HOME = Path(os.environ.get("KHABAR_TEST_AIRFLOW_HOME") or tempfile.mkdtemp(prefix="khabar-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        # The test reads task logs from the console, not from files under AIRFLOW_HOME.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
)


@pytest.fixture(scope="session")
def airflow_home() -> Iterator[Path]:
    yield AIRFLOW_HOME
    if not os.environ.get("KHABAR_TEST_AIRFLOW_HOME"):
        shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """The metadata database, created (migrated to head) once per session."""
    from airflow.utils import db

    from pipelines.ops.airflow import ensure_pools

    db.initdb()
    ensure_pools()  # news_ingest's scrape tasks run in the khabar_scrape pool
    return airflow_home / "airflow.db"


@pytest.fixture(scope="session")
def dagbag(airflow_home: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture(scope="session")
def xcom(airflow_db: Path):
    """``xcom(dag_id, run_id, task_id)``: the return values a task pushed in a run."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    def values(dag_id: str, run_id: str, task_id: str) -> list:
        with create_session() as session:
            query = XComModel.get_many(run_id=run_id, key="return_value", dag_ids=dag_id, task_ids=task_id)
            return [XComModel.deserialize_value(row) for row in session.scalars(query).all()]

    return values
