"""``khabar serve-sample``: serve the sample Arabic news site on 127.0.0.1 until interrupted."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from pipelines.sample_site import BAD_CASES, DEFAULT_PORT, SampleSite

app = typer.Typer()


@app.command("serve-sample")
def serve_sample(
    port: int = typer.Option(DEFAULT_PORT, help="port (sources/sample.yaml expects 8765; 0 = any free port)"),
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    slow_seconds: float = typer.Option(5.0, help="how long /bad/slow.html stalls before answering"),
) -> None:
    """Serve the sample news site (feeds, sitemaps, listing, articles and bad cases)."""
    console = Console(stderr=True, soft_wrap=True)
    with SampleSite(host, port, slow_seconds=slow_seconds) as site:
        base = site.base_url
        console.print(f"[bold]sample site[/] at {base}/news/  ({len(site.articles())} articles)")
        console.print(f"  feeds:    {base}/feeds/rss.xml  {base}/feeds/atom.xml")
        console.print(f"  sitemaps: {base}/sitemap_index.xml   robots: {base}/robots.txt")
        console.print(f"  bad cases ({len(BAD_CASES) + 1}): {base}/feeds/bad-cases.xml")
        console.print("Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")
