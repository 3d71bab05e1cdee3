"""``khabar extract --url URL FILE`` prints the Article JSON, for .html and .html.gz files."""

from __future__ import annotations

import gzip
import json
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
