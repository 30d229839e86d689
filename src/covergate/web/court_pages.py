"""The court's pages: the orders that name its court, and deciding on one.

Each action is the API's (``courts.routes``, ``notices.routes``): the same service
calls with the same checks and errors. A user of another court gets NotFound from
the service, as if the order did not exist.

- ``GET /app/court/orders``: the court's orders, by state (``courts.service.court_orders``);
- ``GET /app/court/orders/{id}``: one order, its notice, and the forms below;
- ``POST .../request``: the request's whole document (``show_order``, access-logged);
- ``POST .../document``: the order's uploaded document as a download (access-logged);
- ``POST .../confirm``, ``.../refuse``, ``.../unseal``: the court's decision and seal;
- ``POST .../notice-delay``: an order delaying notice to the subject (``notices.service.delay``).
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from covergate.courts import filing, service, views
from covergate.courts.models import CourtOrder
from covergate.courts.schemas import ConfirmInput, RefuseInput
from covergate.document import RequestDocument
from covergate.errors import InvalidInput, RuleViolation
from covergate.lifecycle import access
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import NoticeState, OrderState
from covergate.notices import reading
from covergate.notices import service as notices
from covergate.notices.schemas import DelayInput
from covergate.users.schemas import Role
from covergate.web.observe_forms import FormErrors, messages_of
from covergate.web.panels import Panel, panel
from covergate.web.render import SECURITY_HEADERS, STAFF_CACHE
from covergate.web.staff import StaffContext, StaffForm, StaffPage

router = APIRouter(include_in_schema=False)

PREFIX = "/app/court/orders"
#: The fields of each form on the order page; a field's id is ``form-field``.
FORMS: dict[str, tuple[str, ...]] = {
    "request": ("reason",),
    "document": ("reason",),
    "confirm": ("sealed_until",),
    "refuse": ("reasons", "sealed_until"),
    "delay": ("until", "docket", "reasons"),
}


Input = TypeVar("Input", bound=BaseModel)


class FormRefused(Exception):
    """A form's input was refused; ``errors`` maps field ids to messages."""

    def __init__(self, values: dict[str, str], errors: FormErrors) -> None:
        super().__init__("; ".join(errors.values()))
        self.values = values
        self.errors = errors


def _values(form: StaffContext, name: str) -> dict[str, str]:
    return {f"{name}-{field}": form.field(field) for field in FORMS[name]}


def _validated(
    form: StaffContext, name: str, model: type[Input], optional: tuple[str, ...] = ()
) -> Input:
    """The form as the API's input model (its date fields blank -> None)."""
    values = _values(form, name)
    data = {
        f: (form.field(f).strip() or None) if f in optional else form.field(f) for f in FORMS[name]
    }
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = messages_of(exc, lambda loc: f"{name}-{loc[0] if loc else ''}")
        raise FormRefused(values, errors) from None


def _refused(form: StaffContext, name: str, exc: InvalidInput | RuleViolation) -> FormRefused:
    """A service's refusal of a field of the form ``name``; re-raised if it names none.

    These services check every field before they write anything, so the page may
    show the form again (and commit) without a partial change.
    """
    if exc.field not in FORMS[name]:
        raise exc
    message = exc.message.removeprefix(f"{exc.field}: ")
    return FormRefused(_values(form, name), {f"{name}-{exc.field}": message})


def _again(
    form: StaffContext, public_id: str, name: str, exc: FormRefused | InvalidInput | RuleViolation
) -> HTMLResponse:
    """The order page again (422), the form ``name`` with what was typed and why not."""
    refused = exc if isinstance(exc, FormRefused) else _refused(form, name, exc)
    request, found = _find(form, public_id)
    return order_page(
        form, request, found, status=422, values=refused.values, errors=refused.errors
    )


# --- the list --------------------------------------------------------------------------


@router.get(PREFIX, response_class=HTMLResponse)
def order_list(page: StaffPage, state: str = "", offset: int = 0) -> HTMLResponse:
    chosen: OrderState | None = None
    if state:
        try:
            chosen = OrderState(state)
        except ValueError:
            names = ", ".join(s.value for s in OrderState)
            raise InvalidInput(f"state must be one of {names}", field="state") from None
    rows = service.court_orders(session=page.session, actor=page.user, state=chosen, offset=offset)
    court = page.user.court.name if page.user.court else ""
    return page.render(
        "court_orders.html",
        here="orders",
        court=court,
        orders=[views.order_as_dict(page.ctx, request, order) for order, request in rows],
        state=chosen.value if chosen else "",
        states=list(OrderState),
        offset=offset,
        next_offset=offset + 100 if len(rows) == 100 else None,
        previous_offset=max(offset - 100, 0) if offset > 0 else None,
    )


# --- one order -------------------------------------------------------------------------


def _find(page: StaffContext, public_id: str) -> tuple[Request, CourtOrder]:
    return service.find_order(
        session=page.session, ctx=page.ctx, actor=page.user, public_id=public_id
    )


