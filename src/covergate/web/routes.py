"""The public web pages, rendered on the server (no JavaScript, no external assets).

- ``GET /``: the public report (counts by agency, ground, legal process, kind;
  outcomes; refused observations) with an optional ``?year=YYYY`` filter, and the
  log's origin, verifier key and current checkpoint so anyone can check the figures.
- ``GET /verify``: how subjects and the press verify one entry or the whole log.
- ``GET /static/style.css``, ``GET /static/favicon.svg`` (also at ``/favicon.ico``):
  the only assets.

Pages read public columns only (``covergate.report.service``) and the log's signed
state (``covergate.transparency.service``); they never touch subject data. A bad
``year`` is an :class:`InvalidInput`, answered as an HTML error page naming it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from covergate.errors import InvalidInput, NotFound
from covergate.report import service as report
from covergate.runtime import Runtime
from covergate.transparency import service as transparency
from covergate.web.render import render

__all__ = ["router"]

MIN_YEAR = 1900
MAX_YEAR = 9999
STATIC_CACHE = "public, max-age=3600"

GROUND_LABELS = {
    "national_security": "National security",
    "fugitive": "Locating a fugitive",
    "crime": "Crime",
    "postal_statute": "Postal statute",
    "forfeiture": "Forfeiture",
    "civil_enforcement": "Civil enforcement",
}
PROCESS_LABELS = {
    "none": "None",
    "written_request": "Written request",
    "head_of_agency_request": "Request by the head of the agency",
    "subpoena": "Subpoena",
    "court_order": "Court order",
    "search_warrant": "Search warrant",
}
KIND_LABELS = {"mail_cover": "Mail cover", "records": "Postal customer records"}
REFUSAL_LABELS = {
    "not_active": "The request was not active",
    "outside_window": "Mail dated outside the authorised window",
    "wrong_address": "Not addressed to the covered address",
    "attorney_mail": "To or from the subject's known attorney",
    "category_not_authorised": "Records category not authorised",
}

router = APIRouter(include_in_schema=False)


# The only static files, and their types; anything else under /static is a 404.
STATIC_FILES = {
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "passkey.js": "text/javascript; charset=utf-8",  # WebAuthn needs a script
}


@cache
def _static(name: str) -> bytes:
    return resources.files("covergate.web").joinpath("static", name).read_bytes()


def _label(labels: dict[str, str], value: str) -> str:
    return labels.get(value, value.replace("_", " ").capitalize())


@dataclass(frozen=True)
class PageContext:
    """A read-only session and the runtime's public facts about its log."""

    session: Session
    runtime: Runtime


def page_context(request: Request) -> Iterator[PageContext]:
    """One short transaction per page, from the app's runtime."""
    runtime: Runtime = request.app.state.runtime
    with runtime.transaction() as session:
        yield PageContext(session=session, runtime=runtime)


Page = Annotated[PageContext, Depends(page_context)]


def parse_year(raw: str | None) -> int | None:
    """``None`` or empty means all years; else a four-digit year in range."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise InvalidInput(f"year must be a four-digit year, not {raw[:20]!r}", field="year")
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")
    return year


def _log_facts(page: PageContext, request: Request) -> dict[str, Any]:
    status = transparency.status(session=page.session)
    settings = page.runtime.settings
    base = str(request.base_url).rstrip("/")
    return {
        "origin": settings.log_origin,
        "verifier_key": page.runtime.log_signer.verifier_key(),
        "size": status.size,
        "root": base64.b64encode(status.root).decode("ascii"),
        "pending": max(status.pending, 0),
        "checkpoint": None if status.checkpoint is None else status.checkpoint.decode("utf-8"),
        "log_url": base + "/log",
    }


def _rows(table: dict[str, dict[str, int]], labels: dict[str, str] | None) -> list[dict[str, Any]]:
    return [
        {"label": key if labels is None else _label(labels, key), **counts}
        for key, counts in table.items()
    ]


@router.get("/", response_class=HTMLResponse)
def public_report(
    request: Request,
    page: Page,
    year: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    chosen = parse_year(year)
    stats = report.statistics(session=page.session, year=chosen)
    tables = [
        ("by-agency", "Agency", "Requests by agency", _rows(stats["by_agency"], None)),
        ("by-ground", "Ground", "Requests by ground", _rows(stats["by_ground"], GROUND_LABELS)),
        (
            "by-process",
            "Legal process",
            "Requests by legal process",
            _rows(stats["by_process"], PROCESS_LABELS),
        ),
        ("by-kind", "Kind", "Requests by kind", _rows(stats["by_kind"], KIND_LABELS)),
    ]
    refused = [
        {"label": _label(REFUSAL_LABELS, reason), "count": n}
        for reason, n in sorted(stats["observations_refused"].items(), key=lambda kv: -kv[1])
    ]
    return render(
        "report.html",
        stats=stats,
        year=chosen,
        tables=tables,
        refused=refused,
        refused_total=sum(stats["observations_refused"].values()),
        log=_log_facts(page, request),
    )


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, page: Page) -> HTMLResponse:
    return render("verify.html", log=_log_facts(page, request))


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages without an icon link (/log/checkpoint)."""
    return static_file("favicon.svg")


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise NotFound(f"no static file {name[:100]!r}")
    return Response(
        _static(name),
        media_type=media_type,
        headers={"Cache-Control": STATIC_CACHE, "X-Content-Type-Options": "nosniff"},
    )
