"""The auditors' filters: read from a GET form, checked, and turned into queries.

Filters come in the URL (they name staff and request ids, never subject data), so
a filtered page can be bookmarked and its CSV download names the same rows. Each
bad value is reported against the field that holds it; nothing is queried until
every field is good.

The access log's filters (user, request, dates) go beyond ``audit.service.
list_access`` (request only), so the query is here, on the same model.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext, Via
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle import access
from covergate.lifecycle.models import AccessKind, AccessRecord, Request
from covergate.signin.models import SignInEvent
from covergate.signin.schemas import SignInOutcome
from covergate.users.models import User
from covergate.users.schemas import Role

PAGE_SIZE = 50
MAX_PAGE = 10_000
#: The CSV holds every matching row, up to this many (narrow the dates for more).
MAX_CSV_ROWS = 100_000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Filters:
    """A GET form's values as typed, and what is wrong with them, by field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, params: Mapping[str, str], names: Sequence[str]) -> Filters:
        return cls({name: params.get(name, "").strip()[:300] for name in names})

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self) -> InvalidInput:
        """The first problem, as the error a page without a form would raise."""
        name, message = next(iter(self.errors.items()))
        return InvalidInput(message, field=name)

    @property
    def chosen(self) -> str:
        """The filters as a query string, without the page ('' when none is set)."""
        return self.query(page="")

    def query(self, **changes: object) -> str:
        """These filters (and ``changes``) as a query string, without empty values."""
        merged: dict[str, object] = {**self.values, **changes}
        return urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def day(filters: Filters, name: str) -> date | None:
    text = filters[name]
    if not text:
        return None
    if _DAY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    filters.fail(name, f"not a date: {text!r} (write it as YYYY-MM-DD, e.g. 2026-03-02)")
    return None


def page_number(filters: Filters) -> int:
    text = filters["page"]
    if not text:
        return 1
    if text.isdigit() and 1 <= int(text) <= MAX_PAGE:
        return int(text)
    filters.fail("page", f"not a page number: {text!r} (1 to {MAX_PAGE})")
    return 1


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


@dataclass(frozen=True)
class Page:
    """One page of rows, and whether there are more before or after it."""

    rows: list[Any]
    number: int
    more: bool

    @property
    def first(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


#: A query of any columns.
AnySelect = Select[*tuple[Any, ...]]


def paged(session: Session, query: AnySelect, number: int) -> list[Any]:
    """``PAGE_SIZE + 1`` rows from page ``number`` (the extra one says there are more)."""
    return list(session.execute(query.limit(PAGE_SIZE + 1).offset((number - 1) * PAGE_SIZE)))


# -- the access log -----------------------------------------------------------------

ACCESS_FIELDS = ("user", "request", "from", "to", "page")
CSV_HEADER = ("at", "user", "role", "request", "what", "reason", "via")


@dataclass(frozen=True)
class AccessRow:
    """One read of subject data: when, who (and their role), which request, what, why."""

    at: datetime
    user: str
    role: Role
    request: str
    what: AccessKind
    reason: str
    via: Via

    def cells(self) -> tuple[str, ...]:
        """As the API's ``audit.service.as_dict`` gives it."""
        at = self.at.isoformat(timespec="seconds")
        what, via = self.what.value, self.via.value
        return (at, self.user, self.role.value, self.request, what, self.reason, via)


def access_query(
    session: Session, ctx: ServiceContext, actor: User, filters: Filters
) -> AnySelect | None:
    """The access log's rows the filters name, newest first; None if a filter is bad."""
    query = (
        select(
            AccessRecord.at,
            User.email,
            User.role,
            Request.public_id,
            AccessRecord.what,
            AccessRecord.reason,
            AccessRecord.via,
        )
        .join(User, User.id == AccessRecord.user_id)
        .join(Request, Request.id == AccessRecord.request_id)
        .order_by(AccessRecord.id.desc())
    )
    if filters["user"]:
        user = user_by_email(session, filters["user"])
        if user is None:
            filters.fail("user", f"no user with email {filters['user']}")
        else:
            query = query.where(AccessRecord.user_id == user.id)
    if filters["request"]:
        try:
            request = access.get_visible(
                session=session, ctx=ctx, actor=actor, public_id=filters["request"], refresh=False
            )
        except NotFound as exc:
            filters.fail("request", exc.message)
        else:
            query = query.where(AccessRecord.request_id == request.id)
    start, end = day(filters, "from"), day(filters, "to")
    if start is not None and end is not None and end < start:
        filters.fail("to", f"the last day ({end}) is before the first ({start})")
    if start is not None:
        query = query.where(AccessRecord.at >= datetime.combine(start, time(), UTC))
    if end is not None:
        query = query.where(AccessRecord.at < datetime.combine(end + timedelta(1), time(), UTC))
    return query if filters.ok else None


def access_rows(rows: Sequence[Any]) -> list[AccessRow]:
    return [AccessRow(*row) for row in rows]


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would read as a formula, made plain text (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


def access_csv(rows: Sequence[AccessRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row.cells()])
    return out.getvalue()


# -- sign-ins ------------------------------------------------------------------------

SIGN_IN_FIELDS = ("user", "outcome", "page")


def sign_in_query(session: Session, filters: Filters) -> Select[SignInEvent] | None:
    """Sign-in events the filters name, newest first; None if a filter is bad.

    ``user`` matches what was typed at sign-in and, when it names an account, that
    account's events whatever was typed (a link's use, a revocation).
    """
    query = select(SignInEvent).order_by(SignInEvent.id.desc())
    if filters["outcome"]:
        try:
            outcome = SignInOutcome(filters["outcome"])
        except ValueError:
            filters.fail("outcome", f"not an outcome: {filters['outcome']!r}")
        else:
            query = query.where(SignInEvent.outcome == outcome)
    if filters["user"]:
        email = filters["user"].lower()
        user = user_by_email(session, email)
        typed = func.lower(SignInEvent.email) == email
        query = query.where(or_(typed, SignInEvent.user_id == user.id) if user else typed)
    return query if filters.ok else None
