"""``/docs``: the API's interactive documentation, served entirely by covergate.

FastAPI's own ``/docs`` loads Swagger UI from a CDN, which an offline or
locked-down deployment cannot reach and which would let a third party run script
on our origin. Here the page loads Swagger UI from the ``swagger-ui-bundle``
package, through a whitelist of its files, plus a small initialiser served as a
file, so the Content-Security-Policy allows scripts from this origin only:

- ``GET /docs``: the page;
- ``GET /docs/openapi-3.0.json``: the schema the page shows. The bundle's Swagger UI
  (4.15) reads OpenAPI 3.0 only, and FastAPI writes 3.1, so this is ``/openapi.json``
  (which stays the one schema of record) rewritten with the 3.0 spelling of the
  same constraints (:func:`openapi_30`);
- ``GET /docs/assets/<name>``: the known asset files (anything else is a 404),
  with their content type, a validator (ETag) and a day of caching.

Swagger UI sets its few computed styles through the DOM (which a CSP allows), so
``style-src 'self'`` is enough: no ``'unsafe-inline'``. Its icons are ``data:``
images in its stylesheet, and "Try it out" calls this origin (``connect-src``).
No OAuth2 flow is declared in the schema (the API takes bearer tokens), so no
OAuth2 redirect page is needed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from covergate import __version__
from covergate.errors import NotFound

__all__ = ["ASSETS", "DOCS_CSP", "SCHEMA_PATH", "openapi_30", "router"]

router = APIRouter(include_in_schema=False)

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": DOCS_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSET_CACHE = "public, max-age=86400"

#: The files of the bundle the page uses, and their types; nothing else is served.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
INITIALISER = "covergate-docs.js"
SCHEMA_PATH = "/docs/openapi-3.0.json"

#: Starts Swagger UI on the element that names the schema (no inline script).
_INIT_JS = """\
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.spec,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});
"""

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>covergate API {version}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
<noscript><p>This page needs JavaScript to show the API. The schema itself is
<a href="{source}">{source}</a>.</p></noscript>
<main id="swagger-ui" data-spec="{spec}"></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/{init}"></script>
</body>
</html>
"""


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _bundle_dir() -> Traversable:
    """The one ``swagger-ui-<version>`` folder the package ships."""
    vendor = resources.files("swagger_ui_bundle").joinpath("vendor")
    found = [p for p in vendor.iterdir() if p.name.startswith("swagger-ui-")]
    if len(found) != 1:
        raise LookupError(f"swagger_ui_bundle ships {len(found)} Swagger UI folders, not one")
    return found[0]


def _asset(body: bytes, media_type: str) -> Asset:
    return Asset(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


@cache
def asset(name: str) -> Asset:
    """A whitelisted file of the bundle, or our initialiser; else :class:`NotFound`."""
    if name == INITIALISER:
        return _asset(_INIT_JS.encode("utf-8"), "text/javascript; charset=utf-8")
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no documentation asset {name[:100]!r}")
    return _asset(_bundle_dir().joinpath(name).read_bytes(), media_type)


_NULL = {"type": "null"}
#: Keys whose value maps names to schemas (a property called "const" is no keyword).
_NAMED = frozenset({"properties", "patternProperties", "$defs", "schemas"})


def _schema_30(node: dict[str, Any]) -> dict[str, Any]:
    """One JSON Schema (2020-12, as OpenAPI 3.1 has it) in OpenAPI 3.0's dialect."""
    out = dict(node)
    variants = out.get("anyOf")
    if isinstance(variants, list) and _NULL in variants:
        rest = [v for v in variants if v != _NULL]
        del out["anyOf"]
        out["nullable"] = True
        if len(rest) == 1 and "$ref" in rest[0]:
            out["allOf"] = rest  # 3.0 ignores the siblings of a $ref
        elif len(rest) == 1:
            out = {**rest[0], **out}
        else:
            out["anyOf"] = rest
    kind = out.get("type")
    if isinstance(kind, list):
        named = [k for k in kind if k != "null"]
        if len(named) < len(kind):
            out["nullable"] = True
        del out["type"]
        if len(named) == 1:
            out["type"] = named[0]
        elif named:
            out["anyOf"] = [{"type": k} for k in named]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    examples = out.get("examples")
    if isinstance(examples, list):  # a schema's; a media type's is a map (valid 3.0)
        del out["examples"]
        if examples:
            out["example"] = examples[0]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = out.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[limit], out[bound] = value, True
    for keyword in ("propertyNames", "$schema", "contentMediaType", "contentEncoding"):
        out.pop(keyword, None)
    return out


def _walk(node: Any, *, named: bool = False) -> Any:
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    if named:
        return {key: _walk(value) for key, value in node.items()}
    converted = _schema_30(node)
    return {key: _walk(value, named=key in _NAMED) for key, value in converted.items()}


def openapi_30(spec: dict[str, Any], *, source: str) -> dict[str, Any]:
    """``spec`` (OpenAPI 3.1) rewritten as OpenAPI 3.0.3 for Swagger UI 4.

    Nullable values become ``nullable: true``, ``const`` a one-value ``enum``, a
    schema's ``examples`` its ``example``, numeric exclusive bounds the 3.0 pair;
    keywords 3.0 lacks (``propertyNames``) are dropped. ``source`` names the
    original, which the description points to.
    """
    out: dict[str, Any] = _walk(spec)
    out["openapi"] = "3.0.3"
    info = dict(out.get("info", {}))
    note = f"The schema of record is [{source}]({source}) (OpenAPI 3.1); this page shows "
    note += "it in OpenAPI 3.0 form."
    info["description"] = (info.get("description", "") + "\n\n" + note).strip()
    out["info"] = info
    return out


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request) -> HTMLResponse:
    html = _PAGE.format(
        version=escape(__version__),
        spec=escape(SCHEMA_PATH),
        source=escape(request.app.openapi_url or SCHEMA_PATH),
        init=INITIALISER,
    )
    return HTMLResponse(html, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


@router.get(SCHEMA_PATH)
def docs_schema(request: Request) -> JSONResponse:
    cached: dict[str, Any] | None = getattr(request.app.state, "openapi_30", None)
    if cached is None:
        source = request.app.openapi_url or "/openapi.json"
        cached = openapi_30(request.app.openapi(), source=source)
        request.app.state.openapi_30 = cached
    return JSONResponse(cached, headers={"Cache-Control": "no-cache"})


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (RFC 9110 section 13.1.2)."""
    if if_none_match is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


@router.get("/docs/assets/{name}")
def docs_asset(name: str, request: Request) -> Response:
    found = asset(name)
    headers = {
        "Cache-Control": ASSET_CACHE,
        "ETag": found.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
