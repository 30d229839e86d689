"""``/app``: each role's home, and the account page every user has.

The account page lists the user's passkeys, with a form to enrol one (run by
/static/passkey.js, so the page allows that script) and a button to remove each;
the passkey routes are in ``covergate.signin.passkey_routes``.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from covergate.errors import CovergateError, InvalidInput
from covergate.signin import service as signin
from covergate.web.staff import StaffContext, StaffForm, StaffPage, home_of

router = APIRouter(include_in_schema=False)


def account_page(
    page: StaffContext,
    *,
    error: CovergateError | None = None,
    label: str = "",
    remove_id: int | None = None,
) -> HTMLResponse:
    """The account page; with ``error``, a 422 (or the error's status) naming its field.

    ``label`` keeps the passkey name the user typed; ``remove_id`` is the passkey
    whose removal was refused.
    """
    keys = signin.passkeys_of(session=page.session, user=page.user)
    needs = signin.needs_passkey(page.user, required=page.runtime.settings.require_passkey)
    return page.render(
        "account.html",
        status=error.status if error else 200,
        scripts=True,  # /static/passkey.js enrols passkeys
        here="account",
        passkeys=keys,
        has_password=signin.has_password(session=page.session, user=page.user),
        needs_passkey=needs,
        passkey_verified=page.web.passkey_verified,
        home=home_of(page.user.role),
        error_field=(error.field or "") if error else "",
        error_message=error.message if error else "",
        label=label,
        remove_id=remove_id,
    )


@router.get("/app")
def home(page: StaffPage) -> RedirectResponse:
    return RedirectResponse(home_of(page.user.role), status_code=303)


@router.get("/app/account", response_class=HTMLResponse)
def account(page: StaffPage) -> HTMLResponse:
    return account_page(page)


@router.post("/app/account/password")
def change_password(form: StaffForm) -> Response:
    new, again = form.field("password"), form.field("again")
    try:
        if new != again:
            raise InvalidInput("the two passwords differ", field="again")
        signin.set_password(
            session=form.session, clock=form.runtime.clock, user=form.user, password=new
        )
    except InvalidInput as exc:
        return account_page(form, error=exc)
    return form.done("/app/account", "Your password is changed.")
