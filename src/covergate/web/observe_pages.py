"""The observer's pages: the covers to record on, what to record, and recording.

- ``GET /app/covers``: the covers an observer may see (``lifecycle.access``: active,
  or approved and starting within a week), with their windows and counts; no
  subject data.
- ``GET /app/covers/{id}``: one cover, the step that shows what to record, and the
  form that records one mail exterior (a mail cover) or one records item.
- ``POST /app/covers/{id}/what-to-record``: the recording view (covered address,
  window, the attorneys' addresses never to record), after a stated reason; the
  read is access-logged.
- ``POST /app/covers/{id}/observations``: one observation, recorded or refused
  exactly as ``POST /api/v1/requests/{id}/observations`` does. A refusal is
  committed (counted) and shown on the page with the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from covergate.covers import service as covers
from covergate.covers.schemas import MailClass, RefusalReason
from covergate.document import DataCategory, RequestKind
from covergate.errors import InvalidInput
from covergate.lifecycle import access, documents, period
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState
from covergate.users.schemas import Role
from covergate.web.observe_forms import (
    MAIL_FIELDS,
    RECORDS_FIELDS,
    FormErrors,
    FormInvalid,
    mail_observation,
    records_item,
)
from covergate.web.panels import Panel, panel
from covergate.web.staff import StaffContext, StaffForm, StaffPage

router = APIRouter(include_in_schema=False)

#: Covers on one page of the list.
PAGE_SIZE = 100

#: Each refusal reason in the words of the page ("2 outside the window").
REFUSAL_WORDS: dict[RefusalReason, str] = {
    RefusalReason.NOT_ACTIVE: "cover not active",
    RefusalReason.OUTSIDE_WINDOW: "outside the window",
    RefusalReason.BEFORE_ORDER: "dated before the order",
    RefusalReason.WRONG_ADDRESS: "not to the covered address",
    RefusalReason.ATTORNEY_MAIL: "attorney mail",
    RefusalReason.CATEGORY_NOT_AUTHORISED: "category not authorised",
}


@dataclass(frozen=True)
class Counts:
    """What was recorded on a cover and what was refused, in numbers only."""

    recorded: int
    refused: int
    summary: str  # "3 refused so far: 2 outside the window, 1 attorney mail"


@dataclass(frozen=True)
class CoverRow:
    public_id: str
    kind: RequestKind
    state: RequestState
    active_from: date | None
    active_until: date | None
    counts: Counts


def refusal_summary(by_reason: dict[str, int]) -> str:
    """The refusals of a cover as a sentence, most frequent reason first."""
    total = sum(by_reason.values())
    if total == 0:
        return "None refused so far."
    order = list(RefusalReason)
    parts = sorted(
        ((RefusalReason(reason), n) for reason, n in by_reason.items()),
        key=lambda item: (-item[1], order.index(item[0])),
    )
    words = ", ".join(f"{n} {REFUSAL_WORDS[reason]}" for reason, n in parts)
    return f"{total} refused so far: {words}."


def counts_of(page: StaffContext, request: Request) -> Counts:
    by_reason = covers.refusal_counts(session=page.session, request=request)
    return Counts(
        recorded=covers.observation_count(session=page.session, request=request),
        refused=sum(by_reason.values()),
        summary=refusal_summary(by_reason),
    )


def _observer(page: StaffContext, doing: str) -> None:
    access.require_role(page.user, Role.OBSERVER, doing=doing)


@router.get("/app/covers", response_class=HTMLResponse)
def cover_list(page: StaffPage, offset: int = 0) -> HTMLResponse:
    _observer(page, "list the covers to record on")
    found = access.list_visible(
        session=page.session, ctx=page.ctx, actor=page.user, limit=PAGE_SIZE, offset=offset
    )
    rows: list[CoverRow] = []
    for request in found:
        # A list never shows a cover as active past its end (nor one that ended).
        period.refresh_state(session=page.session, ctx=page.ctx, request=request)
        if not access.can_see(page.user, request, ctx=page.ctx):
            continue
        rows.append(
            CoverRow(
                public_id=request.public_id,
                kind=request.kind,
                state=request.state,
                active_from=request.active_from,
                active_until=request.active_until,
                counts=counts_of(page, request),
            )
        )
    return page.render(
        "observe_covers.html",
        here="covers",
        covers=rows,
        offset=offset,
        previous_offset=max(offset - PAGE_SIZE, 0) if offset > 0 else None,
        next_offset=offset + PAGE_SIZE if len(found) == PAGE_SIZE else None,
    )


def _fields_of(request: Request) -> tuple[str, ...]:
    return MAIL_FIELDS if request.kind is RequestKind.MAIL_COVER else RECORDS_FIELDS


def cover_page(
    page: StaffContext,
    request: Request,
    *,
    status: int = 200,
    view: documents.RecordingView | None = None,
    reason: str = "",
    reason_error: str | None = None,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    refusal: str | None = None,
) -> HTMLResponse:
    """The cover's page; after a POST, with what it showed or refused."""
    context: dict[str, Any] = {
        "cover": request,
        "counts": counts_of(page, request),
        "view": view,
        "reason": reason,
        "reason_error": reason_error,
        "values": values or dict.fromkeys(_fields_of(request), ""),
        "errors": errors or {},
        "refusal": refusal,
        "recordable": request.state is RequestState.ACTIVE,
        "mail_cover": request.kind is RequestKind.MAIL_COVER,
        "mail_classes": list(MailClass),
        "categories": [DataCategory(c) for c in request.authorised_categories or []],
    }
    return page.render("observe_cover.html", status=status, here="covers", **context)


