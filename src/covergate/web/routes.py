"""The public web pages, rendered on the server (no JavaScript, no external assets).

- ``GET /``: the public transparency report (``report.service.published_report``)
  for ``?period=all|2026|2026-H1`` (``?year=2026`` still works): headline figures,
  each table with its chart and CSV link, and the log's origin, verifier key,
  checkpoint and the command that recounts the figures from the log.
- ``GET /verify``: how subjects and the press verify one entry or the whole log.
- ``GET /static/style.css``, ``GET /static/favicon.svg`` (also at ``/favicon.ico``):
  the only assets.

Pages read public columns only (``covergate.report.service``) and the log's signed
state (``covergate.transparency.service``); they never touch subject data. A bad
``period`` or ``year`` is an :class:`InvalidInput`, answered as an HTML error page
naming it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate import labels
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle.models import RequestEvent
from covergate.report import routes as report_page
from covergate.report import service as report
from covergate.report.schemas import BAND, Period
from covergate.runtime import Runtime
from covergate.tlog.hashing import EMPTY_ROOT
from covergate.transparency import service as transparency
from covergate.web.render import render

__all__ = ["router"]

MIN_YEAR = 1900
MAX_YEAR = 9999
STATIC_CACHE = "public, max-age=3600"

#: The staff pages' words for kinds, grounds and legal processes: the report's too.
GROUND_LABELS = labels.GROUND
PROCESS_LABELS = labels.PROCESS
KIND_LABELS = labels.KIND

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
    # The checkpoint the public log serves (with witnesses: the newest they cosigned).
    status = transparency.status(session=page.session)
    served = transparency.published_checkpoint(session=page.session, quorum=page.runtime.quorum)
    settings = page.runtime.settings
    base = str(request.base_url).rstrip("/")
    return {
        "origin": settings.log_origin,
        "verifier_key": page.runtime.log_signer.verifier_key(),
        "size": 0 if served is None else served.size,
        "root": base64.b64encode(EMPTY_ROOT if served is None else served.root).decode("ascii"),
        "pending": max(status.sequenced - (0 if served is None else served.size), 0),
        "checkpoint": None if served is None else served.note.decode("utf-8"),
        "log_url": base + "/log",
    }


def _period_range(page: PageContext) -> tuple[date | None, date | None]:
    """The first and last day anything happened to a request, for the period chooser;
    only the half-years they fall in are shown, never the days."""
    first, last = page.session.execute(
        select(func.min(RequestEvent.day), func.max(RequestEvent.day))
    ).one()
    return first, last


def _chosen_period(period: str | None, year: str | None) -> Period:
    """``?period=`` (default ``all``); the older ``?year=2026`` still means 2026."""
    if period is not None and period.strip():
        return Period.parse(period.strip())
    chosen_year = parse_year(year)
    return Period.parse("all" if chosen_year is None else str(chosen_year))


@router.get("/", response_class=HTMLResponse)
def public_report(
    request: Request,
    page: Page,
    period: Annotated[str | None, Query()] = None,
    year: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    chosen = _chosen_period(period, year)
    published = report.published_report(page.session, chosen, page.runtime.quorum)
    log = _log_facts(page, request)
    first, last = _period_range(page)
    return render(
        "report.html",
        period=chosen,
        period_words=report_page.period_words(chosen),
        choices=[
            (p.label, report_page.period_words(p), p == chosen)
            for p in report_page.period_choices(first, last, chosen)
        ],
        report=published,
        headline=[
            (f"headline-{n}", label, report_page.headline_text(label, value))
            for n, (label, value) in enumerate(published.headline, start=1)
        ],
        tables=[report_page.table_view(table, chosen) for table in published.tables],
        band=BAND,
        json_url=f"/report.json?period={chosen.label}",
        recount=report_page.recount_command(str(request.base_url), log["verifier_key"], chosen),
        log=log,
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
