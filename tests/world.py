"""A small world for lifecycle tests: agencies, one user per role, a fixed clock.

Built on the ``database`` fixture, so every test using it runs on SQLite and
PostgreSQL. Services are called exactly as the API and CLI call them; the test
owns the transaction like those callers do.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.agencies import service as agencies
from covergate.clock import FixedClock
from covergate.context import ServiceContext, Via
from covergate.courts import registry as courts
from covergate.courts import service as court_orders
from covergate.courts.filing import order_of
from covergate.crypto import FieldCipher
from covergate.db import Base
from covergate.document import AgencyFunction, Jurisdiction, request_document_from_data
from covergate.errors import CovergateError
from covergate.lifecycle import access
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import OrderState
from covergate.policy import load_policy
from covergate.requests import decisions
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.users import service as users
from covergate.users.models import User
from covergate.users.schemas import Delegation, Role
from tests.factories import mail_cover_data

FBI = "Federal Bureau of Investigation"
DEA = "Drug Enforcement Administration"
SEC = "Securities Enforcement Office"
#: The court the factories' orders name (users "court"), and another one ("court2").
COURT = "U.S. District Court, C.D. Ill."
OTHER_COURT = "U.S. District Court, N.D. Ill."


@dataclass
class World:
    sessions: Any
    clock: FixedClock
    ctx: ServiceContext
    people: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def snapshot(self, *extra: Callable[[Session], Any]) -> tuple[Any, ...]:
        """Every table's row count and each request's state and version, then the rows
        each of ``extra`` reads (a domain's own fields)."""
        with self.tx() as s:
            counts = tuple(
                s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
            )
            requests = tuple(
                s.execute(
                    select(Request.public_id, Request.state, Request.version).order_by(Request.id)
                ).all()
            )
            return counts, requests, tuple(read(s) for read in extra)

    @contextmanager
    def unchanged(
        self,
        error: type[CovergateError],
        match: str | None = None,
        *,
        extra: tuple[Callable[[Session], Any], ...] = (),
    ) -> Iterator[pytest.ExceptionInfo[CovergateError]]:
        """The block must raise ``error`` and leave every table as it was (nothing
        partial); yields the raised error's info (``info.value.field``)."""
        before = self.snapshot(*extra)
        with pytest.raises(error, match=match) as info:
            yield info
        assert self.snapshot(*extra) == before

    def user(self, session: Session, key: str) -> User:
        found = session.get(User, self.people[key].id)
        if found is None:
            raise LookupError(key)
        return found

    def request(self, session: Session, public_id: str) -> Request:
        return access.get_visible(
            session=session, ctx=self.ctx, actor=self.user(session, "auditor"), public_id=public_id
        )

    def submit(
        self, data: dict[str, Any] | None = None, who: str = "fbi", *, confirm: bool = True
    ) -> str:
        """Submit as ``who``; ``confirm``: the court then confirms the order it filed
        (unless an emergency: its order follows), as most tests want a court that acted."""
        doc = request_document_from_data(data or mail_cover_data())
        with self.tx() as s:
            result = requests.submit(session=s, ctx=self.ctx, actor=self.user(s, who), document=doc)
            rid = result.request.public_id
        if confirm:
            self.confirm_filed(rid)
        return rid

    def order_state(self, public_id: str) -> OrderState | None:
        with self.tx() as s:
            order = order_of(session=s, request=self.request(s, public_id))
            return None if order is None else order.state

    def confirm_filed(self, public_id: str) -> None:
        """Confirm the request's order if it is filed and the request no emergency."""
        with self.tx() as s:
            request = self.request(s, public_id)
            order = order_of(session=s, request=request)
            emergency = request.public_document.get("emergency") is not None
        if order is not None and order.state is OrderState.FILED and not emergency:
            self.confirm(public_id, who="court" if order.court.name == COURT else "court2")

    def confirm(self, public_id: str, who: str = "court", sealed_until: date | None = None) -> None:
        with self.tx() as s:
            court_orders.confirm(
                session=s,
                ctx=self.ctx,
                actor=self.user(s, who),
                request=self.request(s, public_id),
                sealed_until=sealed_until,
            )

    def refuse(
        self,
        public_id: str,
        who: str = "court",
        reasons: str = "No such order was issued by this court.",
        sealed_until: date | None = None,
    ) -> None:
        with self.tx() as s:
            court_orders.refuse(
                session=s,
                ctx=self.ctx,
                actor=self.user(s, who),
                request=self.request(s, public_id),
                reasons=reasons,
                sealed_until=sealed_until,
            )

    def extend(
        self, public_id: str, data: dict[str, Any], who: str = "fbi", key: str | None = None
    ) -> requests.Submission:
        """Ask for an extension of ``public_id`` as ``who`` (the service, as the API calls it)."""
        with self.tx() as s:
            result = requests.extend(
                session=s,
                ctx=self.ctx,
                actor=self.user(s, who),
                parent=self.request(s, public_id),
                document=request_document_from_data(data),
                idempotency_key=key,
            )
        self.confirm_filed(result.request.public_id)
        return result

    def review(self, public_id: str, who: str = "reviewer") -> None:
        with self.tx() as s:
            requests.review(
                session=s,
                ctx=self.ctx,
                actor=self.user(s, who),
                request=self.request(s, public_id),
                note="Checked against policy.",
            )

    def justifications(self, public_id: str) -> dict[str, str]:
        with self.tx() as s:
            ev = decisions.stored_evaluation(self.request(s, public_id))
        return {f.rule: "Looked at the record; it holds up." for f in ev.to_review}

    def approve(self, public_id: str, who: str = "osg", *, confirm: bool = True, **kw: Any) -> None:
        """Approve as ``who``; ``confirm``: first confirm a filed order (not an emergency's)."""
        if confirm:
            self.confirm_filed(public_id)
        decision = DecisionInput(
            outcome=kw.pop("outcome", DecisionOutcome.APPROVE),
            justifications=self.justifications(public_id),
            **kw,
        )
        with self.tx() as s:
            decisions.decide(
                session=s,
                ctx=self.ctx,
                actor=self.user(s, who),
                request=self.request(s, public_id),
                decision=decision,
            )

    def active_cover(self, data: dict[str, Any] | None = None) -> str:
        rid = self.submit(data)
        self.review(rid)
        self.approve(rid)
        return rid


def build_world(
    sessions: Any,
    start: date = date(2026, 1, 2),
    *,
    clock: FixedClock | None = None,
    cipher: FieldCipher | None = None,
) -> World:
    """The world; pass a runtime's ``clock`` and ``cipher`` to share them with it."""
    clock = clock or FixedClock()
    clock.set_date(start)
    policy = load_policy("safeguards-2026")
    ctx = ServiceContext(
        clock=clock,
        cipher=cipher or FieldCipher(os.urandom(32)),
        policy_source=lambda: policy,
        via=Via.API,
    )
    world = World(sessions, clock, ctx)
    with world.tx() as s:
        court = courts.add_court(session=s, clock=clock, name=COURT)
        other_court = courts.add_court(session=s, clock=clock, name=OTHER_COURT)
        fbi = agencies.register(
            session=s,
            clock=clock,
            name=FBI,
            jurisdiction=Jurisdiction.FEDERAL,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION, AgencyFunction.NATIONAL_SECURITY],
        )
        dea = agencies.register(
            session=s,
            clock=clock,
            name=DEA,
            jurisdiction=Jurisdiction.FEDERAL,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION],
        )
        specs: list[tuple[str, Role, Any, Delegation | None, Any]] = [
            ("fbi", Role.REQUESTER, fbi, None, None),
            ("fbi2", Role.REQUESTER, fbi, None, None),
            ("dea", Role.REQUESTER, dea, None, None),
            ("reviewer", Role.REVIEWER, None, None, None),
            ("chief", Role.APPROVER, None, Delegation.CHIEF_POSTAL_INSPECTOR, None),
            ("hq", Role.APPROVER, None, Delegation.HEADQUARTERS_DESIGNEE, None),
            ("osg", Role.APPROVER, None, Delegation.OPERATIONS_SUPPORT_GROUP_MANAGER, None),
            ("iic", Role.APPROVER, None, Delegation.INSPECTOR_IN_CHARGE, None),
            ("observer", Role.OBSERVER, None, None, None),
            ("auditor", Role.AUDITOR, None, None, None),
            ("admin", Role.ADMIN, None, None, None),
            ("court", Role.COURT, None, None, court),
            ("court2", Role.COURT, None, None, other_court),
        ]
        for key, role, agency, delegation, court_of in specs:
            user = users.add_user(
                session=s,
                clock=clock,
                email=f"{key}@test.example",
                name=key.title(),
                role=role,
                agency=agency,
                delegation=delegation,
                court=court_of,
            )
            world.people[key] = user
            world.tokens[key] = users.create_token(session=s, clock=clock, user=user)
    return world
