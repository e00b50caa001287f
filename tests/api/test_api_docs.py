"""``/docs``, ``/redoc`` and ``/openapi.json``: served from Holdoff's own packaged files (no CDN), under
their own CSP, and behind the viewer role in protected mode; and ``/favicon.ico``."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from holdoff.api.routes.docs import hoist_defs
from holdoff.auth.roles import Role
from tests.api.access_support import Secured, secured_app

BROWSER = {"Accept": "text/html,application/xhtml+xml"}
PAGES = ("/docs", "/redoc")
FAVICON = Path(__file__).resolve().parents[2] / "src" / "holdoff" / "web" / "static" / "favicon.svg"


@pytest.fixture
def open_app(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url, credentials=False) as app:
        yield app


@pytest.fixture
def secured(database_url: str) -> Iterator[Secured]:
    with secured_app(database_url) as app:
        yield app


def _references(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_loads_everything_from_holdoff_itself(open_app: Secured, path: str) -> None:
    page = open_app.client.get(path, headers=BROWSER)

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (
        "http://" not in page.text
        and "https://" not in page.text
        and "//" not in "".join(_references(page.text))
    )
    references = _references(page.text)
    assert references and all(ref.startswith("/") for ref in references)
    for ref in references:
        asset = open_app.client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert "/openapi.json" in page.text


def test_the_docs_assets_are_what_swagger_ui_and_redoc_need(open_app: Secured) -> None:
    client = open_app.client
    expected = {
        "/docs-assets/swagger-ui-bundle.js": "text/javascript",
        "/docs-assets/swagger-ui.css": "text/css",
        "/docs-assets/redoc.standalone.js": "text/javascript",
    }
    for url, media in expected.items():
        asset = client.get(url)
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(media), url
        assert len(asset.content) > 100_000 and asset.headers["cache-control"] == "public, max-age=3600"
    assert client.get("/docs-assets/nothing-here.js").status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_each_docs_page_allows_only_its_own_inline_script_and_same_origin_sources(
    open_app: Secured, path: str
) -> None:
    page = open_app.client.get(path, headers=BROWSER)

    policy = dict(
        part.strip().split(" ", 1)
        for part in page.headers["content-security-policy"].split(";")
        if part.strip()
    )
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline]
    assert policy["script-src"] == " ".join(["'self'", *hashes])
    assert policy["default-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "http" not in page.headers["content-security-policy"]


def test_the_openapi_document_resolves_every_reference_within_itself(open_app: Secured) -> None:
    document = open_app.client.get("/openapi.json").json()

    text = json.dumps(document)
    assert "#/$defs/" not in text and '"$defs"' not in text
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text))
    assert refs and refs <= set(document["components"]["schemas"])
    assert "KeyValue" in refs  # the Coralogix body's own definitions, moved where ReDoc finds them


def test_hoisting_keeps_a_name_that_already_exists_and_moves_the_rest() -> None:
    document = {
        "paths": {
            "/x": {
                "schema": {
                    "$defs": {"A": {"type": "string"}, "B": {"type": "integer"}},
                    "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/$defs/B"}},
                }
            }
        },
        "components": {"schemas": {"A": {"type": "boolean"}}},
    }

    hoisted = hoist_defs(document)

    assert hoisted["paths"]["/x"]["schema"] == {
        "properties": {"a": {"$ref": "#/components/schemas/A"}, "b": {"$ref": "#/components/schemas/B"}}
    }
    assert hoisted["components"]["schemas"] == {"A": {"type": "boolean"}, "B": {"type": "integer"}}
    assert "$defs" in document["paths"]["/x"]["schema"]  # the app's cached document is left alone


# --- protected mode ---


@pytest.mark.parametrize("path", PAGES)
def test_in_protected_mode_a_browser_without_a_session_is_sent_to_login_and_back(
    secured: Secured, path: str
) -> None:
    refused = secured.client.get(path, headers=BROWSER, follow_redirects=False)

    assert refused.status_code == 303
    assert refused.headers["location"] == f"/login?next=%2F{path.lstrip('/')}"
    secured.login(Role.VIEWER)
    page = secured.client.get(path, headers=BROWSER)
    assert page.status_code == 200 and "/openapi.json" in page.text


def test_in_protected_mode_the_openapi_document_needs_the_viewer_role(secured: Secured) -> None:
    client = secured.client

    refused = client.get("/openapi.json")

    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    viewer = client.get("/openapi.json", headers=secured.auth(Role.VIEWER))
    assert viewer.status_code == 200 and viewer.json()["info"]["title"] == "Holdoff"


def test_the_docs_assets_and_the_favicon_need_no_credentials(secured: Secured) -> None:
    # Swagger UI's and ReDoc's own code, and an icon: nothing about this Holdoff in them.
    assert secured.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert secured.client.get("/favicon.ico").status_code == 200


def test_the_favicon_is_holdoffs_icon(open_app: Secured) -> None:
    icon = open_app.client.get("/favicon.ico")

    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content == FAVICON.read_bytes()
    assert icon.headers["cache-control"] == "public, max-age=3600"
