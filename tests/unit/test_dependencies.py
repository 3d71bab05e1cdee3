"""Modules khabar needs at run time come from dependencies it declares (issue 14.10)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _declared() -> set[str]:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return {Requirement(d).name.lower().replace("_", "-") for d in deps}


def test_lxml_html_clean_is_declared_and_pinned() -> None:
    assert "lxml-html-clean" in _declared()
    constraints = (PYPROJECT.parent / "constraints.txt").read_text().lower().replace("_", "-")
    assert f"lxml-html-clean=={distribution('lxml_html_clean').version}" in constraints.splitlines()


def test_extraction_needs_lxml_html_clean() -> None:
    """Why it is declared: with the module missing, extracting any page fails."""
    code = (
        "import sys; sys.modules['lxml_html_clean'] = None\n"
        "try:\n"
        "    import pipelines.extract.article\n"
        "except ImportError as exc:\n"
        "    print('ImportError', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "ImportError" in out.stdout, out.stdout + out.stderr
