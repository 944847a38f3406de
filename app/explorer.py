"""The pages a person opens in a browser, each served with every asset from Sitrep itself
(nothing from a CDN, so they work behind a firewall):

* GraphiQL at ``/graphql`` (what a browser gets there): GraphiQL with the explorer plugin
  and the saved examples of ``app/examples.py``;
* ``/explore``: incidents matching an ``IncidentFilter`` (``?filter=`` JSON, as in the
  GraphQL variables) on a world map drawn from Natural Earth outlines, with a weekly
  timeline;
* ``/docs``: Swagger UI for ``/openapi.json``.

Their scripts and styles are under ``/static``: ``app/static/sitrep/`` is ours,
``app/static/vendor/`` the third-party files that ``scripts/vendor-assets`` copies from
pinned npm packages (versions, checksums and licences in ``vendor/VERSIONS.txt``).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.examples import EXAMPLES
from app.security_headers import GRAPHIQL_POLICY

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES = HERE / "templates"


def _page(name: str, **values: str) -> str:
    html = (TEMPLATES / name).read_text()
    for key, value in values.items():
        html = html.replace("{{" + key + "}}", value)
    return html


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


GRAPHIQL_HTML = _page(
    "graphiql.html", EXAMPLES=_script_json([example.as_json() for example in EXAMPLES])
)
EXPLORE_HTML = _page("explore.html")


class ExplorerPage:
    """For Strawberry's router: answer browsers with Sitrep's self-hosted GraphiQL page
    instead of Strawberry's, which loads its scripts from a CDN."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(GRAPHIQL_HTML, headers={"content-security-policy": GRAPHIQL_POLICY})


def add_pages(app: FastAPI, *, openapi_url: str | None) -> None:
    """Mounts ``/static`` and adds ``/explore`` and (with an OpenAPI document) ``/docs``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    router = APIRouter(include_in_schema=False)

    @router.get("/explore", response_class=HTMLResponse)
    async def explore() -> HTMLResponse:
        return HTMLResponse(EXPLORE_HTML)

    if openapi_url is not None:
        docs_html = _page("docs.html", OPENAPI_URL=html.escape(openapi_url))

        @router.get("/docs", response_class=HTMLResponse)
        async def docs() -> HTMLResponse:
            return HTMLResponse(docs_html)

    app.include_router(router)
