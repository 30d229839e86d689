"""What the request pages show: facts as words, the deadline that matters now, the page.

:func:`render_request` renders a request's page (``GET /app/requests/{id}`` and every
form on it that must be shown again with its error). Nothing here reads subject
data: the facts come from ``requests.views.detail``, the same dict the API answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.courts.models import CourtOrder
from covergate.errors import InvalidInput
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import NoticeState, OrderState, RequestState
from covergate.notices.models import Notice
from covergate.requests import decisions, views
from covergate.requests.schemas import DecisionOutcome
from covergate.web.panels import Panel, panels_for
from covergate.web.routes import GROUND_LABELS, KIND_LABELS, PROCESS_LABELS
from covergate.web.staff import StaffContext

__all__ = [
    "OUTCOME_WORDS",
    "Deadline",
    "Fact",
    "deadline",
    "facts_of",
    "has_panel",
    "orders_and_notices",
    "render_request",
    "request_url",
    "show_again",
]

#: Keys of the detail dict whose values are enum values, shown as words.
_WORDS: dict[str, Mapping[str, str]] = {
    "kind": KIND_LABELS,
    "ground": GROUND_LABELS,
    "legal_process": PROCESS_LABELS,
    "type": PROCESS_LABELS,
}
_ENUM_KEYS = frozenset(
    {
        "state",
        "reason",
        "destruction_reason",
        "outcome",
        "via",
        "standard",
        "jurisdiction",
        "delegation",
        "mail_class",
    }
)
_ENUM_VALUE = re.compile(r"[a-z][a-z0-9_]*")
_LIST_WORDS = frozenset({"categories", "data_categories", "functions"})
_KEY_LABELS = {
    "id": "Request id",
    "extends": "Extends request",
    "received": "Received on",
    "start": "Asked to start on",
    "admissible": "Admissible under the policy",
    "note_sealed": "Reviewer's note (sealed)",
    "reviewer": "Reviewer",
    "observations": "Observations recorded",
    "refused_observations": "Observations refused",
    "order_due": "Court order due",
    "destroyed_on": "Data destroyed on",
    "zip": "ZIP",
    "line1": "Address line 1",
    "line2": "Address line 2",
}


OUTCOME_WORDS = {
    DecisionOutcome.APPROVE: "Approved",
    DecisionOutcome.MODIFY: "Approved as modified (narrowed)",
    DecisionOutcome.DENY: "Denied",
}


@dataclass(frozen=True)
class Fact:
    """One line of a facts list: a label and its text, or the facts nested under it."""

    label: str
    text: str = ""
    href: str | None = None
    children: tuple[Fact, ...] = ()


def _key_label(key: str, *, scalar: bool) -> str:
    # The overrides name top-level values ("received" the day, "start" the day asked for).
    words = _KEY_LABELS.get(key) if scalar else None
    return words or key.replace("_", " ").capitalize()


def _words(key: str, value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if key in _WORDS:
        return _WORDS[key].get(text, text.replace("_", " ").capitalize())
    if key in _ENUM_KEYS and _ENUM_VALUE.fullmatch(text):  # not an address's "IL"
        return text.replace("_", " ").capitalize()
    if key in _LIST_WORDS and _ENUM_VALUE.fullmatch(text):
        return text.replace("_", " ")
    return text


def _fact(key: str, value: object) -> Fact:
    if isinstance(value, Mapping):
        label = _key_label(key, scalar=False)
        return Fact(label, "" if value else "none", children=tuple(facts_of(value)))
    if isinstance(value, list | tuple):
        label = _key_label(key, scalar=False)
        if not value:
            return Fact(label, "none")
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return Fact(label, ", ".join(_words(key, v) for v in value))
        return Fact(label, children=tuple(_fact(str(i), v) for i, v in enumerate(value, 1)))
    label = _key_label(key, scalar=True)
    if key == "extends" and isinstance(value, str):
        return Fact(label, value, href=request_url(value))
    return Fact(label, _words(key, value))


def facts_of(data: Mapping[str, Any], *, skip: frozenset[str] = frozenset()) -> list[Fact]:
    """A JSON-like dict as facts, in its own order, nested dicts and lists nested."""
    return [_fact(str(k), v) for k, v in data.items() if k not in skip]


def request_url(public_id: str) -> str:
    return f"/app/requests/{public_id}"


@dataclass(frozen=True)
class Deadline:
    """The date that matters now for a request, and whether it has passed."""

    what: str
    day: date
    today: date
    binding: bool = True  # a date someone must meet (not just when something starts)

    @property
    def overdue(self) -> bool:
        return self.binding and self.day < self.today

    @property
    def late_by(self) -> int:
        return (self.today - self.day).days

    def words(self) -> str:
        text = f"{self.what} {self.day.isoformat()}"
        if self.overdue:
            days = self.late_by
            text += f", overdue by {days} day{'s' if days != 1 else ''}"
        return text


def deadline(
    request: Request, order: CourtOrder | None, notice: Notice | None, today: date
) -> Deadline | None:
    """Cover start or end, the emergency's court order, or the notice to the subject."""
    if request.destroyed_on is not None:
        return None
    state = request.state
    if state in (RequestState.SUBMITTED, RequestState.IN_REVIEW):
        return Deadline("Asked to start", request.start, today, binding=False)
    if state in (RequestState.APPROVED, RequestState.ACTIVE):
        confirmed = order is not None and order.state is OrderState.CONFIRMED
        if request.order_due is not None and not confirmed:
            return Deadline("Court order due", request.order_due, today)
        if state is RequestState.APPROVED and request.active_from is not None:
            return Deadline("Starts", request.active_from, today, binding=False)
        if request.active_until is not None:
            return Deadline("Ends", request.active_until, today)
        return None
    if notice is None:
        return None
    if notice.state is NoticeState.PENDING:
        return Deadline("Notice due", notice.due_on, today)
    if notice.state is NoticeState.DELAYED and notice.delayed_until is not None:
        return Deadline("Notice delayed until", notice.delayed_until, today, binding=False)
    return None


