"""``khabar extract --url URL FILE`` prints the Article JSON, for .html and .html.gz files."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.model import Article

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def test_extract_prints_the_article_of_a_gzipped_legacy_encoded_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress((PAGES / "windows-1256.html").read_bytes()))
    result = CliRunner().invoke(
        app, ["extract", "--url", "https://agri.example/news/55?utm_source=x", str(page)]
    )
    assert result.exit_code == 0, result.output
    article = Article.from_message(json.loads(result.stdout))
    assert article.title == "وزارة الزراعة تطلق حملة لتشجير الطرق"
    assert article.canonical_url == "https://agri.example/news/55"
    assert article.published_at is not None


def test_extract_reports_why_a_page_has_no_article() -> None:
    result = CliRunner().invoke(
        app, ["extract", "--url", "https://x.example/a", str(PAGES / "boilerplate-only.html")]
    )
    assert result.exit_code == 3  # nothing found
    assert json.loads(result.stderr.strip().splitlines()[-1])["reason"] == "boilerplate_only"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = CliRunner().invoke(
        app, ["extract", "--url", "https://x.example/a", str(tmp_path / "nope.html")]
    )
    no_url = CliRunner().invoke(app, ["extract", str(PAGES / "jsonld-full.html")])
    assert (missing.exit_code, no_url.exit_code) == (2, 2)
    assert "nope.html" in missing.output and "--url" in no_url.output


def test_extract_refuses_a_gzip_bomb_without_inflating_it(tmp_path: Path) -> None:
    """200 MB of zeros gzipped to ~200 KB: refused at the fetcher's size cap, never fully inflated."""
    bomb = tmp_path / "bomb.html.gz"
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    bomb.write_bytes(b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush())
    assert bomb.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        result = CliRunner().invoke(app, ["extract", "--url", "https://x.example/a", str(bomb)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1  # a failure, not a usage error
    assert json.loads(result.stderr.strip().splitlines()[-1])["reason"] == "too_large"
    assert peak < 64 << 20, f"{peak} bytes allocated: the bomb was inflated"


def test_extract_urls_writes_one_line_per_map_line_in_input_order(tmp_path: Path) -> None:
    gz = tmp_path / "legacy.html.gz"
    gz.write_bytes(gzip.compress((PAGES / "windows-1256.html").read_bytes()))
    huge = tmp_path / "huge.html.gz"
    huge.write_bytes(gzip.compress(b"<html><body>" + b"<p>x</p>" * 3_000_000 + b"</body></html>"))
    lines = [
        f"https://agri.example/news/55\t{gz.name}",  # relative to the map's folder
        "# a comment line",
        f"https://x.example/a\t{PAGES / 'boilerplate-only.html'}",
        "https://x.example/no-tab-here",
        f"https://x.example/gone\t{tmp_path / 'missing.html'}",
        f"https://x.example/huge\t{huge}",
        f"https://agri.example/news/55?again=1\t{gz}",
    ]
    url_map = tmp_path / "map.tsv"
    url_map.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--urls", str(url_map), "--jsonl"])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6
    first = Article.from_message(out[0])
    assert first.title == "وزارة الزراعة تطلق حملة لتشجير الطرق"
    assert [o.get("reason") for o in out[1:5]] == [
        "boilerplate_only",
        "bad_line",
        "file_not_found",
        "too_large",
    ]
    assert [o["line"] for o in out[1:5]] == [3, 4, 5, 6]
    assert Article.from_message(out[5]).url == "https://agri.example/news/55?again=1"
    assert "\x1b[" not in result.stderr  # no progress bar when stderr is not a terminal


def test_extract_needs_either_one_page_or_a_map(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["extract", str(PAGES / "boilerplate-only.html")])
    assert result.exit_code == 2
    assert "--urls" in result.output
