"""The API's documentation pages and schema, with nothing loaded from another host, and the favicon.

``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) load their scripts and styles from ``/docs-assets/``, files
packaged by ``fastapi-offline`` and served by Holdoff itself: they work on an air-gapped network, and a
page of Holdoff's never asks a CDN for code. Each page has its own Content-Security-Policy: same-origin
only, its one inline start-up script allowed by its hash (Swagger UI and ReDoc set inline styles, so
styles may be inline).

In protected mode the two pages and ``/openapi.json`` need the viewer role, like everything else one
reads: a browser without a session is sent to ``/login`` and back; ``/openapi.json`` answers 401 without
credentials (send ``Authorization: Bearer <token>``). In open mode they are open, as everything is.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from holdoff.api.auth import Principal, require, require_page
from holdoff.auth.roles import Role
from holdoff.web.routes import STATIC_MAX_AGE, CachedStaticFiles

OPENAPI_URL = "/openapi.json"
ASSETS_URL = "/docs-assets"
ASSETS = Path(str(files("fastapi_offline") / "static"))
"""Swagger UI's and ReDoc's files as fastapi-offline packages them (swagger-ui-bundle.js, swagger-ui.css,
redoc.standalone.js)."""
FAVICON = Path(__file__).resolve().parents[2] / "web" / "static" / "favicon.svg"
TITLE = "Holdoff API"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def _csp(page: str) -> str:
    """A policy for one documentation page: nothing from another origin; the page's own inline
    scripts by their SHA-256 (computed from the page itself, so a FastAPI upgrade cannot break it)."""
    scripts = " ".join(
        ["'self'"]
        + [
            "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
            for script in _INLINE_SCRIPT.findall(page)
        ]
    )
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _page(response: HTMLResponse) -> HTMLResponse:
    page = bytes(response.body).decode()
    response.headers["Content-Security-Policy"] = _csp(page)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(_: Annotated[Principal, Depends(require_page(Role.VIEWER))]) -> HTMLResponse:
    """Swagger UI: every operation, with "Try it out"."""
    return _page(
        get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{TITLE} - Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )
    )


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(_: Annotated[Principal, Depends(require_page(Role.VIEWER))]) -> HTMLResponse:
    """ReDoc: the same schema as one long, searchable page."""
    return _page(
        get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=f"{TITLE} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )
    )


@router.get(OPENAPI_URL)
async def openapi(request: Request, _: Annotated[Principal, Depends(require(Role.VIEWER))]) -> JSONResponse:
    """The OpenAPI document the two pages (and schemathesis, and client generators) read."""
    app: Any = request.app
    return JSONResponse(hoist_defs(app.openapi()))


_DEFS_REF = "#/$defs/"
_COMPONENT_REF = "#/components/schemas/"


def hoist_defs(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every ``$defs`` nested in it moved to ``components/schemas`` and each
    ``#/$defs/<name>`` reference pointed there.

    A request body documented by a model's own JSON Schema (``openapi_extra``) keeps that schema's
    ``$defs`` and refers to them from the schema's root; in the OpenAPI document ``#`` is the document,
    so the reference resolves to nothing and ReDoc refuses the whole document. A name already in
    ``components/schemas`` is kept as it is.
    """
    hoisted: dict[str, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$defs" and isinstance(value, dict):
                for name, schema in value.items():
                    hoisted.setdefault(name, walk(schema))
            elif key == "$ref" and isinstance(value, str) and value.startswith(_DEFS_REF):
                out[key] = _COMPONENT_REF + value.removeprefix(_DEFS_REF)
            else:
                out[key] = walk(value)
        return out

    result: dict[str, Any] = walk(document)
    if hoisted:
        schemas = result.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in hoisted.items():
            schemas.setdefault(name, schema)
    return result


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """What browsers ask for on pages without an icon link (JSON answers, the API index): Holdoff's
    SVG icon, which every current browser shows from this address too."""
    return FileResponse(
        FAVICON,
        media_type="image/svg+xml",
        headers={"Cache-Control": f"public, max-age={STATIC_MAX_AGE}", "X-Content-Type-Options": "nosniff"},
    )


def install(app: FastAPI) -> None:
    """Add the pages, the schema, the favicon and the assets (create the app with ``docs_url``,
    ``redoc_url`` and ``openapi_url`` set to None, so FastAPI adds none of its own)."""
    app.include_router(router)
    app.mount(ASSETS_URL, CachedStaticFiles(directory=ASSETS), name="docs-assets")
