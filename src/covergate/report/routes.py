"""The report's downloads and the public statistics API (no token: it is public).

- ``GET /report.json?period=P``: the whole report, ``export.report_json``;
- ``GET /report/<table>.csv?period=P``: one table as RFC 4180 CSV, saved as
  ``covergate-<table>-<period>.csv``;
- ``GET /api/v1/statistics?period=P``: the same JSON as ``/report.json``, as an
  API operation documented in OpenAPI with its schema;
- ``GET /api/v1/statistics/schema.json``: that JSON Schema (draft 2020-12).

``P`` is ``all`` (the default), a year (``2026``) or a half-year (``2026-H1``).
All of them show the one :class:`Report` the page shows
(``report.service.published_report``), so the page, the files and the API can
never disagree. A bad period is a 422 and an unknown table a 404, as
problem+json; the two download URLs answer a browser (``Accept: text/html``)
with the HTML error page instead, since people follow them from the page.
The figures change only when the log grows, so they may be cached for a minute.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from covergate.api_deps import Problem
from covergate.errors import CovergateError, NotFound
from covergate.report import charts, export
from covergate.report import service as report_service
from covergate.report.json_schema import report_schema
from covergate.report.schemas import Period, PeriodKind, Report, Table
from covergate.runtime import Runtime
from covergate.web.errors import error_page

__all__ = [
    "REPORT_CACHE",
    "TableView",
    "download_name",
    "headline_text",
    "period_choices",
    "period_words",
    "recount_command",
    "router",
    "table_view",
]

#: Short: a new checkpoint changes the figures; stale for a minute is harmless.
REPORT_CACHE = "public, max-age=60"
SCHEMA_CACHE = "public, max-age=3600"

router = APIRouter(tags=["public statistics"])


def _session(request: Request) -> Iterator[Session]:
    """One short read transaction, from the app's runtime."""
    runtime: Runtime = request.app.state.runtime
    with runtime.transaction() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
PeriodQuery = Annotated[
    str,
    Query(
        description="all (the default), a year (2026) or a half-year (2026-H1)",
        examples=["all", "2026", "2026-H1"],
    ),
]


def _report(request: Request, session: Session, period: str) -> Report:
    chosen = Period.parse(period)
    quorum = request.app.state.runtime.quorum  # the served checkpoint is what counts
    published: Report = report_service.published_report(session, chosen, quorum)
    return published


def _json(body: Any, cache: str = REPORT_CACHE) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})


def _wants_html(request: Request) -> bool:
    """A browser following a link asks for HTML first; curl and scripts do not."""
    return "text/html" in request.headers.get("accept", "")


def _browser_error(request: Request, exc: CovergateError) -> Response:
    """The HTML error page for a browser; else re-raised, for problem+json."""
    if _wants_html(request):
        return error_page(exc.status, exc.title, exc.message, exc.field)
    raise exc


def download_name(table_id: str, period: Period) -> str:
    """``covergate-outcomes-2026-H1.csv``: ids are slugs, periods are safe words."""
    return f"covergate-{table_id}-{period.label}.csv"


@router.get("/report.json", include_in_schema=False)
def report_json(request: Request, session: SessionDep, period: PeriodQuery = "all") -> Response:
    try:
        return _json(export.report_json(_report(request, session, period)))
    except CovergateError as exc:
        return _browser_error(request, exc)


@router.get("/report/{table}.csv", include_in_schema=False)
def report_csv(
    request: Request, session: SessionDep, table: str, period: PeriodQuery = "all"
) -> Response:
    try:
        published = _report(request, session, period)
        try:
            chosen = published.table(table)
        except KeyError:
            raise NotFound(
                f"no table {table[:60]!r} in the report; the tables are: "
                + ", ".join(t.id for t in published.tables),
                field="table",
            ) from None
    except CovergateError as exc:
        return _browser_error(request, exc)
    name = download_name(chosen.id, published.period)
    return Response(
        export.table_csv(chosen),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": REPORT_CACHE,
            "X-Content-Type-Options": "nosniff",
        },
    )


def _openapi_schema() -> dict[str, Any]:
    schema = report_schema()
    for key in ("$schema", "$id"):
        schema.pop(key)
    return schema


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


