"""The HTTP application: JSON API under /api/v1, the public log under /log.

Errors are RFC 9457 problem details (``application/problem+json``), produced in
one place from the :class:`CovergateError` hierarchy and from request validation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from covergate import __version__
from covergate.api_deps import (
    Problem,
    refuse_control_characters,
    refuse_duplicate_json_keys,
)
from covergate.audit.routes import router as audit_router
from covergate.context import Via
from covergate.courts.routes import router as courts_router
from covergate.covers.routes import router as covers_router
from covergate.errors import CovergateError
from covergate.notices.routes import router as notices_router
from covergate.productions.routes import router as productions_router
from covergate.report.routes import router as report_router
from covergate.requests.routes import router as requests_router
from covergate.retention.routes import router as retention_router
from covergate.runtime import Runtime
from covergate.transparency.routes import router as log_router
from covergate.users.routes import router as users_router
from covergate.validation import field_path
from covergate.web.errors import html_error, is_page
from covergate.web.pages import routers as page_routers
from covergate.web.routes import router as web_router

PROBLEM = "application/problem+json"
PROBLEM_BASE = "https://covergate.example/problems/"
log = logging.getLogger("covergate")


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def status_title(status: int) -> str:
    """The standard phrase of ``status``, as a title: "Not found", "Bad request"."""
    try:
        return HTTPStatus(status).phrase.capitalize()
    except ValueError:  # a status with no registered phrase
        return "Error"


#: The methods a 405's Allow may name (RFC 9110 section 9).
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route of ``app`` fully answers on the path of ``scope``.

    Each method is tried on a bare copy of the scope: FastAPI nests included routers,
    so asking the routes themselves is the one way that sees them all.
    """
    where = {"type": "http", "path": scope["path"], "root_path": scope.get("root_path", "")}
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**where, "method": method})[0] is Match.FULL
            for route in app.router.routes
        )
    ]


_LOCATIONS = {"body": "request body", "query": "query", "path": "path", "header": "header"}
# Tags of the observation union (covers.schemas.ObservationInput) are not fields.
_UNION_TAGS = {"mail", "records"}


def describe_validation(errors: list[Any]) -> tuple[str, str | None, str, int]:
    """(where, field path or None, message, error count) for the first error."""
    if not errors:
        return "request", None, "invalid request", 0
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    where = "request"
    if loc and loc[0] in _LOCATIONS:
        where, loc = _LOCATIONS[str(loc[0])], loc[1:]
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        # The location is a character offset in the text, not a field.
        reason = first.get("ctx", {}).get("error", "")
        return where, None, f"not valid JSON ({reason})" if reason else "not valid JSON", 1
    if loc and loc[0] in _UNION_TAGS:
        loc = loc[1:]
    msg = {"extra_forbidden": "unknown field", "missing": "required field is missing"}.get(
        kind, str(first.get("msg", "invalid"))
    )
    path: str | None = field_path(tuple(loc)) if loc else None
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
        if path is None:
            # A model-level check names the field in its own message.
            named, sep, rest = msg.partition(": ")
            if sep:
                path, msg = named, rest
    return where, path, msg, len(errors)


#: FastAPI's own description of a 422 it adds to a route with parameters.
_FASTAPI_422 = "Validation Error"


def problem_documents(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every 4xx and 5xx response documented as what the server sends.

    FastAPI files a ``responses=`` model under ``application/json`` and adds its own
    422 (``HTTPValidationError``) to routes with parameters, while every error this
    server sends is a :class:`Problem` as ``application/problem+json`` (see
    :func:`problem`). Changes ``schema`` in place, and may run again on it.
    """
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith(("4", "5")):
                    continue
                response["content"] = {PROBLEM: {"schema": ref}}
                if response.get("description") == _FASTAPI_422:
                    response["description"] = "Invalid input (names the field)."
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", Problem.model_json_schema())
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def maintain(runtime: Runtime) -> None:
    """Run the maintenance sweep (``covergate.maintenance``), then integrate the log.

    The last integration runs even if the sweep appended nothing, when entries are
    pending: at start-up it finishes what a crash interrupted, and on an empty log
    it signs the first checkpoint (``maintenance.finish_integration``).
    """
    from covergate.maintenance import finish_integration, sweep_all

    sweep_all(runtime, runtime.context(Via.API))
    finish_integration(runtime)


def create_app(runtime: Runtime, *, maintenance_interval: float | None = 60.0) -> FastAPI:
    """Build the app around an opened runtime (migrated, keys loaded)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Recovery: finish any integration a crash interrupted, with the normal code path.
        maintain(runtime)
        stop = threading.Event()
        worker: threading.Thread | None = None
        if maintenance_interval:
            interval = maintenance_interval

            def loop() -> None:
                while not stop.wait(interval):
                    try:
                        maintain(runtime)
                    except (CovergateError, SQLAlchemyError):
                        # Logged and retried on the next tick; the loop must not die.
                        log.exception("maintenance failed")

            worker = threading.Thread(target=loop, name="covergate-maintenance", daemon=True)
            worker.start()
        yield
        stop.set()
        if worker is not None:
            worker.join(timeout=5)

    app = FastAPI(
        title="covergate",
        version=__version__,
        description="System of record for mail covers and postal records requests. "
        "Every state change is committed to a public C2SP transparency log at /log.",
        lifespan=lifespan,
        # /docs is served by covergate.web.docs from the swagger-ui-bundle package (no
        # CDN); ReDoc would load its script from a CDN, so it is not offered.
        docs_url=None,
        redoc_url=None,
        # Every route, whichever router: a JSON body that repeats a key is refused, and
        # so is a control character in the URL's parameters or a form's fields.
        dependencies=[
            Depends(refuse_control_characters),
            Depends(refuse_duplicate_json_keys),
        ],
        # One schema per model, as the request bodies had before responses were
        # typed: a model used both ways (RequestDocument) keeps its one name.
        separate_input_output_schemas=False,
    )
    app.state.runtime = runtime
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return problem_documents(generate())

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(CovergateError)
    async def _covergate_error(request: Request, exc: CovergateError) -> Response:
        if is_page(request.url.path):
            return html_error(request, exc.status, exc.title, exc.message, exc.field)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        response = problem(exc.status, exc.code, exc.title, exc.message, field=exc.field)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        where, path, msg, count = describe_validation(list(exc.errors()))
        more = f" (and {count - 1} more)" if count > 1 else ""
        detail = f"{where}: {path}: {msg}{more}" if path else f"{where}: {msg}{more}"
        if is_page(request.url.path):
            return html_error(request, 422, "Invalid input", detail, path)
        return problem(422, "invalid-input", "Invalid input", detail, field=path)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = status_title(exc.status_code)
        response: Response
        if is_page(request.url.path):
            detail = "no such page" if exc.status_code == 404 else str(exc.detail)
            response = html_error(request, exc.status_code, title, detail)
        else:
            response = problem(
                exc.status_code, title.lower().replace(" ", "-"), title, str(exc.detail)
            )
        # Starlette's own headers, such as a 405's Allow (RFC 9110 section 15.5.6).
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path only; Allow
            # must list every method the path has (GET and POST are two routes here).
            response.headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in (
        users_router,
        requests_router,
        covers_router,
        productions_router,
        courts_router,
        notices_router,
        retention_router,
        audit_router,
    ):
        app.include_router(router)
    app.include_router(log_router)
    app.include_router(report_router)
    app.include_router(web_router)
    for router in page_routers:
        app.include_router(router)
    return app
