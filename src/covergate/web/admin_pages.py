"""The admins' pages: every user, and adding one (one user's page: ``admin_user``).

Admins only, as the API's ``/api/v1/admin`` routes (``users/routes.py``): everyone
else gets 403 naming who may. Admins manage accounts and never see subject data:
nothing here reads a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from covergate.agencies import service as agencies
from covergate.agencies.models import Agency
from covergate.clock import Clock
from covergate.courts import registry as courts
from covergate.courts.models import Court
from covergate.errors import CovergateError, InvalidInput, NotFound
from covergate.signin.models import Passkey, Password
from covergate.users import service
from covergate.users.models import ApiToken, User
from covergate.users.schemas import Delegation, Role
from covergate.web.admin_common import require_admin
from covergate.web.admin_user import router as user_router
from covergate.web.staff import StaffContext, StaffForm, StaffPage

router = APIRouter(include_in_schema=False)

NEW_USER_FIELDS = ("email", "name", "role", "agency", "court", "delegation")


@dataclass(frozen=True)
class UserRow:
    """A user as the list shows them, with counts of their credentials."""

    user: User
    tokens: int  # neither revoked nor expired (as the API's ``tokens``)
    passkeys: int
    has_password: bool


def user_rows(session: Session, clock: Clock) -> list[UserRow]:
    unexpired = or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > clock.now())
    tokens: dict[int, int] = {
        uid: n
        for uid, n in session.execute(
            select(ApiToken.user_id, func.count())
            .where(ApiToken.revoked_at.is_(None), unexpired)
            .group_by(ApiToken.user_id)
        )
    }
    keys: dict[int, int] = {
        uid: n
        for uid, n in session.execute(
            select(Passkey.user_id, func.count()).group_by(Passkey.user_id)
        )
    }
    passwords = set(session.scalars(select(Password.user_id)))
    return [
        UserRow(u, tokens.get(u.id, 0), keys.get(u.id, 0), u.id in passwords)
        for u in service.list_users(session=session)
    ]


def _words(value: Role | Delegation) -> str:
    return value.value.replace("_", " ").capitalize()


def _users_page(
    page: StaffContext,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "admin_users.html",
        status=status,
        here="users",
        rows=user_rows(page.session, page.runtime.clock),
        values=values or dict.fromkeys(NEW_USER_FIELDS, ""),
        errors=errors or {},
        roles=[(r.value, _words(r)) for r in Role],
        delegations=[(d.value, _words(d)) for d in Delegation],
        agencies=[(a.name, a.name) for a in agencies.list_agencies(session=page.session)],
        courts=[(c.name, c.name) for c in courts.list_courts(session=page.session)],
    )


@router.get("/app/admin/users", response_class=HTMLResponse)
def users_page(page: StaffPage) -> HTMLResponse:
    require_admin(page.user)
    return _users_page(page)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("choose a role from the list", field="role") from None


def _delegation(value: str) -> Delegation | None:
    if not value:
        return None
    try:
        return Delegation(value)
    except ValueError:
        raise InvalidInput("choose a delegation from the list", field="delegation") from None


def _agency(session: Session, name: str) -> Agency:
    try:
        return agencies.get_by_name(session=session, name=name)
    except NotFound as exc:
        raise InvalidInput(exc.message, field="agency") from None


def _court(session: Session, name: str) -> Court:
    try:
        return courts.get_court_by_name(session=session, name=name)
    except NotFound as exc:
        raise InvalidInput(exc.message, field="court") from None


def _add(form: StaffContext, values: dict[str, str]) -> User:
    """The API's checks and errors (``users.service.add_user``), from the form."""
    session = form.session
    if not values["role"]:
        raise InvalidInput("choose a role", field="role")
    role, delegation = _role(values["role"]), _delegation(values["delegation"])
    agency = _agency(session, values["agency"]) if values["agency"] else None
    court = _court(session, values["court"]) if values["court"] else None
    return service.add_user(
        session=session,
        clock=form.runtime.clock,
        email=values["email"],
        name=values["name"],
        role=role,
        agency=agency,
        delegation=delegation,
        court=court,
    )


@router.post("/app/admin/users")
def create_user(form: StaffForm) -> Response:
    require_admin(form.user)
    values = {name: form.field(name).strip() for name in NEW_USER_FIELDS}
    try:
        with form.session.begin_nested():  # a refused user leaves nothing behind
            user = _add(form, values)
    except CovergateError as exc:
        # A taken email is a Conflict (409) without a field: it is the email's.
        errors = {exc.field if exc.field in NEW_USER_FIELDS else "email": exc.message}
        return _users_page(form, values=values, errors=errors, status=exc.status)
    return form.done(
        f"/app/admin/users/{user.id}",
        f"User {user.email} added. They have no password yet: issue them a one-time "
        "sign-in link below, and they set a password on their account page.",
    )


router.include_router(user_router)