@router.get(
    "/api/v1/statistics",
    summary="The public report's figures (no token needed)",
    description="The same JSON as /report.json: the figures of the public report for "
    "one period, computed from the first `log_size` entries of the public log. Its "
    "JSON Schema is served at /api/v1/statistics/schema.json.",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "The report (format covergate-report/v1).",
            "content": {"application/json": {"schema": _openapi_schema()}},
        },
        422: _problem("The period is not 'all', a year (2026) or a half-year (2026-H1)."),
    },
)
def statistics(request: Request, session: SessionDep, period: PeriodQuery = "all") -> Response:
    return _json(export.report_json(_report(request, session, period)))


@router.get(
    "/api/v1/statistics/schema.json",
    summary="The JSON Schema (draft 2020-12) of the statistics",
    response_class=JSONResponse,
    responses={200: {"description": "The JSON Schema.", "content": {"application/json": {}}}},
)
def statistics_schema() -> Response:
    return _json(report_schema(), SCHEMA_CACHE)


# ---- what the public page (web.routes.public_report) shows of a Report ----------

_HALVES = {1: "January to June", 2: "July to December"}


def period_words(period: Period) -> str:
    """``2026-H1`` -> ``January to June 2026``; ``all`` -> ``all periods``."""
    if period.kind is PeriodKind.ALL:
        return "all periods"
    if period.kind is PeriodKind.YEAR:
        return str(period.year)
    return f"{_HALVES[period.half or 1]} {period.year}"


def period_choices(first: date | None, last: date | None, chosen: Period) -> list[Period]:
    """``all``, then each year from ``last`` back to ``first``, each followed by its
    half-years (newest first); the chosen period is always among them."""
    choices = [Period(PeriodKind.ALL)]
    if first is not None and last is not None:
        for year in range(last.year, first.year - 1, -1):
            choices.append(Period(PeriodKind.YEAR, year))
            for half in (2, 1):
                start = date(year, 7 if half == 2 else 1, 1)
                end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
                if start <= last and end >= first:
                    choices.append(Period(PeriodKind.HALF, year, half))
    if chosen not in choices:
        choices.append(chosen)
    return choices


def headline_text(label: str, value: Any) -> str:
    """A figure as the page shows it; under a label or column naming a share (0..1),
    a percentage."""
    if isinstance(value, float) and "share" in label.lower() and 0 <= value <= 1:
        return f"{value * 100:.1f}%"
    return charts.format_cell(value)


@dataclass(frozen=True)
class TableView:
    """One table as the page shows it: formatted cells, its chart, its download."""

    table: Table
    rows: list[tuple[str, list[str]]]
    chart: Markup | None
    csv_url: str
    total_rows: int = 0  # the table's rows; ``rows`` may show only the first of them

    @property
    def appendix(self) -> bool:
        return self.table.id == "appendix"

    @property
    def cut(self) -> bool:
        """Whether the page shows fewer rows than the table has (the CSV has them all)."""
        return len(self.rows) < self.total_rows


#: The appendix rows the page itself shows (one per request: thousands for "all");
#: its CSV has every row.
PAGE_APPENDIX_ROWS = 500


def table_view(table: Table, period: Period) -> TableView:
    """Cells as the page shows them (a share as a percentage); no chart for no rows."""
    svg = charts.chart(table) if table.rows else None
    heads = table.columns[1:]
    rows = [
        (
            charts.format_cell(row[0]) if row else "",
            [headline_text(str(head), cell) for head, cell in zip(heads, row[1:], strict=False)]
            + [charts.format_cell(cell) for cell in row[1 + len(heads) :]],
        )
        for row in (table.rows[:PAGE_APPENDIX_ROWS] if table.id == "appendix" else table.rows)
    ]
    return TableView(
        table=table,
        rows=rows,
        # Markup: charts.py escapes every label itself (and is property-tested for it).
        chart=None if svg is None else Markup(svg),  # noqa: S704
        csv_url=f"/report/{table.id}.csv?period={period.label}",
        total_rows=len(table.rows),
    )


def recount_command(base_url: str, verifier_key: str, period: Period) -> str:
    """The command that recounts the page's figures from the log and compares them."""
    base = base_url.rstrip("/")
    label = period.label
    return (
        f"covergate report --from {base}/log --key '{verifier_key}' --period {label} "
        f"--compare {shlex.quote(f'{base}/report.json?period={label}')}"
    )
