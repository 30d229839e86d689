"""``/app/requests``: the requests a user may see, and each request's page.

- ``GET /app/requests``: the list (``access.list_visible``, as ``GET /api/v1/requests``:
  a requester sees only their agency's), filtered by state, a page at a time. No
  subject data: id, kind, state, dates, agency.
- ``GET /app/requests/{id}``: the public facts of one request (``views.detail``), its
  policy findings, decisions, court order, notice and history, then the action
  panels of the viewer's role (``web.panels``). Another agency's request is a 404.

The forms on the page are in ``request_reads`` (subject data and sealed notes, each
read after a stated reason) and ``request_actions`` (close, the package). The intake
router is included before this one, so ``/app/requests/new`` is never taken for an id.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from covergate.errors import InvalidInput
from covergate.lifecycle import access
from covergate.lifecycle.states import RequestState
from covergate.web import request_actions, request_reads
from covergate.web.request_view import Deadline, deadline, orders_and_notices, render_request
from covergate.web.routes import KIND_LABELS
from covergate.web.staff import NAV, StaffPage

__all__ = ["PAGE_SIZE", "router"]

PAGE_SIZE = 50

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Row:
    """One line of the list: public facts only."""

    public_id: str
    kind: str
    state: RequestState
    submitted: str
    deadline: Deadline | None
    agency: str


@dataclass(frozen=True)
class Query:
    state: RequestState | None
    limit: int
    offset: int

    def url(self, offset: int) -> str:
        params: dict[str, str | int] = {}
        if self.state is not None:
            params["state"] = self.state.value
        if self.limit != PAGE_SIZE:
            params["limit"] = self.limit
        if offset:
            params["offset"] = offset
        return "/app/requests" + (f"?{urlencode(params)}" if params else "")


def _number(text: str | None, name: str, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdecimal() or len(text) > 9:
        raise InvalidInput(f"{name} must be a whole number", field=name)
    return int(text)


def _query(page: StaffPage) -> Query:
    params = page.request.query_params
    raw = params.get("state") or ""
    try:
        state = RequestState(raw) if raw else None
    except ValueError:
        raise InvalidInput(
            f"state must be one of {', '.join(s.value for s in RequestState)}", field="state"
        ) from None
    limit = _number(params.get("limit"), "limit", PAGE_SIZE)
    if not 1 <= limit <= access.MAX_LIMIT:  # list_visible's own bound, checked before +1
        raise InvalidInput(f"limit must be between 1 and {access.MAX_LIMIT}", field="limit")
    offset = _number(params.get("offset"), "offset", 0)
    return Query(state, limit, offset)


@router.get("/app/requests", response_class=HTMLResponse)
def list_requests(page: StaffPage) -> HTMLResponse:
    error: InvalidInput | None = None
    try:
        query = _query(page)
        # One more than a page, to know whether there is a next one.
        ask = min(query.limit + 1, access.MAX_LIMIT)
        found = access.list_visible(
            session=page.session,
            ctx=page.ctx,
            actor=page.user,
            state=query.state,
            limit=ask,
            offset=query.offset,
        )
    except InvalidInput as exc:
        error, query, found = exc, Query(None, PAGE_SIZE, 0), []
    rows_of = found[: query.limit]
    more = len(found) > query.limit or (query.limit == access.MAX_LIMIT and len(found) == ask)
    orders, notices = orders_and_notices(page.session, [r.id for r in rows_of])
    today = page.ctx.clock.today()
    rows = [
        Row(
            public_id=r.public_id,
            kind=KIND_LABELS.get(r.kind.value, r.kind.value),
            state=r.state,
            submitted=r.received_on.isoformat(),
            deadline=deadline(r, orders.get(r.id), notices.get(r.id), today),
            agency=r.agency.name,
        )
        for r in rows_of
    ]
    return page.render(
        "requests.html",
        status=422 if error else 200,
        here="requests",
        heading=next(
            (n.label for n in NAV.get(page.user.role, ()) if n.key == "requests"), "Requests"
        ),
        rows=rows,
        states=list(RequestState),
        chosen=query.state,
        error=error,
        next_url=query.url(query.offset + query.limit) if more else None,
        previous_url=query.url(max(0, query.offset - query.limit)) if query.offset else None,
        first=query.offset + 1,
    )


@router.get("/app/requests/{public_id}", response_class=HTMLResponse)
def show_request(public_id: str, page: StaffPage) -> HTMLResponse:
    request = access.get_visible(
        session=page.session, ctx=page.ctx, actor=page.user, public_id=public_id
    )
    return render_request(page, request)


router.include_router(request_reads.router)
router.include_router(request_actions.router)
