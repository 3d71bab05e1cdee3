"""``khabar stack``: both services healthy, and ``up`` again changes nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines import stack as local_stack
from pipelines.cli import app
from pipelines.config import Settings
from pipelines.errors import StackError

pytestmark = pytest.mark.integration


def test_status_reports_both_services_healthy(stack) -> None:
    rows = {s.name: s for s in local_stack.status(settings=stack.settings)}
    assert set(rows) == {"kafka", "elasticsearch"}
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


def test_a_taken_port_is_a_clear_error(stack, tmp_path) -> None:
    # Kafka's controller port answers, but nothing healthy serves Kafka on the client port we ask for.
    kafka_port = int(stack.kafka_bootstrap.rsplit(":", 1)[1])
    settings = Settings(home=tmp_path, kafka_port=kafka_port + 1000, kafka_controller_port=kafka_port + 1)
    with pytest.raises(StackError, match="port"):
        local_stack.up(["kafka"], settings=settings)
