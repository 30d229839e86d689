"""``/docs`` works with no network: Swagger UI comes from covergate itself.

The browser test blocks (and records) every request to another host; the page must
still render the operations from ``/openapi.json``, run an operation, and break no
rule of its Content-Security-Policy. The HTTP tests pin the whitelist of assets,
their types and caching. Runs on SQLite and PostgreSQL (one server per backend).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine

from covergate.web.docs import ASSETS, DOCS_CSP, INITIALISER, SCHEMA_PATH, openapi_30
from tests.api_server import LiveServer, live_server
from tests.conftest import _empty_all_tables
from tests.web.seed import TODAY
from tests.web.test_browser import browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

__all__ = ["browser"]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
_NULL = {"type": "null"}


@pytest.fixture(scope="module")
def server(
    migrated: tuple[str, str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    _backend, url, engine = migrated
    _empty_all_tables(engine)  # whatever an earlier module's server left
    with live_server(url, tmp_path_factory.mktemp("docs"), today=TODAY) as live:
        yield live
    _empty_all_tables(engine)


def test_docs_render_with_no_network(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    left: list[str] = []
    local: list[str] = []
    problems: list[str] = []

    def gate(route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            local.append(route.request.url)
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", gate)
    # Every breach of the page's Content-Security-Policy, as the page itself sees it.
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    tab = context.new_page()
    # A CSP violation or a script error is a console error.
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    # The one error expected: the browser logs the 401 of the operation run below.
    expected = "Failed to load resource: the server responded with a status of 401"
    tab.on("pageerror", lambda e: problems.append(str(e)))
    try:
        tab.goto("/docs")
        operation = tab.locator(".opblock-summary-path", has_text="/api/v1/requests").first
        operation.wait_for(state="visible", timeout=30_000)
        assert tab.title().startswith("covergate API")
        assert "System of record for mail covers" in tab.locator(".info").inner_text()

        # Open GET /api/v1/me and run it: the answer (401, no token) comes from our server.
        me = tab.locator(".opblock-get").filter(
            has=tab.locator(".opblock-summary-path[data-path='/api/v1/me']")
        )
        me.locator(".opblock-summary-control").click()
        me.get_by_role("button", name="Try it out").click()
        me.get_by_role("button", name="Execute").click()
        status = me.locator(".live-responses-table tr.response .response-col_status").first
        status.wait_for(state="visible", timeout=15_000)
        assert status.inner_text().strip() == "401"
        assert tab.evaluate("window.__csp") == []

        # A request body's example and a schema: the highlighter and the model view.
        submit = tab.locator(".opblock-post").filter(
            has=tab.locator(".opblock-summary-path[data-path='/api/v1/requests']")
        )
        submit.locator(".opblock-summary-control").click()
        submit.locator(".body-param__example, .highlight-code").first.wait_for(state="visible")
        address = tab.locator("section.models #model-Address")
        address.locator("button.model-box-control").click()
        address.locator("tr.property-row", has_text="zip").wait_for(state="visible")
        assert tab.evaluate("window.__csp") == []
    finally:
        context.close()

    assert left == [], f"requests left this machine: {left}"
    paths = {urlsplit(u).path for u in local}
    assert {"/docs", "/docs/openapi-3.0.json", "/docs/assets/swagger-ui-bundle.js"} <= paths
    assert f"/docs/assets/{INITIALISER}" in paths
    assert "/api/v1/me" in paths
    assert [p for p in problems if not p.startswith(expected)] == []
    assert len(problems) <= 1


def test_docs_page_headers(server: LiveServer) -> None:
    page = server.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == DOCS_CSP
    assert "script-src 'self';" in DOCS_CSP
    assert "unsafe-eval" not in DOCS_CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert "<script>" not in html  # every script is a file of this origin
    assert 'src="/docs/assets/swagger-ui-bundle.js"' in html
    assert f'src="/docs/assets/{INITIALISER}"' in html
    assert 'data-spec="/docs/openapi-3.0.json"' in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


def test_only_known_assets_are_served(server: LiveServer) -> None:
    for name, media_type in {**ASSETS, INITIALISER: "text/javascript; charset=utf-8"}.items():
        response = server.client.get(f"/docs/assets/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == media_type
        assert response.headers["cache-control"] == "public, max-age=86400"
        assert response.headers["x-content-type-options"] == "nosniff"
        etag = response.headers["etag"]
        again = server.client.get(f"/docs/assets/{name}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        listed = {"If-None-Match": f'"other", W/{etag}'}
        assert server.client.get(f"/docs/assets/{name}", headers=listed).status_code == 304
        other = {"If-None-Match": '"other"'}
        assert server.client.get(f"/docs/assets/{name}", headers=other).status_code == 200
    assert b"SwaggerUIBundle" in server.client.get("/docs/assets/swagger-ui-bundle.js").content
    for name in (
        "index.html",
        "swagger-initializer.js",  # the bundle's, pointing at the petstore
        "swagger-ui-bundle.js.map",
        "oauth2-redirect.html",
        "..%2F__init__.py",
        "nothing.js",
    ):
        response = server.client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"] == "application/problem+json"
    # FastAPI's CDN pages are gone; the schema stays.
    assert server.client.get("/redoc").status_code == 404
    assert server.client.get("/docs/oauth2-redirect").status_code == 404
    assert server.client.get("/openapi.json").json()["info"]["title"] == "covergate"


def test_the_schema_for_swagger_ui_is_openapi_30(server: LiveServer) -> None:
    shown = server.client.get(SCHEMA_PATH).json()
    original = server.client.get("/openapi.json").json()
    assert original["openapi"].startswith("3.1")
    assert shown["openapi"] == "3.0.3"
    assert shown["paths"].keys() == original["paths"].keys()
    assert "/openapi.json" in shown["info"]["description"]
    text = json.dumps(shown)
    assert '{"type": "null"}' not in text
    assert '"const"' not in text
    # An optional field of the request document: a nullable string, as 3.0 says it.
    line2 = shown["components"]["schemas"]["Address"]["properties"]["line2"]
    assert line2["nullable"] is True
    assert line2["type"] == "string"


def test_openapi_30_rewrites_each_31_spelling() -> None:
    ref = {"$ref": "#/components/schemas/Thing"}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        # Property names that are also keywords stay names.
                        "const": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                        "ref": {"anyOf": [ref, {"type": "null"}], "title": "Ref"},
                        "either": {"anyOf": [{"type": "string"}, {"type": "integer"}, _NULL]},
                        "kind": {"const": "mail", "examples": ["mail", "records"]},
                        "listed": {"type": ["string", "null"]},
                        "positive": {"type": "number", "exclusiveMinimum": 0},
                        "tags": {"type": "object", "propertyNames": {"pattern": "^a"}},
                    },
                }
            }
        },
    }
    props = openapi_30(spec, source="/openapi.json")["components"]["schemas"]["Thing"]["properties"]
    assert props["const"] == {"type": "integer", "nullable": True}
    assert props["ref"] == {"allOf": [ref], "nullable": True, "title": "Ref"}
    assert props["either"] == {"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": True}
    assert props["kind"] == {"enum": ["mail"], "example": "mail"}
    assert props["listed"] == {"type": "string", "nullable": True}
    assert props["positive"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert props["tags"] == {"type": "object"}
    assert spec["openapi"] == "3.1.0"  # the original is left as it was
