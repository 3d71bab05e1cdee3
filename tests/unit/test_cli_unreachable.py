"""Every verb that talks to Kafka or Elasticsearch, pointed at a server that is down: one line that
names the address and what to check, exit 1, no traceback, and no secret from the URL.

The addresses are ports on 127.0.0.1 that nothing listens on. The commands run at once, each in its
own process, as a user would run them; the subprocess timeout is a guard against a hang (the
10 seconds the CLI aims for are measured in bench/cli, not asserted here).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

KAFKA_VERBS = [
    ["topics", "create"],
    ["topics", "describe"],
    ["tail", "news.articles.v1"],
    ["index", "status"],
    ["dlq", "list"],
    ["dlq", "replay"],
]
ES_VERBS = [["index", "setup"], ["index", "reindex"], ["search", "سوريا"], ["kibana", "check"]]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    home = tmp_path_factory.mktemp("home")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")},
        "KHABAR_HOME": str(home),
        "KHABAR_KAFKA_BOOTSTRAP": f"127.0.0.1:{_closed_port()}",
        "KHABAR_ES_URL": f"http://reader:s3cret-pw@127.0.0.1:{_closed_port()}",
    }
    running = {
        " ".join(verb): subprocess.Popen(
            [sys.executable, "-c", "from pipelines.cli import main; main()", *verb],
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for verb in KAFKA_VERBS + ES_VERBS
    }
    done = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=120)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    done["_env"] = env  # type: ignore[assignment]
    return done


@pytest.mark.parametrize("verb", [" ".join(v) for v in KAFKA_VERBS + ES_VERBS])
def test_a_server_that_is_down_is_one_line_and_exit_1(verb: str, outcomes: dict) -> None:
    result = outcomes[verb]
    env = outcomes["_env"]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "s3cret-pw" not in result.stderr + result.stdout
    if verb.split()[0] in {"topics", "tail", "dlq"} or verb == "index status":
        assert env["KHABAR_KAFKA_BOOTSTRAP"] in lines[0] and "KHABAR_KAFKA_BOOTSTRAP" in lines[0]
    else:
        port = env["KHABAR_ES_URL"].rsplit(":", 1)[1]
        assert f"http://reader:***@127.0.0.1:{port}" in lines[0] and "KHABAR_ES_URL" in lines[0]
