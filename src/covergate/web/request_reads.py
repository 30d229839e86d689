"""Reading a request's subject data and its sealed notes, each after a stated reason.

The request page shows no subject data. A panel asks "Why do you need the subject's
data?"; the reason goes by POST (never in a URL, which lands in server logs) to the
same access-logged functions the API calls (``documents.full_document``, or
``recording_view`` for an observer; ``notes.read_notes``), and the answer is a page
that says the read was written to the access log. A missing or short reason is the
service's error, shown next to the field (422), and nothing is logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from covergate.errors import InvalidInput
from covergate.lifecycle import access, documents
from covergate.lifecycle.models import Request
from covergate.requests import notes, service
from covergate.users.schemas import Role
from covergate.web.panels import Panel, panel
from covergate.web.request_view import (
    OUTCOME_WORDS,
    Fact,
    facts_of,
    request_url,
    show_again,
)
from covergate.web.staff import StaffContext, StaffForm

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Who reads the document: ``full_document`` (everyone who sees the request but an
#: observer) and ``recording_view`` (an observer). Admins see no request.
_DOCUMENT_READERS = (
    Role.REQUESTER,
    Role.REVIEWER,
    Role.APPROVER,
    Role.AUDITOR,
    Role.COURT,
    Role.OBSERVER,
)
#: Who reads notes (``notes.read_notes``): the agency reads only the decisions' reasons.
_NOTE_READERS = (Role.REQUESTER, Role.REVIEWER, Role.APPROVER, Role.AUDITOR)


def _reason_form(form: str, request: Request, **context: Any) -> Panel:
    return Panel(
        "panels/subject.html",
        {
            "form": form,
            "action": f"{request_url(request.public_id)}/{form}",
            "reason": "",
            "error": None,
            "error_field": None,
            **context,
        },
    )


@panel(*_DOCUMENT_READERS)
def subject_panel(page: StaffContext, request: Request) -> Panel | None:
    if request.destroyed_on is not None:
        return None
    observer = page.user.role is Role.OBSERVER
    return _reason_form(
        "subject",
        request,
        heading="Where to record" if observer else "Subject data",
        intro=(
            "The covered address and the attorneys' addresses (never recorded) are "
            "shown after you say why you need them."
            if observer
            else "The subject's name, address and attorneys and the facts statement are "
            "shown after you say why you need them."
        ),
        question="Why do you need the subject's data?",
        button="Show the subject's data",
    )


@panel(*_NOTE_READERS)
def notes_panel(page: StaffContext, request: Request) -> Panel | None:
    if request.destroyed_on is not None:
        return None
    has_decisions = bool(service.decisions(session=page.session, request=request))
    has_note = request.review_note_ct is not None or request.review_note is not None
    if not has_decisions and not (has_note and page.user.role is not Role.REQUESTER):
        return None
    requester = page.user.role is Role.REQUESTER
    return _reason_form(
        "notes",
        request,
        heading="Decision reasons" if requester else "Sealed notes",
        intro=(
            "The reasons the approver gave are sealed: they are shown after you say why "
            "you need them."
            if requester
            else "The reviewer's note and the decisions' reasons and justifications are "
            "sealed: they are shown after you say why you need them."
        ),
        question="Why do you need the notes?",
        button="Show the notes",
    )


def _again(page: StaffContext, request: Request, form: str, exc: InvalidInput) -> HTMLResponse:
    """The request page again, with the refused reason and its error in its panel."""
    return show_again(
        page,
        request,
        form,
        exc,
        fields=frozenset({"reason"}),
        values={"reason": page.field("reason")},
    )


def _read_page(
    page: StaffContext, request: Request, title: str, sections: list[tuple[str, list[Fact]]]
) -> HTMLResponse:
    return page.render(
        "request_read.html",
        here="requests",
        title=title,
        request_id=request.public_id,
        reason=page.field("reason").strip(),
        read_at=page.ctx.clock.now().strftime("%Y-%m-%d %H:%M UTC"),
        sections=sections,
    )


@router.post("/app/requests/{public_id}/subject", response_class=HTMLResponse)
def read_subject(public_id: str, form: StaffForm) -> HTMLResponse:
    request = access.get_visible(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    reason = form.field("reason")
    try:
        if form.user.role is Role.OBSERVER:
            data = documents.recording_view(
                session=form.session, ctx=form.ctx, actor=form.user, request=request, reason=reason
            ).to_json()
            data.pop("id", None)
        else:
            data = documents.full_document(
                session=form.session, ctx=form.ctx, actor=form.user, request=request, reason=reason
            ).model_dump(mode="json")
    except InvalidInput as exc:
        return _again(form, request, "subject", exc)
    if form.user.role is Role.OBSERVER:
        return _read_page(form, request, "Where to record", [("The cover", facts_of(data))])
    return _read_page(form, request, "Subject data", [("The request document", facts_of(data))])


@router.post("/app/requests/{public_id}/notes", response_class=HTMLResponse)
def read_notes(public_id: str, form: StaffForm) -> HTMLResponse:
    request = access.get_visible(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    try:
        found = notes.read_notes(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            reason=form.field("reason"),
        )
    except InvalidInput as exc:
        return _again(form, request, "notes", exc)
    sections: list[tuple[str, list[Fact]]] = []
    if form.user.role is not Role.REQUESTER:
        sections.append(("Reviewer's note", [Fact("Note", found.review_note or "none")]))
    rows = service.decisions(session=form.session, request=request)
    for number, (row, sealed) in enumerate(zip(rows, found.decisions, strict=True), 1):
        facts = [Fact("Reasons", sealed.reasons or "none given")]
        if form.user.role is not Role.REQUESTER:
            justified = tuple(Fact(rule, text) for rule, text in sealed.justifications.items())
            facts.append(Fact("Justifications", "none" if not justified else "", None, justified))
        heading = (
            f"Decision {number}: {OUTCOME_WORDS[row.outcome]} on "
            f"{row.decided_at.date().isoformat()}"
        )
        sections.append((heading, facts))
    return _read_page(form, request, "Sealed notes", sections)
