"""Start-up time of the ``khabar`` command: how long a user waits for ``--help``, ``--version`` and a
verb's own help, next to the bare interpreter and pip's ``--help`` in the same run.

    python bench/cli/run.py [--runs 7] [--out var/bench/cli.json]

Each command runs ``--runs`` times in a fresh process (no warm import cache beyond the OS's page
cache: the first run is discarded as a warm-up); the table shows the median and the fastest wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "pip --help (peer)": [sys.executable, "-m", "pip", "--help"],
    "khabar --version": [str(BIN / "khabar"), "--version"],
    "khabar --help": [str(BIN / "khabar"), "--help"],
    "khabar index --help": [str(BIN / "khabar"), "index", "--help"],
    "khabar extract --help": [str(BIN / "khabar"), "extract", "--help"],
}


def wall_times(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return times[1:]  # the first run warms the page cache


def git_commit() -> str:
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "cli.json")
    args = parser.parse_args()
    rows = []
    for label, argv in COMMANDS.items():
        times = wall_times(argv, args.runs)
        rows.append(
            {"command": label, "median_s": statistics.median(times), "min_s": min(times), "runs": times}
        )
        print(f"  {label}: {statistics.median(times):.3f} s", file=sys.stderr)
    result = {
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{'command':<26} {'median':>8} {'fastest':>8}")
    for row in rows:
        print(f"{row['command']:<26} {row['median_s']:>7.3f}s {row['min_s']:>7.3f}s")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}; results: {args.out}")


if __name__ == "__main__":
    main()