def _visible(page: StaffContext, public_id: str) -> Request:
    return access.get_visible(
        session=page.session, ctx=page.ctx, actor=page.user, public_id=public_id
    )


@router.get("/app/covers/{public_id}", response_class=HTMLResponse)
def cover(public_id: str, page: StaffPage) -> HTMLResponse:
    _observer(page, "record on covers")
    return cover_page(page, _visible(page, public_id))


@router.post("/app/covers/{public_id}/what-to-record", response_class=HTMLResponse)
def what_to_record(public_id: str, form: StaffForm) -> HTMLResponse:
    """The recording view, as ``GET /api/v1/requests/{id}/document`` gives an observer."""
    _observer(form, "record on covers")
    request = _visible(form, public_id)
    reason = form.field("reason")
    try:
        view = documents.recording_view(
            session=form.session, ctx=form.ctx, actor=form.user, request=request, reason=reason
        )
    except InvalidInput as exc:
        if exc.field != "reason":
            raise
        # check_reason refuses before the access record is added: nothing written.
        return cover_page(form, request, status=422, reason=reason, reason_error=exc.message)
    return cover_page(form, request, view=view)


@router.post("/app/covers/{public_id}/observations", response_model=None)
def record(public_id: str, form: StaffForm) -> Response:
    """One observation, as the API records it; a refusal is counted and shown."""
    request = covers.find_for_recording(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    visible = access.can_see(form.user, request, ctx=form.ctx)
    values = {name: form.field(name) for name in _fields_of(request)}
    try:
        item = (
            mail_observation(values)
            if request.kind is RequestKind.MAIL_COVER
            else records_item(values)
        )
    except FormInvalid as exc:
        if not visible:  # an ended cover: say what is wrong, show nothing of it
            raise InvalidInput(str(exc), field=next(iter(exc.errors))) from None
        return cover_page(form, request, status=422, values=values, errors=exc.errors)
    result = covers.observe(
        session=form.session, ctx=form.ctx, actor=form.user, request=request, item=item
    )
    if result.accepted:
        return form.done(
            f"/app/covers/{public_id}",
            f"Recorded: observation {result.observation_id} on {public_id}.",
        )
    # The refusal is counted in this transaction, which commits with the page.
    words = REFUSAL_WORDS[result.reason] if result.reason else "refused"
    message = (
        f"Refused ({words}): {result.message}. Nothing of it was kept; the refusal is counted."
    )
    if not visible:
        return form.done("/app/covers", message)
    return cover_page(form, request, status=422, values=values, refusal=message)


@panel(Role.OBSERVER)
def recording_panel(page: StaffContext, request: Request) -> Panel | None:
    """On the request page (which an observer sees only for the covers they may see):
    the way to the cover's recording page."""
    return Panel("panels/observe_cover.html", {"public_id": request.public_id})
