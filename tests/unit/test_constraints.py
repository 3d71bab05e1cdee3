"""constraints.txt: pins any machine can follow, and one for every dependency pyproject.toml declares.

A pin such as ``pkg @ file:///tmp/...`` or a path works only where it was frozen; on every other
machine ``make install`` stops. ``make lock`` writes plain ``name==version`` lines.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$")


def requirement_lines(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every line that is not blank or a comment (uv's ``# via`` notes)."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((number, stripped))
    return out


def bad_pins(text: str) -> list[str]:
    return [f"line {n}: {line}" for n, line in requirement_lines(text) if not PIN.match(line)]


def test_every_line_is_a_plain_name_version_pin() -> None:
    assert bad_pins((ROOT / "constraints.txt").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "line",
    [
        "crc32c @ file:///tmp/idx/dl/crc32c-2.9.post0-cp311-cp311-manylinux1_x86_64.whl",
        "khabar @ git+https://example.invalid/khabar.git",
        "./wheels/crc32c-2.9.whl",
        "-e .",
        "--find-links /tmp/wheels",
        "https://files.example.invalid/pkg-1.0.tar.gz",
        "requests>=2",
        "requests==2.32.0 ; python_version < '3.12'",
    ],
)
def test_a_pin_only_one_machine_can_follow_is_caught(line: str) -> None:
    assert bad_pins(f"# header\nattrs==25.1.0\n{line}\n") == [f"line 3: {line}"]


def test_every_declared_dependency_is_pinned() -> None:
    """A dependency added to pyproject.toml without ``make lock`` would install unpinned."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    pinned = {
        canonicalize_name(m["name"])
        for _, line in requirement_lines((ROOT / "constraints.txt").read_text(encoding="utf-8"))
        if (m := PIN.match(line))
    }
    missing = sorted({canonicalize_name(Requirement(r).name) for r in declared} - pinned)
    assert missing == [], f"not in constraints.txt (run `make lock`): {missing}"
