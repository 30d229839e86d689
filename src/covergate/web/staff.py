"""What every staff page gets: the signed-in user, their session and a transaction.

A staff page takes :data:`StaffPage` (a GET) or :data:`StaffForm` (a POST):

    @router.get("/app/thing")
    def thing(page: StaffPage) -> HTMLResponse:
        return page.render("thing.html", here="thing", rows=...)

    @router.post("/app/thing")
    def change(form: StaffForm) -> Response:
        service.change(session=form.session, ctx=form.ctx, actor=form.user, ...)
        return form.done("/app/thing", "Changed.")

Both run in one transaction from the app's runtime (the caller owns it, as in the
API), with the user from the session cookie, and raise the same errors as the API:
the app's handlers turn them into HTML pages (``covergate.web.errors``). A POST
also carries the session's CSRF token and, when the browser sends one, an Origin
of this site; either wrong is refused before anything is read or written.

Until a user whose role needs a passkey has used one in this session, only the
account pages (to enrol one) are open to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from covergate.context import ServiceContext, Via
from covergate.errors import AuthenticationFailed, Forbidden
from covergate.runtime import Runtime
from covergate.signin import sessions
from covergate.signin.models import WebSession
from covergate.signin.schemas import SESSION_COOKIE, SIGN_IN_REASONS, SessionStage
from covergate.signin.service import needs_passkey
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.web.render import render

ACCOUNT_PREFIX = "/app/account"


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    label: str


#: Each role's pages, in the order of its work. The first is the role's home.
NAV: dict[Role, tuple[NavItem, ...]] = {
    Role.REQUESTER: (
        NavItem("requests", "/app/requests", "My agency's requests"),
        NavItem("new", "/app/requests/new", "New request"),
    ),
    Role.REVIEWER: (
        NavItem("queue", "/app/queue", "Work queue"),
        NavItem("requests", "/app/requests", "All requests"),
    ),
    Role.APPROVER: (
        NavItem("queue", "/app/queue", "Decisions"),
        NavItem("requests", "/app/requests", "All requests"),
    ),
    Role.OBSERVER: (NavItem("covers", "/app/covers", "Active covers"),),
    Role.AUDITOR: (
        NavItem("compliance", "/app/audit/compliance", "Compliance"),
        NavItem("access", "/app/audit/access", "Access log"),
        NavItem("sign-ins", "/app/audit/sign-ins", "Sign-ins"),
        NavItem("requests", "/app/requests", "Requests"),
    ),
    Role.ADMIN: (NavItem("users", "/app/admin/users", "Users"),),
    Role.COURT: (NavItem("orders", "/app/court/orders", "Orders"),),
}


def home_of(role: Role) -> str:
    return NAV[role][0].href


@dataclass(frozen=True)
class Me:
    """The signed-in user as the page header shows them."""

    name: str
    role_label: str
    unit: str | None
    csrf: str
    flash: str | None
    nav: tuple[NavItem, ...]


@dataclass
class StaffContext:
    """One staff request: its transaction, the user, and how to answer."""

    request: Request
    session: Session
    runtime: Runtime
    ctx: ServiceContext
    user: User
    web: WebSession
    form: FormData | None = None
    _flash: str | None = field(default=None)

    @property
    def address(self) -> str:
        return client_address(self.request)

    def me(self) -> Me:
        user = self.user
        unit = (
            user.agency.name
            if user.agency
            else user.court.name
            if user.court
            else user.delegation.value.replace("_", " ")
            if user.delegation
            else None
        )
        return Me(
            name=user.name,
            role_label=user.role.value.capitalize(),
            unit=unit,
            csrf=self.web.csrf,
            flash=self._flash,
            nav=NAV[user.role] if self.web.stage is SessionStage.ACTIVE else (),
        )

    def render(
        self, name: str, *, status: int = 200, scripts: bool = False, **context: Any
    ) -> HTMLResponse:
        """A staff page (``here`` names the navigation item to mark as current)."""
        context.setdefault("here", "")
        return render(
            name,
            status=status,
            scripts=scripts,
            staff=True,
            me=self.me(),
            csrf=self.web.csrf,
            **context,
        )

    def done(self, location: str, message: str) -> RedirectResponse:
        """After a change: 303 to ``location``, which shows ``message`` once."""
        self.web.flash = message[:300]
        return RedirectResponse(location, status_code=303)

    def field(self, name: str) -> str:
        """A form field as text ('' when absent)."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return
    expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin != expected:
        raise Forbidden(f"this form was sent from another site ({origin[:100]}); refused")


def _open(request: Request, form: FormData | None) -> Iterator[StaffContext]:
    runtime: Runtime = request.app.state.runtime
    token = request.cookies.get(SESSION_COOKIE)
    with runtime.transaction() as session:
        web = sessions.find_session(session=session, clock=runtime.clock, token=token)
        if web is None:
            raise AuthenticationFailed(
                sessions.why_ended(session=session, clock=runtime.clock, token=token)
            )
        if web.stage is SessionStage.SECOND_FACTOR:
            raise AuthenticationFailed(SIGN_IN_REASONS["passkey"])
        if form is not None:
            _check_origin(request)
            value = form.get("csrf")
            sessions.check_csrf(web, value if isinstance(value, str) else None)
        if (
            needs_passkey(web.user, required=runtime.settings.require_passkey)
            and not web.passkey_verified
            and not request.url.path.startswith(ACCOUNT_PREFIX)
        ):
            raise Forbidden(
                f"{web.user.role.value}s must use a passkey: enrol one on your account "
                f"page ({ACCOUNT_PREFIX}) first"
            )
        flash, web.flash = web.flash, None
        yield StaffContext(
            request=request,
            session=session,
            runtime=runtime,
            ctx=runtime.context(Via.WEB),
            user=web.user,
            web=web,
            form=form,
            _flash=flash,
        )


def staff_page(request: Request) -> Iterator[StaffContext]:
    yield from _open(request, None)


async def _form(request: Request) -> FormData:
    return await request.form()


def staff_form(
    request: Request, form: Annotated[FormData, Depends(_form)]
) -> Iterator[StaffContext]:
    yield from _open(request, form)


# "function": the transaction commits before the response is sent, so a failed
# commit is the answer, never a page that claims a change that did not happen.
StaffPage = Annotated[StaffContext, Depends(staff_page, scope="function")]
StaffForm = Annotated[StaffContext, Depends(staff_form, scope="function")]