def order_page(
    page: StaffContext,
    request: Request,
    order: CourtOrder,
    *,
    status: int = 200,
    document: RequestDocument | None = None,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
) -> HTMLResponse:
    notice = notices.notice_of(session=page.session, request=request)
    shown = dict.fromkeys((f"{n}-{f}" for n, fs in FORMS.items() for f in fs), "")
    shown.update(values or {})
    return page.render(
        "court_order.html",
        status=status,
        here="orders",
        order=views.order_as_dict(page.ctx, request, order),
        deciding=order.state is OrderState.FILED,
        sealed=service.is_sealed(order),
        has_document=order.document_ct is not None,
        notice=None
        if notice is None
        else reading.notice_view(
            session=page.session, ctx=page.ctx, notice=notice, request=request
        ),
        delayable=notice is not None and notice.state is not NoticeState.MAILED,
        delay_days=page.ctx.policy.authority.notice_delay.days or 0,
        document=document,
        values=shown,
        errors=errors or {},
    )


@router.get(PREFIX + "/{public_id}", response_class=HTMLResponse)
def order(public_id: str, page: StaffPage) -> HTMLResponse:
    request, found = _find(page, public_id)
    return order_page(page, request, found)


@router.post(PREFIX + "/{public_id}/request", response_class=HTMLResponse)
def read_request(public_id: str, form: StaffForm) -> HTMLResponse:
    """The request's whole document, as ``GET /api/v1/court/orders/{id}`` gives it."""
    request, found = _find(form, public_id)
    try:
        document = service.show_order(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            reason=form.field("reason"),
        )
    except InvalidInput as exc:  # the reason: refused before the access record is added
        return _again(form, public_id, "request", exc)
    return order_page(form, request, found, document=document)


@router.post(PREFIX + "/{public_id}/document", response_model=None)
def download(public_id: str, form: StaffForm) -> Response:
    """The order's uploaded document, as an attachment (the read is access-logged)."""
    request, _found = _find(form, public_id)
    try:
        data = service.read_document(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            reason=form.field("reason"),
        )
    except InvalidInput as exc:
        return _again(form, public_id, "document", exc)
    pdf = data.startswith(b"%PDF-")
    name = f"order-{request.public_id}.{'pdf' if pdf else 'bin'}"
    return Response(
        content=data,
        media_type="application/pdf" if pdf else "application/octet-stream",
        headers={
            **SECURITY_HEADERS,
            "Cache-Control": STAFF_CACHE,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


def _back(public_id: str) -> str:
    return f"{PREFIX}/{public_id}"


@router.post(PREFIX + "/{public_id}/confirm", response_model=None)
def confirm(public_id: str, form: StaffForm) -> Response:
    request, _found = _find(form, public_id)
    try:
        body = _validated(form, "confirm", ConfirmInput, optional=("sealed_until",))
        service.confirm(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            sealed_until=body.sealed_until,
        )
    except (FormRefused, InvalidInput) as exc:
        return _again(form, public_id, "confirm", exc)
    seal = f", sealed until {body.sealed_until}" if body.sealed_until else ""
    return form.done(_back(public_id), f"Order confirmed{seal}.")


@router.post(PREFIX + "/{public_id}/refuse", response_model=None)
def refuse(public_id: str, form: StaffForm) -> Response:
    request, _found = _find(form, public_id)
    try:
        body = _validated(form, "refuse", RefuseInput, optional=("sealed_until",))
        service.refuse(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            reasons=body.reasons,
            sealed_until=body.sealed_until,
        )
    except (FormRefused, InvalidInput) as exc:
        return _again(form, public_id, "refuse", exc)
    seal = f", sealed until {body.sealed_until}" if body.sealed_until else ""
    return form.done(_back(public_id), f"Order refused{seal}. Your reasons are sealed.")


@router.post(PREFIX + "/{public_id}/unseal", response_model=None)
def unseal(public_id: str, form: StaffForm) -> Response:
    request, _found = _find(form, public_id)
    service.unseal(session=form.session, ctx=form.ctx, actor=form.user, request=request)
    return form.done(_back(public_id), "Order unsealed: the public log now names it.")


@router.post(PREFIX + "/{public_id}/notice-delay", response_model=None)
def delay_notice(public_id: str, form: StaffForm) -> Response:
    """As ``POST /api/v1/requests/{id}/notice/delay``: at most the policy's days."""
    request = access.get_visible(
        session=form.session, ctx=form.ctx, actor=form.user, public_id=public_id
    )
    try:
        body = _validated(form, "delay", DelayInput)
        order_row = notices.delay(
            session=form.session,
            ctx=form.ctx,
            actor=form.user,
            request=request,
            until=body.until,
            docket=body.docket,
            reasons=body.reasons,
        )
    except (FormRefused, InvalidInput, RuleViolation) as exc:
        return _again(form, public_id, "delay", exc)
    return form.done(
        _back(public_id),
        f"Notice delayed until {order_row.delays_until} ({order_row.days} days).",
    )


@panel(Role.COURT)
def order_panel(page: StaffContext, request: Request) -> Panel | None:
    """On the request page: the way to this court's order of the request."""
    found = filing.order_of(session=page.session, request=request)
    if found is None or found.court_id != page.user.court_id:
        return None
    return Panel(
        "panels/court_order.html",
        {"public_id": request.public_id, "state": found.state},
    )
