"""Search quality: ``khabar eval search`` (pipelines/evaluation) with its JSON in var/bench/.

Known-item search over the ANT corpus (per query-variant class) and ARCD question -> paragraph
retrieval with the ANT articles as distractors, for the standard, built-in arabic and khabar
configurations in one run; see docs/search-quality.md. Arguments are passed through
(``--sample``, ``--limit``, ``--config``, ``--markdown``...).

    python bench/search/run.py [--markdown] [--out var/bench/search.json]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipelines.cli import app  # noqa: E402


def main() -> None:
    args = sys.argv[1:]
    if "--out" not in args:
        args += ["--out", str(REPO / "var" / "bench" / "search.json")]
    app(["eval", "search", *args], prog_name="khabar")


if __name__ == "__main__":
    main()
