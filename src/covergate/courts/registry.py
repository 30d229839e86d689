"""The registered courts: added by an admin, named in orders, each with its users.

A court's name is published (in the order events that open an order's identity), so
it must fit the public log's pattern for court names
(:class:`covergate.lifecycle.events.OrderIdentity`). Names are unique whatever their
case: "U.S. District Court, C.D. Ill." and "u.s. district court, c.d. ill." are the
same court.

>>> check_court_name("  U.S. District Court, C.D. Ill. ")
'U.S. District Court, C.D. Ill.'
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from covergate.clock import Clock
from covergate.courts.models import Court
from covergate.errors import Conflict, InvalidInput, NotFound
from covergate.lifecycle.events import COURT_NAME  # the public log's pattern

__all__ = [
    "MAX_NAME",
    "MIN_NAME",
    "add_court",
    "check_court_name",
    "find_court",
    "get_court_by_name",
    "list_courts",
    "registered_names",
]

MIN_NAME = 2
MAX_NAME = 200
#: How many registered courts an error message lists at most.
LISTED = 10


def check_court_name(name: str) -> str:
    """The name trimmed, or InvalidInput saying what a court's name may be."""
    text = name.strip()
    if not MIN_NAME <= len(text) <= MAX_NAME or not text.isprintable():
        raise InvalidInput(
            f"a court's name is {MIN_NAME} to {MAX_NAME} printable characters", field="name"
        )
    if not COURT_NAME.fullmatch(text):
        raise InvalidInput(
            "a court's name is published when its orders are: it must start with a letter "
            "and be at most 100 letters, digits, spaces or . , & ' ( ) / -",
            field="name",
        )
    return text


def add_court(*, session: Session, clock: Clock, name: str) -> Court:
    """Register a court (admins; the caller checks the role). Conflict if it exists."""
    text = check_court_name(name)
    existing = find_court(session=session, name=text)
    if existing is not None:
        raise Conflict(f"the court {existing.name!r} is already registered")
    court = Court(name=text, created_at=clock.now())
    session.add(court)
    session.flush()
    return court


def find_court(*, session: Session, name: str) -> Court | None:
    """The court of that name, whatever its case; None if none is registered."""
    return session.scalar(_BY_NAME, {"name": name.strip().lower()})


# Built once: a submission that files an order asks for its court every time.
_BY_NAME = select(Court).where(func.lower(Court.name) == bindparam("name"))


def get_court_by_name(*, session: Session, name: str) -> Court:
    court = find_court(session=session, name=name)
    if court is None:
        raise NotFound(f"no court named {name.strip()!r} is registered")
    return court


def list_courts(*, session: Session) -> list[Court]:
    return list(session.scalars(select(Court).order_by(Court.name)))


def registered_names(*, session: Session) -> str:
    """Up to :data:`LISTED` registered courts, for an error message."""
    names = list(session.scalars(select(Court.name).order_by(Court.name).limit(LISTED + 1)))
    if not names:
        return "no court is registered yet: an admin adds one with `covergate court add NAME`"
    more = ", ..." if len(names) > LISTED else ""
    return "registered: " + "; ".join(names[:LISTED]) + more
