"""Adding, listing, disabling and enabling users; issuing, listing, revoking and
authenticating their tokens.

Only admins manage accounts: the API checks the role before it calls these
(``users/routes.py``); the CLI's account commands are the operator's, like
``user add``. Every function takes ``*, session`` and flushes; the caller commits.
A revocation or a disabling is seen by the very next :func:`authenticate`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from covergate.agencies.models import Agency
from covergate.clock import Clock
from covergate.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from covergate.textchecks import no_control
from covergate.users.models import ApiToken, User
from covergate.users.schemas import Delegation, Role, TokenId, TokenStatus, with_article

if TYPE_CHECKING:
    from covergate.courts.models import Court

TOKEN_PREFIX = "cg_"  # noqa: S105 (a prefix, not a secret)
TOKEN_ID_BYTES = 6  # 12 hex digits: a 1 in 2**48 chance that two tokens share an id
MAX_EXPIRY_DAYS = 3650
MAX_LABEL = 100
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOKEN_ID = re.compile(rf"^[0-9a-f]{{{2 * TOKEN_ID_BYTES}}}$")
_DAYS = re.compile(r"^\d+d?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def one_line(value: str, *, field: str) -> str:
    """``value``, or InvalidInput naming ``field`` if it holds a control character.

    Emails, names and labels are shown on admins' terminals and pages and stored as
    given: a NUL (refused by PostgreSQL) or an escape sequence has no place in them.
    The API refuses the same at its schema; this guards the CLI and the web forms.
    """
    try:
        return no_control(value)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def add_user(
    *,
    session: Session,
    clock: Clock,
    email: str,
    name: str,
    role: Role,
    agency: Agency | None = None,
    delegation: Delegation | None = None,
    court: Court | None = None,
) -> User:
    """Add a user. Requesters belong to an agency; only approvers hold a delegation;
    a court's user (role ``court``) serves exactly one court."""
    one_line(email, field="email")
    one_line(name.strip(), field="name")
    if not _EMAIL.match(email):
        raise InvalidInput(f"not an email address: {email!r}", field="email")
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    if role is Role.REQUESTER and agency is None:
        raise InvalidInput("a requester must belong to an agency (--agency)", field="agency")
    if role is not Role.REQUESTER and agency is not None:
        raise InvalidInput(f"{with_article(role)} does not belong to an agency", field="agency")
    if role is Role.APPROVER and delegation is None:
        raise InvalidInput(
            "an approver needs a written delegation (--delegation), 39 CFR 233.3(d)",
            field="delegation",
        )
    if role is not Role.APPROVER and delegation is not None:
        raise InvalidInput(f"{with_article(role)} cannot hold a delegation", field="delegation")
    if role is Role.COURT and court is None:
        raise InvalidInput("a court's user serves one registered court (--court)", field="court")
    if role is not Role.COURT and court is not None:
        raise InvalidInput(f"{with_article(role)} does not belong to a court", field="court")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        delegation=delegation,
        agency_id=agency.id if agency else None,
        court_id=court.id if court else None,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def get_by_email(*, session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user


def create_token(
    *,
    session: Session,
    clock: Clock,
    user: User,
    label: str = "cli",
    expires_at: datetime | None = None,
) -> str:
    """Issue a new bearer token; only its digest is stored, the token is shown once.

    ``expires_at`` (see :func:`expiry`) is when it stops working; None: never.
    """
    _row, token = issue_token(
        session=session, clock=clock, user=user, label=label, expires_at=expires_at
    )
    return token


def issue_token(
    *,
    session: Session,
    clock: Clock,
    user: User,
    label: str = "cli",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """:func:`create_token`, also giving the stored row (to show its id and expiry)."""
    one_line(label, field="label")
    if len(label) > MAX_LABEL:  # the column's width: longer would fail on PostgreSQL
        raise InvalidInput(f"label: at most {MAX_LABEL} characters", field="label")
    if expires_at is not None and expires_at <= clock.now():
        raise InvalidInput("a token's expiry must be in the future", field="expires")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        digest=token_digest(token),
        label=label,
        created_at=clock.now(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, token


def expiry(value: int | date, *, clock: Clock) -> datetime:
    """When a token issued now stops working: after ``value`` days, or at the end
    of the day ``value`` (midnight UTC after it)."""
    if isinstance(value, date):
        if value < clock.today():
            raise InvalidInput(f"the expiry date {value} is in the past", field="expires")
        days = (value - clock.today()).days
        end = datetime.combine(value + timedelta(days=1), time(), tzinfo=UTC)
    elif value < 1:
        raise InvalidInput("a token must be valid for at least 1 day", field="expires")
    else:
        days = value
        end = clock.now() + timedelta(days=value)
    if days > MAX_EXPIRY_DAYS:
        raise InvalidInput(
            f"a token may be valid for at most {MAX_EXPIRY_DAYS} days", field="expires"
        )
    return end


def parse_expiry(text: str, *, clock: Clock) -> datetime:
    """``"30"`` or ``"30d"``: in 30 days; ``"2027-01-31"``: valid through that day (UTC)."""
    value = text.strip()
    if _DAYS.match(value):
        return expiry(int(value.removesuffix("d")), clock=clock)
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"not a date: {value!r}", field="expires") from None
        return expiry(day, clock=clock)
    raise InvalidInput(
        f"an expiry is a number of days or a date (30, 30d, 2027-01-31), not {text!r}",
        field="expires",
    )


def token_id(row: ApiToken) -> TokenId:
    """The token's public name (:data:`covergate.users.schemas.TokenId`)."""
    return _short_id(row.digest)


def _short_id(digest: bytes) -> TokenId:
    return TokenId(digest[:TOKEN_ID_BYTES].hex())


def token_status(row: ApiToken, *, clock: Clock) -> TokenStatus:
    if row.revoked_at is not None:
        return TokenStatus.REVOKED
    if row.expires_at is not None and clock.now() >= row.expires_at:
        return TokenStatus.EXPIRED
    if row.user.disabled_at is not None:
        return TokenStatus.USER_DISABLED
    return TokenStatus.ACTIVE


def authenticate(*, session: Session, token: str | None, clock: Clock) -> User:
    """The token's user, or AuthenticationFailed saying why (revoked, expired, disabled).

    ``clock`` (the injected one, as for every timer) decides expiry.
    """
    if not token:
        raise AuthenticationFailed("a bearer token is required")
    # One query: the token with its user (and the user's agency) joined
    # (``lazy="joined"`` on both), a statement built once.
    row = session.scalar(_BY_DIGEST, {"digest": token_digest(token.strip())})
    if row is None:
        raise AuthenticationFailed("the token is not valid")
    status = token_status(row, clock=clock)
    if status is TokenStatus.REVOKED and row.revoked_at is not None:
        raise AuthenticationFailed(
            f"the token is not valid: it was revoked on {_at(row.revoked_at)}"
        )
    if status is TokenStatus.EXPIRED and row.expires_at is not None:
        raise AuthenticationFailed(
            f"the token is not valid: it expired on {_at(row.expires_at)}; "
            "ask an admin for a new one"
        )
    if status is TokenStatus.USER_DISABLED:
        raise AuthenticationFailed(
            f"the token is not valid: the account {row.user.email} is disabled"
        )
    return row.user


_BY_DIGEST = select(ApiToken).where(ApiToken.digest == bindparam("digest"))


def list_tokens(
    *,
    session: Session,
    user: User | None = None,
    active_only: bool = False,
    clock: Clock,
) -> list[ApiToken]:
    """Tokens, oldest first; ``active_only``: only those that sign in now (by ``clock``)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    if active_only:
        now = clock.now()
        query = query.join(User, User.id == ApiToken.user_id).where(
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            User.disabled_at.is_(None),
        )
    return list(session.scalars(query))


def get_token(*, session: Session, token_id: str) -> ApiToken:
    """A token by its id (:func:`token_id`), or by the token itself (``cg_...``)."""
    text = token_id.strip()
    if text.startswith(TOKEN_PREFIX):
        row = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(text)))
        if row is None:
            raise NotFound("no such token")
        return row
    if not _TOKEN_ID.match(text):
        raise InvalidInput(
            f"not a token id: {text!r} (12 hex digits, as `token list` shows)", field="token_id"
        )
    prefix = func.substr(ApiToken.digest, 1, TOKEN_ID_BYTES)
    rows = list(session.scalars(select(ApiToken).where(prefix == bytes.fromhex(text)).limit(2)))
    if not rows:
        raise NotFound(f"no token {text}")
    if len(rows) > 1:
        raise Conflict(f"two tokens share the id {text}; revoke by the token itself")
    return rows[0]


def revoke_token(*, session: Session, clock: Clock, token_id: str) -> ApiToken:
    """Revoke a token at once (the next request with it is refused); it cannot be undone."""
    row = get_token(session=session, token_id=token_id)
    if row.revoked_at is not None:
        raise Conflict(
            f"token {_short_id(row.digest)} was already revoked on {_at(row.revoked_at)}"
        )
    row.revoked_at = clock.now()
    session.flush()
    return row


def revoke_tokens_of(*, session: Session, clock: Clock, users: Sequence[User]) -> int:
    """Revoke every unrevoked token of ``users``; how many were revoked."""
    rows = session.scalars(
        select(ApiToken).where(
            ApiToken.user_id.in_([u.id for u in users]), ApiToken.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = clock.now()
    session.flush()
    return len(rows)


def list_users(*, session: Session) -> list[User]:
    query = select(User).options(selectinload(User.court)).order_by(User.id)
    return list(session.scalars(query))


def disable_user(*, session: Session, clock: Clock, user: User) -> User:
    """Refuse every token of ``user`` from now on, until :func:`enable_user`."""
    if user.disabled_at is not None:
        raise Conflict(f"user {user.email} is already disabled (since {_at(user.disabled_at)})")
    user.disabled_at = clock.now()
    session.flush()
    return user


def enable_user(*, session: Session, user: User) -> User:
    """Accept ``user``'s tokens again (those not revoked or expired)."""
    if user.disabled_at is None:
        raise Conflict(f"user {user.email} is not disabled")
    user.disabled_at = None
    session.flush()
    return user


def token_as_dict(row: ApiToken, *, clock: Clock) -> dict[str, object]:
    """How a token is shown: by its id, never by its secret or any part of it."""
    return {
        "id": token_id(row),
        "user": row.user.email,
        "label": row.label,
        "created": _iso(row.created_at),
        "expires": _iso(row.expires_at),
        "revoked": _iso(row.revoked_at),
        "status": token_status(row, clock=clock).value,
    }


def user_as_dict(user: User, *, clock: Clock) -> dict[str, object]:
    """How a user is shown; ``tokens`` counts those neither revoked nor expired (a
    disabled user's work again once the user is enabled)."""
    session = Session.object_session(user)
    unexpired = or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > clock.now())
    count = select(func.count()).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), unexpired
    )
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "delegation": user.delegation.value if user.delegation else None,
        "agency": user.agency.name if user.agency else None,
        "court": user.court.name if user.court else None,
        "created": _iso(user.created_at),
        "disabled": _iso(user.disabled_at),
        "tokens": (session.scalar(count) or 0) if session is not None else None,
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at is not None else None


def _at(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
