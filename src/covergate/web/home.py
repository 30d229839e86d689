"""``/app``: each role's home, and the account page every user has."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from covergate.errors import InvalidInput
from covergate.signin import service as signin
from covergate.web.staff import StaffForm, StaffPage, home_of

router = APIRouter(include_in_schema=False)


@router.get("/app")
def home(page: StaffPage) -> RedirectResponse:
    return RedirectResponse(home_of(page.user.role), status_code=303)


@router.get("/app/account", response_class=HTMLResponse)
def account(page: StaffPage) -> HTMLResponse:
    keys = signin.passkeys_of(session=page.session, user=page.user)
    return page.render(
        "account.html",
        here="account",
        passkeys=keys,
        has_password=signin.has_password(session=page.session, user=page.user),
        needs_passkey=signin.needs_passkey(
            page.user, required=page.runtime.settings.require_passkey
        ),
        passkey_verified=page.web.passkey_verified,
    )


@router.post("/app/account/password")
def change_password(form: StaffForm) -> Response:
    new, again = form.field("password"), form.field("again")
    if new != again:
        raise InvalidInput("the two passwords differ", field="again")
    signin.set_password(
        session=form.session, clock=form.runtime.clock, user=form.user, password=new
    )
    return form.done("/app/account", "Your password is changed.")