def orders_and_notices(
    session: Session, request_ids: list[int]
) -> tuple[dict[int, CourtOrder], dict[int, Notice]]:
    """The court orders and notices of these requests, by request id (two queries)."""
    if not request_ids:
        return {}, {}
    orders = session.scalars(select(CourtOrder).where(CourtOrder.request_id.in_(request_ids)))
    notices = session.scalars(select(Notice).where(Notice.request_id.in_(request_ids)))
    return {o.request_id: o for o in orders}, {n.request_id: n for n in notices}


def _with_retry(panels: list[Panel], retry: Mapping[str, Mapping[str, Any]]) -> list[Panel]:
    """The panels, the one named in ``retry`` (by its context's ``form``) with its error."""
    out = []
    for p in panels:
        again = retry.get(str(p.context.get("form", "")))
        out.append(replace(p, context={**p.context, **again}) if again else p)
    return out


def has_panel(page: StaffContext, request: Request, form: str) -> bool:
    return any(p.context.get("form") == form for p in panels_for(page, request))


def show_again(
    page: StaffContext,
    request: Request,
    form: str,
    exc: InvalidInput,
    *,
    fields: frozenset[str],
    values: Mapping[str, Any],
) -> HTMLResponse:
    """The request page again (422) with ``form``'s panel showing what was typed and
    the service's message next to the field it names; ``exc`` itself (its error page)
    when it names no field of that form or the panel is not on the page now. The top
    of the page sums the error up, linking to ``#{form}-panel`` (the panel's id)."""
    if exc.field not in fields or not has_panel(page, request, form):
        raise exc
    again = {**values, "error": exc.message, "error_field": exc.field}
    return render_request(
        page, request, status=422, retry={form: again}, problem=(exc.message, f"{form}-panel")
    )


def render_request(
    page: StaffContext,
    request: Request,
    *,
    status: int = 200,
    retry: Mapping[str, Mapping[str, Any]] | None = None,
    problem: tuple[str, str] | None = None,
) -> HTMLResponse:
    """The request's page. ``retry`` maps a panel's ``form`` to what to show again in it
    (the value typed and the error), for a form refused with 422; ``problem`` is that
    error and the id of its panel, summed up at the top of the page."""
    detail = views.detail(session=page.session, request=request)
    orders, notices = orders_and_notices(page.session, [request.id])
    today = page.ctx.clock.today()
    panels = _with_retry(panels_for(page, request), retry or {})
    return page.render(
        "request.html",
        status=status,
        here="requests",
        request_id=request.public_id,
        detail=detail,
        state=request.state,
        request_facts=facts_of(
            detail,
            skip=frozenset({"policy", "decisions", "history", "document", "court_order", "notice"}),
        ),
        evaluation=decisions.stored_evaluation(request),
        court_order=facts_of(detail["court_order"]) if detail["court_order"] else None,
        notice=facts_of(detail["notice"]) if detail["notice"] else None,
        document=facts_of(detail["document"], skip=frozenset({"subject"})),
        deadline=deadline(request, orders.get(request.id), notices.get(request.id), today),
        panels=panels,
        kind_words=KIND_LABELS.get(request.kind.value, request.kind.value),
        problem=problem,
        reads_subject=any(p.context.get("form") == "subject" for p in panels),
        outcome_words={o.value: words for o, words in OUTCOME_WORDS.items()},
    )
