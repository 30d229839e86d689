"""The demo's agencies and staff, and the tokens handed out to try the API with.

Staff are kept by user id (:class:`Staff`), not as rows: each simulated day has
its own session and loads the users it needs in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.agencies import service as agencies
from covergate.agencies.models import Agency
from covergate.clock import Clock
from covergate.courts import registry as courts
from covergate.courts.models import Court
from covergate.demo.world import AGENCIES, COURTS, USPIS, USPIS_FUNCTIONS
from covergate.document import Jurisdiction
from covergate.users import service as users
from covergate.users.models import User
from covergate.users.schemas import Delegation, Role

DEMO_DOMAIN = "@demo.example"
DEMO_LABEL = "demo"  # the label of every token the demo prints

# (key, role, delegation, whether the demo prints a token for it)
PEOPLE: list[tuple[str, Role, Delegation | None, bool]] = [
    ("reviewer", Role.REVIEWER, None, True),
    ("reviewer2", Role.REVIEWER, None, False),
    ("chief", Role.APPROVER, Delegation.CHIEF_POSTAL_INSPECTOR, True),
    ("hq", Role.APPROVER, Delegation.HEADQUARTERS_DESIGNEE, False),
    ("osg", Role.APPROVER, Delegation.OPERATIONS_SUPPORT_GROUP_MANAGER, True),
    ("iic", Role.APPROVER, Delegation.INSPECTOR_IN_CHARGE, False),
    ("observer", Role.OBSERVER, None, True),
    ("auditor", Role.AUDITOR, None, True),
    ("admin", Role.ADMIN, None, True),
]
FBI = "Federal Bureau of Investigation"  # its requester is the one given a token

Token = tuple[str, str, str]
"""(role label, email, bearer token)."""


@dataclass
class Staff:
    """User ids by role key (``"reviewer"``, ``"requester:<agency>"``)."""

    ids: dict[str, int] = field(default_factory=dict)

    def load(self, session: Session) -> list[User]:
        """Every staff member, as rows of ``session``, in one query."""
        return list(session.scalars(select(User).where(User.id.in_(self.ids.values()))))

    def user(self, session: Session, key: str) -> User:
        """The user ``key`` as a row of ``session``."""
        return session.get_one(User, self.ids[key])

    def requester(self, session: Session, agency: str) -> User:
        return self.user(session, f"requester:{agency}")

    def court_user(self, session: Session, court_id: int) -> User:
        """The clerk of the court with id ``court_id``."""
        return self.user(session, f"court:{court_id}")


def seed_people(*, session: Session, clock: Clock) -> tuple[Staff, list[Token]]:
    """Register the agencies and add their requesters and the Postal Service's staff."""
    staff = Staff()
    tokens: list[Token] = []
    registered: dict[str, Agency] = {}
    for name, jurisdiction, functions, _ in AGENCIES:
        registered[name] = agencies.register(
            session=session, clock=clock, name=name, jurisdiction=jurisdiction, functions=functions
        )
    registered[USPIS] = agencies.register(
        session=session,
        clock=clock,
        name=USPIS,
        jurisdiction=Jurisdiction.FEDERAL,
        functions=USPIS_FUNCTIONS,
    )
    for i, (name, agency) in enumerate(registered.items()):
        user = users.add_user(
            session=session,
            clock=clock,
            email=f"requester{i}{DEMO_DOMAIN}",
            name=f"Requester of {name}",
            role=Role.REQUESTER,
            agency=agency,
        )
        staff.ids[f"requester:{name}"] = user.id
        if name == FBI:
            token = users.create_token(session=session, clock=clock, user=user, label=DEMO_LABEL)
            tokens.append(("requester (FBI)", user.email, token))
    for i, name in enumerate(COURTS):
        court = courts.add_court(session=session, clock=clock, name=name)
        user = users.add_user(
            session=session,
            clock=clock,
            email=f"court{i}{DEMO_DOMAIN}",
            name=f"Clerk of the {name}",
            role=Role.COURT,
            court=court,
        )
        staff.ids[f"court:{court.id}"] = user.id
        if i == 0:
            token = users.create_token(session=session, clock=clock, user=user, label=DEMO_LABEL)
            tokens.append((role_label(user, session), user.email, token))
    for key, role, delegation, with_token in PEOPLE:
        user = users.add_user(
            session=session,
            clock=clock,
            email=f"{key}{DEMO_DOMAIN}",
            name=f"Demo {key}",
            role=role,
            delegation=delegation,
        )
        staff.ids[key] = user.id
        if with_token:
            token = users.create_token(session=session, clock=clock, user=user, label=DEMO_LABEL)
            tokens.append((role_label(user), user.email, token))
    return staff, tokens


def fresh_tokens(*, session: Session, clock: Clock) -> tuple[list[Token], int] | None:
    """New tokens for the demo users a seeded demo prints, and how many tokens
    printed before were revoked; None without demo users.

    Every unrevoked token of a demo user is revoked first: the demo's accounts are
    the demo's, and a re-run must not leave the tokens it printed last time
    working (databases seeded before tokens were labelled hold them as "cli").
    """
    wanted = {"requester1", "court0", *(key for key, *_, with_token in PEOPLE if with_token)}
    demo_users = list(
        session.scalars(select(User).where(User.email.like(f"%{DEMO_DOMAIN}")).order_by(User.id))
    )
    if not demo_users:
        return None
    revoked = users.revoke_tokens_of(session=session, clock=clock, users=demo_users)
    tokens = [
        (
            role_label(user, session),
            user.email,
            users.create_token(session=session, clock=clock, user=user, label=DEMO_LABEL),
        )
        for user in demo_users
        if user.email.removesuffix(DEMO_DOMAIN) in wanted
    ]
    return tokens, revoked


def role_label(user: User, session: Session | None = None) -> str:
    """``"approver (chief_postal_inspector)"``, ``"requester (<agency>)"``, ``"auditor"``."""
    if user.delegation is not None:
        return f"{user.role.value} ({user.delegation.value})"
    if user.agency is not None:
        return f"{user.role.value} ({user.agency.name})"
    if user.court_id is not None and session is not None:
        court = session.get(Court, user.court_id)
        return f"{user.role.value} ({court.name})" if court else user.role.value
    return user.role.value
