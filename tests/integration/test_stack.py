"""``khabar stack``: both services healthy, `up` again changes nothing, failures are clear errors."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from ports import free_kafka_port, free_port
from typer.testing import CliRunner

from pipelines import stack as local_stack
from pipelines.cli import app
from pipelines.config import Settings
from pipelines.errors import StackError
from pipelines.stack import process

pytestmark = pytest.mark.integration


def test_status_reports_both_services_healthy(stack) -> None:
    rows = {s.name: s for s in local_stack.status(settings=stack.settings)}
    # PostgreSQL shows too when another test of the session started it (the crawl-state test).
    assert {"kafka", "elasticsearch"} <= set(rows) <= {"kafka", "elasticsearch", "postgres", "redis"}
    assert all(s.healthy for s in rows.values()), rows
    assert rows["kafka"].address == stack.kafka_bootstrap
    assert rows["elasticsearch"].address == stack.es_url

    result = CliRunner().invoke(app, ["stack", "status"])
    assert result.exit_code == 0, result.output
    assert "kafka" in result.output and "elasticsearch" in result.output


def test_up_again_is_a_no_op(stack) -> None:
    before = {s.name: s.pid for s in local_stack.status(settings=stack.settings)}
    results = local_stack.up(settings=stack.settings)
    # "running": khabar's pid file; "external": someone else serves it. Never a second server.
    assert {r.name: r.action in {"running", "external"} for r in results} == {
        "kafka": True,
        "elasticsearch": True,
    }
    after = {s.name: s.pid for s in local_stack.status(settings=stack.settings)}
    assert after == before


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on which something that is not Kafka listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_taken_port_is_a_clear_error_and_starts_nothing(tmp_path: Path, taken_port: int) -> None:
    settings = Settings(home=tmp_path, kafka_port=free_kafka_port(), kafka_controller_port=taken_port)
    with pytest.raises(StackError, match=rf"port\(s\) \[{taken_port}\].*KHABAR_KAFKA_CONTROLLER_PORT"):
        local_stack.up(["kafka"], settings=settings)
    assert not (tmp_path / "run" / "kafka.pid").exists()


def test_a_missing_jdk_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        kafka_port=free_kafka_port(),
        kafka_controller_port=free_port(),
        java17_home=str(tmp_path / "no-such-jdk"),
    )
    with pytest.raises(StackError, match=r"KHABAR_JAVA17_HOME=.*not a JDK"):
        local_stack.up(["kafka"], settings=settings)


def test_a_stale_pid_file_never_points_at_another_process(tmp_path: Path) -> None:
    # The pid is alive (this very test process) but it is not the server the file was written for.
    pid_file = tmp_path / "kafka.pid"
    pid_file.write_text(
        json.dumps({"pid": os.getpid(), "marker": str(tmp_path / "server.properties"), "started_at": 0})
    )
    assert process.alive_from_pid_file(pid_file) is None
    assert process.stop(pid_file) is None
    assert not pid_file.exists()


def test_down_leaves_alone_what_it_did_not_start(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, kafka_port=free_kafka_port(), kafka_controller_port=free_port())
    assert local_stack.down(["kafka", "elasticsearch"], settings=settings) == [
        ("elasticsearch", None),
        ("kafka", None),
    ]


def test_users_without_a_broker_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setattr("pipelines.config._settings", Settings(home=tmp_path, kafka_port=port))
    result = CliRunner().invoke(app, ["stack", "users"])
    assert result.exit_code == 1
    assert f"no Kafka answers at 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
