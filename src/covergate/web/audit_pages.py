"""The auditors' pages: the compliance audit, the access log (and its CSV), sign-ins.

Auditors only (the API's checks: ``audit.compliance.require_auditor`` and
``audit.service.require_auditor``); everyone else gets 403. Nothing here reads
subject data: findings, access records and sign-in events name staff, request ids,
dates and the reasons staff typed, so reading them writes no access record.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from covergate.audit import compliance, service
from covergate.audit.findings import CLASSES, Finding, FindingClass
from covergate.lifecycle.models import AccessKind
from covergate.signin.schemas import SignInOutcome
from covergate.web.audit_query import (
    ACCESS_FIELDS,
    MAX_CSV_ROWS,
    PAGE_SIZE,
    SIGN_IN_FIELDS,
    Filters,
    Page,
    access_csv,
    access_query,
    access_rows,
    page_number,
    paged,
    sign_in_query,
)
from covergate.web.render import SECURITY_HEADERS, STAFF_CACHE
from covergate.web.staff import StaffPage

router = APIRouter(include_in_schema=False)

#: What a read of each kind showed (``lifecycle.models.AccessKind``).
WHAT_WAS_READ = {
    AccessKind.SUBJECT: "Subject data (name, address, facts)",
    AccessKind.OBSERVATIONS: "Observations",
    AccessKind.PRODUCTION: "Production package",
    AccessKind.NOTES: "Notes and decision reasons",
}


# -- compliance ----------------------------------------------------------------------


def what_is_wrong(finding: Finding) -> str:
    """A finding's message, with its dates and log index."""
    parts = [f"{name.replace('_', ' ')} {day.isoformat()}" for name, day in finding.dates]
    if finding.entry is not None:
        parts.append(f"log entry {finding.entry}")
    return finding.message + (f" ({'; '.join(parts)})" if parts else "")


@router.get("/app/audit/compliance", response_class=HTMLResponse)
def compliance_page(page: StaffPage) -> HTMLResponse:
    compliance.require_auditor(page.user)
    filters = Filters.read(page.request.query_params, ("class",))
    chosen: FindingClass | None = None
    if filters["class"]:
        try:
            chosen = FindingClass(filters["class"])
        except ValueError:
            filters.fail("class", f"not a class of findings: {filters['class']!r}")
    titles = [(cls.value, spec.title) for cls, spec in CLASSES.items()]
    if not filters.ok:
        return page.render(
            "audit_compliance.html",
            status=422,
            here="compliance",
            filters=filters,
            titles=titles,
            report=None,
            chosen=None,
            findings=[],
        )
    # The API's one call: a slow audit on big data is slow here too, never slower.
    report = compliance.check(page.session, page.ctx, verifier=page.runtime.log_signer.verifier())
    findings = [
        (result, finding, what_is_wrong(finding))
        for result in report.classes
        if chosen is None or result.id is chosen
        for finding in result.findings
    ]
    return page.render(
        "audit_compliance.html",
        here="compliance",
        filters=filters,
        titles=titles,
        report=report,
        chosen=report[chosen] if chosen else None,
        findings=findings,
    )


# -- the access log -------------------------------------------------------------------


@router.get("/app/audit/access", response_class=HTMLResponse)
def access_page(page: StaffPage) -> HTMLResponse:
    service.require_auditor(page.user)
    filters = Filters.read(page.request.query_params, ACCESS_FIELDS)
    number = page_number(filters)
    query = access_query(page.session, page.ctx, page.user, filters)
    if query is None:
        return page.render(
            "audit_access.html",
            status=422,
            here="access",
            filters=filters,
            result=None,
            what=WHAT_WAS_READ,
        )
    rows = access_rows(paged(page.session, query, number))
    result = Page(rows[:PAGE_SIZE], number, more=len(rows) > PAGE_SIZE)
    return page.render(
        "audit_access.html", here="access", filters=filters, result=result, what=WHAT_WAS_READ
    )


@router.get("/app/audit/access.csv")
def access_download(page: StaffPage) -> Response:
    """Every row the filters name (not one page), as the page shows them."""
    service.require_auditor(page.user)
    filters = Filters.read(page.request.query_params, ACCESS_FIELDS[:-1])
    query = access_query(page.session, page.ctx, page.user, filters)
    if query is None:
        raise filters.error()
    rows = access_rows(list(page.session.execute(query.limit(MAX_CSV_ROWS + 1))))
    if len(rows) > MAX_CSV_ROWS:
        filters.fail("from", f"more than {MAX_CSV_ROWS:,} rows match: narrow the dates")
        raise filters.error()
    name = f"access-log-{page.runtime.clock.today().isoformat()}.csv"
    headers = {
        **SECURITY_HEADERS,
        "Cache-Control": STAFF_CACHE,
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return Response(access_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


# -- sign-ins -------------------------------------------------------------------------


@router.get("/app/audit/sign-ins", response_class=HTMLResponse)
def sign_ins_page(page: StaffPage) -> HTMLResponse:
    service.require_auditor(page.user)
    filters = Filters.read(page.request.query_params, SIGN_IN_FIELDS)
    number = page_number(filters)
    query = sign_in_query(page.session, filters)
    outcomes = [(o.value, o.value.replace("_", " ").capitalize()) for o in SignInOutcome]
    if query is None:
        return page.render(
            "audit_sign_ins.html",
            status=422,
            here="sign-ins",
            filters=filters,
            outcomes=outcomes,
            result=None,
        )
    rows = [row for (row,) in paged(page.session, query, number)]
    result = Page(rows[:PAGE_SIZE], number, more=len(rows) > PAGE_SIZE)
    return page.render(
        "audit_sign_ins.html", here="sign-ins", filters=filters, outcomes=outcomes, result=result
    )
