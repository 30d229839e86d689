"""``covergate demo``: a realistic, synthetic year of the national program.

Volumes follow the public record (LAW.md): about 6,000 outside-agency requests a
year (FY2013 agency mix: IRS 1,323; FBI 1,025; DEA 758; DHS 469; ICE 81; the rest
state and local police and other federal agencies) plus the postal inspectors' own
(scaled down by default: the real figure is about 24,000 a year; pass
``--inspectors`` to change it). Every request goes through the real services: the
policy engine, the enforced rules and the transparency log. Nothing is inserted
behind their back. All names and addresses are invented.

The history is an event simulation in date order, so the log reads like a year
of operation. The same ``seed`` gives the same history (public ids included);
only encryption nonces and commitment salts, which must be secret, differ.
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.agencies import service as agencies
from covergate.agencies.models import Agency
from covergate.clock import FixedClock
from covergate.context import ServiceContext, Via
from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation
from covergate.document import (
    AgencyFunction,
    Jurisdiction,
    RequestDocument,
    RequestKind,
    request_document_from_data,
)
from covergate.errors import CovergateError
from covergate.lifecycle import period
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import CloseReason, RequestState
from covergate.productions import service as productions
from covergate.requests import decisions
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.runtime import Runtime
from covergate.transparency import service as tlog
from covergate.users import service as users
from covergate.users.models import User
from covergate.users.schemas import Delegation, Role

DEMO_END = date(2026, 11, 20)
EXTENSION_SHARE = 0.12  # of approved mail covers, whose agency asks for 30 more days
EXTENSION_NUMBERS = 10_000_000  # heap tie-break numbers for extension cases
DEMO_START = DEMO_END - timedelta(days=365)
USPIS = "U.S. Postal Inspection Service"

CI = AgencyFunction.CRIMINAL_INVESTIGATION
NS = AgencyFunction.NATIONAL_SECURITY
CIVIL = AgencyFunction.CIVIL_ENFORCEMENT

# (name, jurisdiction, functions, weight among outside requests) — FY2013 mix, scaled.
AGENCIES: list[tuple[str, Jurisdiction, list[AgencyFunction], int]] = [
    ("Internal Revenue Service", Jurisdiction.FEDERAL, [CI, CIVIL], 1323),
    ("Federal Bureau of Investigation", Jurisdiction.FEDERAL, [CI, NS], 1025),
    ("Drug Enforcement Administration", Jurisdiction.FEDERAL, [CI], 758),
    ("Department of Homeland Security", Jurisdiction.FEDERAL, [CI, NS], 469),
    ("Immigration and Customs Enforcement", Jurisdiction.FEDERAL, [CI, CIVIL], 81),
    ("U.S. Marshals Service", Jurisdiction.FEDERAL, [CI], 420),
    ("Bureau of Alcohol, Tobacco, Firearms and Explosives", Jurisdiction.FEDERAL, [CI], 310),
    ("Illinois State Police", Jurisdiction.STATE, [CI], 520),
    ("Texas Department of Public Safety", Jurisdiction.STATE, [CI], 480),
    ("New York City Police Department", Jurisdiction.LOCAL, [CI], 390),
    ("Los Angeles County Sheriff's Department", Jurisdiction.LOCAL, [CI], 224),
]

STATUTES = [
    ("18 U.S.C. 1341", 240),
    ("18 U.S.C. 1708", 60),
    ("26 U.S.C. 7201", 60),
    ("21 U.S.C. 841(b)(1)(C)", 240),
    ("18 U.S.C. 1956", 240),
    ("8 U.S.C. 1324(a)", 60),
    ("8 U.S.C. 1326(a)", 24),
]
POSTAL_STATUTES = [("18 U.S.C. 1708", 60), ("18 U.S.C. 1341", 240)]
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Drew",
    "Rowan",
    "Emerson",
    "Harper",
    "Kai",
    "Logan",
    "Parker",
    "Reese",
    "Sage",
    "Tatum",
]
LAST = [
    "Adler",
    "Brooks",
    "Castillo",
    "Dunn",
    "Ellis",
    "Fischer",
    "Garza",
    "Hale",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Pratt",
    "Quist",
    "Rasmussen",
    "Silva",
    "Thorne",
]
STREETS = ["Elm", "Oak", "Maple", "Cedar", "Pine", "Birch", "Walnut", "Lake", "Hill", "Park"]
CITIES = [
    ("Springfield", "IL", "627"),
    ("Austin", "TX", "787"),
    ("Albany", "NY", "122"),
    ("Fresno", "CA", "937"),
    ("Tampa", "FL", "336"),
    ("Dayton", "OH", "454"),
    ("Tacoma", "WA", "984"),
    ("Mesa", "AZ", "852"),
]


class Step(StrEnum):
    SUBMIT = "submit"
    REVIEW = "review"
    DECIDE = "decide"
    OBSERVE = "observe"
    EXTEND = "extend"
    CLOSE = "close"
    PRODUCE = "produce"
    ACKNOWLEDGE = "acknowledge"


@dataclass
class Case:
    """One synthetic request and what will happen to it."""

    number: int
    agency: str
    document: RequestDocument
    public_id: str = ""
    request: Request | None = None
    extension_of: Case | None = None


@dataclass
class DemoResult:
    requests: int  # every request stored, extensions included
    log_size: int
    seconds: float
    verifier_key: str
    extensions: int = 0  # of which extensions
    tokens: list[tuple[str, str, str]] = field(default_factory=list)
    reused: bool = False  # True when the data was there already and nothing was seeded


class DemoWorld:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def address(self) -> dict[str, Any]:
        city, state, zip3 = self.rng.choice(CITIES)
        return {
            "line1": f"{self.rng.randint(1, 9999)} {self.rng.choice(STREETS)} Street",
            "line2": None,
            "city": city,
            "state": state,
            "zip": f"{zip3}{self.rng.randint(0, 99):02d}",
        }

    def document(
        self,
        agency: str,
        jurisdiction: Jurisdiction,
        functions: list[AgencyFunction],
        received: date,
    ) -> dict[str, Any]:
        rng = self.rng
        inspector = agency == USPIS
        kind = "records" if rng.random() < 0.22 else "mail_cover"
        roll = rng.random()
        if inspector:
            ground = "postal_statute" if roll < 0.8 else "crime"
        elif roll < 0.74:
            ground = "crime"
        elif roll < 0.86:
            ground = "fugitive"
        elif roll < 0.91:
            ground = "forfeiture"
        elif roll < 0.94 and NS in functions:
            ground = "national_security"
        elif CIVIL in functions:
            ground = "civil_enforcement"
        else:
            ground = "crime"
        statute, months = rng.choice(POSTAL_STATUTES if ground == "postal_statute" else STATUTES)
        if ground == "crime" and rng.random() < 0.04:
            statute, months = "8 U.S.C. 1325(a)", 6  # a misdemeanour: not a crime under (c)(6)
        oral = rng.random() < 0.06
        emergency = oral and rng.random() < 0.5
        start = received + timedelta(days=rng.randint(3, 12))
        days = 30 if rng.random() < 0.85 else rng.choice([60, 90])
        if kind == "records":
            categories = rng.sample(
                [
                    "subscriber",
                    "session_ip",
                    "payment",
                    "tracking",
                    "change_of_address",
                    "box_application",
                ],
                rng.randint(1, 2),
            )
        else:
            categories = ["mail_exterior"]
        # Most agencies now come with a court order; some do not (and are refused
        # under safeguards-2026), as happens in the first year of a reform.
        process_roll = rng.random()
        issued = (start - timedelta(days=2)).isoformat()
        process: dict[str, Any] | None
        if process_roll < 0.78:
            process = _process(
                "court_order",
                "specific_and_articulable_facts",
                issued,
                court="U.S. District Court",
                docket=f"{received.year % 100}-mj-{rng.randint(1, 9999):04d}",
                judge=f"Hon. {self.person()}",
            )
        elif process_roll < 0.88:
            process = _process(
                "subpoena", "relevance", issued, docket=f"GJ-{rng.randint(100, 999)}"
            )
        elif process_roll < 0.94:
            process = _process("head_of_agency_request", "none", issued)
        else:
            process = None
        attorneys = [
            {"name": self.person(), "address": self.address()}
            for _ in range(rng.choice([0, 0, 1, 1, 2]))
        ]
        data: dict[str, Any] = {
            "kind": kind,
            "agency": {
                "name": agency,
                "jurisdiction": jurisdiction.value,
                "functions": [f.value for f in functions],
            },
            "requester": {
                "name": self.person(),
                "title": "Special Agent",
                "email": f"agent{rng.randint(100, 999)}@agency.example",
            },
            "received": {
                "via": "oral" if oral else "written",
                "date": received.isoformat(),
                "written_confirmation_date": (received + timedelta(days=2)).isoformat()
                if oral
                else None,
            },
            "purpose": {
                "ground": ground,
                "statute": statute if ground in {"crime", "postal_statute", "forfeiture"} else None,
                "max_imprisonment_months": months
                if ground in {"crime", "postal_statute", "forfeiture"}
                else None,
                "case_number": f"{rng.randint(2024, 2026)}-{rng.randint(10000, 99999)}",
                "reasonable_grounds": "Synthetic demo facts: informant reports and financial "
                "records tie the address to the offence.",
                "fugitive_warrant": {
                    "type": rng.choice(
                        [
                            "criminal_arrest",
                            "criminal_arrest",
                            "bench",
                            "administrative_immigration",
                        ]
                    ),
                    "issued_by": "Superior Court",
                    "date": (received - timedelta(days=40)).isoformat(),
                }
                if ground == "fugitive"
                else None,
                "national_security": {
                    "threat": rng.choice(["international_terrorism", "clandestine_intelligence"]),
                    "foreign_power": "Foreign Power A",
                    "approved_by_agency_head": True,
                }
                if ground == "national_security"
                else None,
                "indictment_or_information_filed": rng.random() < 0.02,
            },
            "subject": {
                "name": self.person(),
                "address": self.address(),
                "known_attorneys": attorneys,
            },
            "scope": {
                "data_categories": categories,
                "include_attorney_mail": False,
                "start": start.isoformat(),
                "days": days,
                "longer_period_justification": "Demo: the scheme runs in 60-day cycles."
                if days > 30
                else None,
                "prior_days": 0,
                "extension_benefit": None,
                "chief_inspector_personal_approval": False,
            },
            "legal_process": process,
            "emergency": {
                "kind": "loss_of_evidence",
                "description": "Demo: parcels are about to be moved.",
            }
            if emergency
            else None,
        }
        return data


def _process(
    kind: str,
    standard: str,
    issued: str,
    *,
    court: str | None = None,
    docket: str | None = None,
    judge: str | None = None,
) -> dict[str, Any]:
    """The ``legal_process`` block of a synthetic document."""
    return {
        "type": kind,
        "standard": standard,
        "court": court,
        "docket": docket,
        "judge": judge,
        "issued": issued,
        "expires": None,
    }


def _seeded_ids(rng: random.Random) -> Callable[[], str]:
    return lambda: f"{rng.getrandbits(128):032x}"


def seed_demo(rt: Runtime, *, seed: int, outside: int, inspectors: int) -> DemoResult:
    """Seed the database of ``rt`` with a synthetic year. Refuses a non-empty database."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
    clock = FixedClock()
    clock.set_date(DEMO_START)
    ctx = ServiceContext(
        clock=clock,
        cipher=rt.cipher,
        policy=rt.policy,
        via=Via.CLI,
        new_public_id=_seeded_ids(random.Random(seed + 1)),  # noqa: S311
    )
    world = DemoWorld(rng)
    with rt.sessions() as session, session.begin():
        if session.scalar(select(Request.id).limit(1)) is not None:
            return _existing_demo(session, rt, started)
        staff, tokens = _seed_people(session, ctx)

    cases: list[tuple[date, int, Step, Case]] = []
    weights = [w for *_, w in AGENCIES]
    names = [a for a, *_ in AGENCIES]
    meta = {a: (j, f) for a, j, f, _ in AGENCIES}
    meta[USPIS] = (Jurisdiction.FEDERAL, [AgencyFunction.POSTAL_INSPECTION, CI])
    picks = rng.choices(names, weights=weights, k=outside) + [USPIS] * inspectors
    for number, agency in enumerate(picks):
        received = DEMO_START + timedelta(days=rng.randint(0, 364))
        jurisdiction, functions = meta[agency]
        doc = request_document_from_data(world.document(agency, jurisdiction, functions, received))
        heapq.heappush(cases, (received, number, Step.SUBMIT, Case(number, agency, doc)))

    total_steps = len(cases)
    done = 0
    with Progress(
        TextColumn("seeding a year of requests"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task("demo", total=total_steps)
        batch_day: date | None = None
        session = rt.sessions()
        session.begin()
        try:
            while cases:
                day, number, step, case = heapq.heappop(cases)
                if day > DEMO_END:
                    continue
                if day != batch_day:
                    if batch_day is not None:
                        session.commit()
                        session.begin()
                    batch_day = day
                    clock.set_date(day)
                    # What the server's maintenance loop does: covers start and
                    # expire on their dates whether or not anyone looks at them.
                    period.sweep(session=session, ctx=ctx, limit=1_000_000)
                for next_step, delay, next_case in _run_step(session, ctx, staff, rng, step, case):
                    total_steps += 1
                    progress.update(task, total=total_steps)
                    heapq.heappush(
                        cases,
                        (day + timedelta(days=delay), next_case.number, next_step, next_case),
                    )
                done += 1
                progress.update(task, completed=done)
            clock.set_date(DEMO_END)
            period.sweep(session=session, ctx=ctx, limit=1_000_000)
            session.commit()
        finally:
            session.close()
    rt.integrate_log()
    with rt.sessions() as session:
        return _result(session, rt, started, tokens, reused=False)


def _existing_demo(session: Session, rt: Runtime, started: float) -> DemoResult:
    """The database holds data already: seed nothing, hand out fresh demo tokens.

    Only demo users (``@demo.example``) get tokens; a database without them is
    not a demo database, and the command says so instead of touching it.
    """
    demo_users = list(
        session.scalars(select(User).where(User.email.like("%@demo.example")).order_by(User.id))
    )
    if not demo_users:
        raise CovergateError(
            f"the database at {rt.settings.database_url} already holds requests that are not "
            "demo data; run the demo on a new --data directory"
        )
    wanted = {
        "requester1@demo.example",
        "reviewer@demo.example",
        "chief@demo.example",
        "osg@demo.example",
        "observer@demo.example",
        "auditor@demo.example",
        "admin@demo.example",
    }
    clock = rt.clock
    tokens = [
        (
            _role_label(user),
            user.email,
            users.create_token(session=session, clock=clock, user=user, label="demo"),
        )
        for user in demo_users
        if user.email in wanted
    ]
    return _result(session, rt, started, tokens, reused=True)


def _result(
    session: Session,
    rt: Runtime,
    started: float,
    tokens: list[tuple[str, str, str]],
    *,
    reused: bool,
) -> DemoResult:
    count = select(func.count()).select_from(Request)
    return DemoResult(
        requests=session.scalar(count) or 0,
        extensions=session.scalar(count.where(Request.parent_id.is_not(None))) or 0,
        log_size=tlog.status(session=session).size,
        seconds=time.perf_counter() - started,
        verifier_key=rt.log_signer.verifier_key(),
        tokens=tokens,
        reused=reused,
    )


def _role_label(user: User) -> str:
    if user.delegation is not None:
        return f"{user.role.value} ({user.delegation.value})"
    if user.agency is not None:
        return f"{user.role.value} ({user.agency.name})"
    return user.role.value


def _seed_people(
    session: Session, ctx: ServiceContext
) -> tuple[dict[str, User], list[tuple[str, str, str]]]:
    staff: dict[str, User] = {}
    tokens: list[tuple[str, str, str]] = []
    registered: dict[str, Agency] = {}
    for name, jurisdiction, functions, _ in AGENCIES:
        registered[name] = agencies.register(
            session=session,
            clock=ctx.clock,
            name=name,
            jurisdiction=jurisdiction,
            functions=functions,
        )
    registered[USPIS] = agencies.register(
        session=session,
        clock=ctx.clock,
        name=USPIS,
        jurisdiction=Jurisdiction.FEDERAL,
        functions=[AgencyFunction.POSTAL_INSPECTION, CI],
    )
    for i, name in enumerate(registered):
        user = users.add_user(
            session=session,
            clock=ctx.clock,
            email=f"requester{i}@demo.example",
            name=f"Requester of {name}",
            role=Role.REQUESTER,
            agency=registered[name],
        )
        staff[f"requester:{name}"] = user
        if name == "Federal Bureau of Investigation":
            tokens.append(
                (
                    "requester (FBI)",
                    user.email,
                    users.create_token(session=session, clock=ctx.clock, user=user),
                )
            )
    people: list[tuple[str, Role, Delegation | None]] = [
        ("reviewer", Role.REVIEWER, None),
        ("reviewer2", Role.REVIEWER, None),
        ("chief", Role.APPROVER, Delegation.CHIEF_POSTAL_INSPECTOR),
        ("hq", Role.APPROVER, Delegation.HEADQUARTERS_DESIGNEE),
        ("osg", Role.APPROVER, Delegation.OPERATIONS_SUPPORT_GROUP_MANAGER),
        ("iic", Role.APPROVER, Delegation.INSPECTOR_IN_CHARGE),
        ("observer", Role.OBSERVER, None),
        ("auditor", Role.AUDITOR, None),
        ("admin", Role.ADMIN, None),
    ]
    for key, role, delegation in people:
        user = users.add_user(
            session=session,
            clock=ctx.clock,
            email=f"{key}@demo.example",
            name=f"Demo {key}",
            role=role,
            delegation=delegation,
        )
        staff[key] = user
        if key not in {"reviewer2", "hq", "iic"}:
            label = f"{role.value} ({delegation.value})" if delegation else role.value
            tokens.append(
                (label, user.email, users.create_token(session=session, clock=ctx.clock, user=user))
            )
    return staff, tokens


def _approver(staff: dict[str, User], request: Request, document: RequestDocument) -> User:
    if document.purpose.ground.value == "national_security":
        return staff["chief"]
    if document.emergency is not None:
        return staff["iic"]
    return staff["osg"] if request.id % 3 else staff["hq"]


def _run_step(
    session: Session,
    ctx: ServiceContext,
    staff: dict[str, User],
    rng: random.Random,
    step: Step,
    case: Case,
) -> list[tuple[Step, int, Case]]:
    """Do one step of one case; return the next steps, their delays in days and cases."""
    if step is Step.SUBMIT:
        requester = staff[f"requester:{case.agency}"]
        result = requests.submit(
            session=session,
            ctx=ctx,
            actor=requester,
            document=case.document,
            idempotency_key=f"demo-{case.number}",
        )
        case.public_id = result.request.public_id
        case.request = result.request
        return [(Step.REVIEW, rng.randint(0, 3), case)]
    # The demo keeps its one session open across daily commits, so the row object
    # stays current; refresh its state for the new day as a read would.
    request = case.request
    if request is None:
        return []
    period.refresh_state(session=session, ctx=ctx, request=request)
    if step is Step.REVIEW:
        reviewer = staff["reviewer"] if case.number % 2 else staff["reviewer2"]
        requests.review(
            session=session,
            ctx=ctx,
            actor=reviewer,
            request=request,
            note="Checked grounds, process and dates against the policy findings.",
        )
        return [(Step.DECIDE, rng.randint(0, 4), case)]
    if step is Step.DECIDE:
        return _decide(session, ctx, staff, rng, request, case)
    if step is Step.OBSERVE:
        if request.state is RequestState.ACTIVE:
            _observe(session, ctx, staff, rng, request, case)
        return [(Step.CLOSE, _days_after_end(ctx, request, rng), case)]
    if step is Step.EXTEND:
        return _extend(session, ctx, staff, rng, request, case)
    if step is Step.CLOSE:
        if request.state in {RequestState.ACTIVE, RequestState.EXPIRED, RequestState.APPROVED}:
            reason = (
                CloseReason.EXPIRED
                if request.state is RequestState.EXPIRED
                else CloseReason.REQUESTED
            )
            requests.close(
                session=session, ctx=ctx, actor=staff["reviewer"], request=request, reason=reason
            )
            return [(Step.PRODUCE, rng.randint(1, 6), case)]
        return []
    if step is Step.PRODUCE:
        productions.produce(session=session, ctx=ctx, actor=staff["reviewer"], request=request)
        return [(Step.ACKNOWLEDGE, rng.randint(1, 5), case)]
    if step is Step.ACKNOWLEDGE:
        package = productions.get_production(session=session, request=request)
        productions.acknowledge(
            session=session,
            ctx=ctx,
            actor=staff[f"requester:{case.agency}"],
            request=request,
            manifest_sha256=package.manifest_sha256,
        )
    return []


def _days_after_end(ctx: ServiceContext, request: Request, rng: random.Random) -> int:
    until = request.active_until or ctx.clock.today()
    return max(0, (until - ctx.clock.today()).days + rng.randint(1, 4))


def _decide(
    session: Session,
    ctx: ServiceContext,
    staff: dict[str, User],
    rng: random.Random,
    request: Request,
    case: Case,
) -> list[tuple[Step, int, Case]]:
    evaluation = decisions.stored_evaluation(request)
    approver = _approver(staff, request, case.document)
    failing = evaluation.failed
    if failing or rng.random() < 0.04:
        reasons = (
            "; ".join(f"{f.rule}: {f.message}" for f in failing)
            or "Reasonable grounds not shown on the facts stated."
        )
        decision = DecisionInput(outcome=DecisionOutcome.DENY, reasons=reasons)
        decisions.decide(
            session=session, ctx=ctx, actor=approver, request=request, decision=decision
        )
        return []
    justifications = {
        f.rule: "Reviewed the record; the stated facts support it." for f in evaluation.to_review
    }
    days = request.days_requested
    if evaluation.max_days is not None and days > evaluation.max_days:
        days = evaluation.max_days
    if days < request.days_requested or rng.random() < 0.05:
        days = min(days, max(1, request.days_requested - 10))
        decision = DecisionInput(
            outcome=DecisionOutcome.MODIFY, days=days, justifications=justifications
        )
    else:
        decision = DecisionInput(outcome=DecisionOutcome.APPROVE, justifications=justifications)
    decisions.decide(session=session, ctx=ctx, actor=approver, request=request, decision=decision)
    follow: list[tuple[Step, int, Case]] = []
    is_cover = request.kind is RequestKind.MAIL_COVER
    if is_cover and request.active_until is not None and rng.random() < EXTENSION_SHARE:
        # The agency asks, a few days before the end, for 30 more days.
        ask = max(0, (request.active_until - ctx.clock.today()).days - rng.randint(3, 8))
        follow.append((Step.EXTEND, ask, case))
    if is_cover and rng.random() < 0.25:
        start_in = max(0, (request.start - ctx.clock.today()).days)
        return [*follow, (Step.OBSERVE, start_in + rng.randint(2, 9), case)]
    return [*follow, (Step.CLOSE, _days_after_end(ctx, request, rng), case)]


def _extend(
    session: Session,
    ctx: ServiceContext,
    staff: dict[str, User],
    rng: random.Random,
    request: Request,
    case: Case,
) -> list[tuple[Step, int, Case]]:
    """An extension: a new request, continuous with the cover, for up to 30 days."""
    if request.state not in {RequestState.APPROVED, RequestState.ACTIVE}:
        return []
    if request.active_until is None or request.authorised_days is None:
        return []
    prior = case.document.scope.prior_days + request.authorised_days
    if prior + 30 > 120:
        return []  # the 120-day cap: the agency would need the Chief personally
    data = case.document.model_dump(mode="json")
    data["received"] = {
        "via": "written",
        "date": ctx.clock.today().isoformat(),
        "written_confirmation_date": None,
    }
    data["scope"].update(
        {
            "start": (request.active_until + timedelta(days=1)).isoformat(),
            "days": 30,
            "prior_days": prior,
            "longer_period_justification": None,
            "extension_benefit": "Demo: the cover identified two co-conspirators' addresses; "
            "30 more days are expected to show the supplier.",
        }
    )
    data["emergency"] = None
    document = request_document_from_data(data)
    result = requests.extend(
        session=session,
        ctx=ctx,
        actor=staff[f"requester:{case.agency}"],
        parent=request,
        document=document,
    )
    child = Case(
        number=EXTENSION_NUMBERS + case.number * 10 + len(_chain(case)),
        agency=case.agency,
        document=document,
        public_id=result.request.public_id,
        request=result.request,
        extension_of=case,
    )
    return [(Step.REVIEW, rng.randint(0, 2), child)]


def _chain(case: Case) -> list[Case]:
    out = []
    while case.extension_of is not None:
        out.append(case.extension_of)
        case = case.extension_of
    return out


def _observe(
    session: Session,
    ctx: ServiceContext,
    staff: dict[str, User],
    rng: random.Random,
    request: Request,
    case: Case,
) -> None:
    subject = case.document.subject
    world = DemoWorld(rng)
    for _ in range(rng.randint(1, 4)):
        mail_date = ctx.clock.today() - timedelta(days=rng.randint(0, 1))
        sender_name, sender_address = world.person(), world.address()
        if subject.known_attorneys and rng.random() < 0.1:
            # Attorney mail turns up; the software refuses to record it.
            sender_name = subject.known_attorneys[0].name
            sender_address = subject.known_attorneys[0].address.model_dump(mode="json")
        addressee = subject.address.model_dump(mode="json")
        if rng.random() < 0.04:
            # A clerk picks up a neighbour's letter; it is not the covered address.
            addressee = world.address()
        if rng.random() < 0.03:
            # A letter postmarked before the cover began.
            mail_date = (request.active_from or mail_date) - timedelta(days=rng.randint(1, 5))
        item = MailObservation.model_validate(
            {
                "mail_date": mail_date.isoformat(),
                "mail_class": rng.choice(
                    ["first_class", "first_class", "priority", "marketing", "package_services"]
                ),
                "sender": {"name": sender_name, "address": sender_address},
                "addressee": {
                    "name": subject.name,
                    "address": addressee,
                },
                "postmark": f"{sender_address['city']} {sender_address['state']} "
                f"{mail_date.isoformat()}",
            }
        )
        covers.observe(
            session=session, ctx=ctx, actor=staff["observer"], request=request, item=item
        )
