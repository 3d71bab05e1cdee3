"""``khabar serve``: the search page (``/``) and its JSON twin (``/api/search``), one FastAPI app.

Both take the same query-string parameters (:class:`~pipelines.web.params.SearchParams`) and run
the same search (:func:`~pipelines.web.service.run_search`, i.e. :func:`pipelines.search.query.search`).
The page is server-rendered Jinja; its CSS and its one small script are served from ``/static``,
and a Content-Security-Policy of ``'self'`` keeps it from ever loading anything from elsewhere
(it works offline). FastAPI's Swagger/ReDoc pages are off because they load from a CDN; the
schema is at ``/openapi.json``.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from elasticsearch import Elasticsearch
from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pipelines.config import Settings, get_settings
from pipelines.elastic.client import es_client
from pipelines.logs import redact
from pipelines.normalize.arabic import arabic_indic_digits
from pipelines.search.query import MAX_QUERY_CHARS
from pipelines.sources import SAMPLE_SOURCES_FILE, load_sources
from pipelines.web.dates import arabic_date, arabic_day
from pipelines.web.highlight import whole_word_parts
from pipelines.web.models import ErrorOut, SearchResponse
from pipelines.web.params import MAX_PAGE, SearchParams
from pipelines.web.service import SEARCH_TIMEOUT, SearchUnavailableError, run_search

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'"
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")


def text_dir(text: str | None) -> str:
    """``rtl`` when Arabic letters are at least a third of the letters (an Arabic headline that opens
    with a Latin name stays right-to-left, which ``dir=auto`` would get wrong), else ``ltr``."""
    letters = _LETTER.findall(text or "")
    if not letters:
        return "rtl"
    return "rtl" if len(_ARABIC.findall(text or "")) * 3 >= len(letters) else "ltr"


@cache
def _source_names(sources_file: str) -> dict[str, str]:
    """source id -> outlet name, from the configured and the sample sources files (best effort)."""
    names: dict[str, str] = {}
    for path in (SAMPLE_SOURCES_FILE, Path(sources_file)):
        try:
            names.update({s.id: s.name for s in load_sources(path)})
        except Exception:  # a broken sources file must not break the search page
            log.debug("no outlet names from %s", path)
    return names


def _validation_message(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "query") or "query"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "invalid parameters: " + "; ".join(parts)


def _lenient(request: Request) -> SearchParams:
    """The query text of a request whose parameters failed, to put back in the search box."""
    return SearchParams(q=request.query_params.get("q", "")[:MAX_QUERY_CHARS])


def create_app(
    settings: Settings | None = None, *, es: Elasticsearch | None = None, timeout: float = SEARCH_TIMEOUT
) -> FastAPI:
    """The app over ``settings.index_alias`` (``es`` defaults to khabar's client for ``settings``)."""
    settings = settings or get_settings()
    client = es or es_client(settings, max_retries=1, retry_on_timeout=False, request_timeout=timeout + 1)
    app = FastAPI(
        title="khabar search",
        version="1",
        description="Arabic-aware search over the articles khabar indexed (the same search as `khabar search`).",
        docs_url=None,
        redoc_url=None,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    env = templates.env
    env.filters.update(
        arabic_date=arabic_date,
        arabic_day=arabic_day,
        arabic_digits=arabic_indic_digits,
        marks=whole_word_parts,
        text_dir=text_dir,
    )
    env.globals.update(MAX_PAGE=MAX_PAGE)

    def outlet(source_id: str) -> str:
        return _source_names(str(settings.sources_file)).get(source_id, source_id)

    env.globals.update(outlet=outlet)

    def page(request: Request, status: int, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, "search.html", context, status_code=status)

    @app.middleware("http")
    async def _csp(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = jsonable_encoder(exc.errors())
        message = _validation_message(errors)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": errors, "message": message}, status_code=422)
        return page(
            request,
            422,
            params=_lenient(request),
            result=None,
            error=message,
            error_title="معايير بحث غير صالحة",
        )

    @app.exception_handler(SearchUnavailableError)
    async def _unavailable(request: Request, exc: SearchUnavailableError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "10"})
        return page(
            request,
            503,
            params=_lenient(request),
            result=None,
            error=str(exc),
            error_title="البحث غير متاح الآن",
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, params: Annotated[SearchParams, Query()]) -> HTMLResponse:
        result = run_search(client, settings, params, timeout=timeout)
        return page(request, 200, params=params, result=result, error=None, error_title=None)

    @app.get(
        "/api/search",
        response_model=SearchResponse,
        responses={503: {"model": ErrorOut, "description": "Elasticsearch is unreachable or failing"}},
        summary="Search articles",
    )
    def search_api(params: Annotated[SearchParams, Query()]) -> SearchResponse:
        """Every form of an Arabic word matches (clitics, hamza, diacritics, digits); facets count the
        current results; ``suggestion`` offers another spelling when nothing is found."""
        return run_search(client, settings, params, timeout=timeout)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """The process answers (a liveness probe: restart it when this fails)."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Elasticsearch answers a count on the alias (a readiness probe: send no traffic before).

        A count needs only the read privilege the search page's own role has, not cluster monitor."""
        try:
            count = client.options(request_timeout=timeout).count(index=settings.index_alias)["count"]
        except Exception as exc:  # any failure means "not ready"; the reason goes out without secrets
            detail = redact(f"{type(exc).__name__}: {exc}")[:300]
            return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
        return JSONResponse({"status": "ready", "index": settings.index_alias, "documents": count})

    return app
