"""``khabar serve``: the Arabic search page and ``/api/search`` over the indexed articles (uvicorn)."""

from __future__ import annotations

import typer

from pipelines.config import get_settings
from pipelines.redact import redact_url

app = typer.Typer()


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to listen on (0.0.0.0 exposes it to the network)"),
    port: int = typer.Option(8000, min=1, max=65535, help="port to listen on"),
) -> None:
    """Serve the search page (http://HOST:PORT/) and its JSON API (/api/search, schema /openapi.json)."""
    import uvicorn

    from pipelines.web import create_app

    settings = get_settings()
    typer.echo(
        f"khabar search on http://{host}:{port}/ (index {settings.index_alias} at {redact_url(settings.es_url)})"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
