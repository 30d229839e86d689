"""What happens to each synthetic request, one step a day, through the real services.

A step is a plain function ``step(day, case) -> [(next_step, delay_days, case)]``
that calls exactly what the HTTP handler for that action calls
(``requests.service.submit``, ``requests.decisions.decide``, ``covers.service.observe``
...), and returns the steps that follow. The :class:`Agenda` holds the steps
themselves, in date order; there is no dispatcher. Steps load their rows by id in
the day's session: nothing is carried from one day's transaction to the next.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from covergate.context import ServiceContext
from covergate.courts import filing
from covergate.covers import service as covers
from covergate.demo import duties
from covergate.demo.people import Staff
from covergate.demo.world import DemoWorld, extension_document
from covergate.document import RequestDocument, RequestKind
from covergate.lifecycle import period
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import CloseReason, OrderState, RequestState
from covergate.productions import service as productions
from covergate.requests import decisions
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.users.models import User

EXTENSION_SHARE = 0.12  # of approved mail covers, whose agency asks for 30 more days
EXTENSION_NUMBERS = 10_000_000  # case numbers of extensions start here
OBSERVED_SHARE = 0.25  # of approved mail covers, whose mail is looked at
MAX_COVER_DAYS = 120  # beyond it the agency would need the Chief Inspector personally
REVIEW_NOTE = "Checked grounds, process and dates against the policy findings."
JUSTIFICATION = "Reviewed the record; the stated facts support it."
DENIAL = "Reasonable grounds not shown on the facts stated."
NOT_CONFIRMED = "The court has not confirmed the order this request relies on."
MAX_WAITS = 10  # times the approver comes back for a court that has not acted
REFUSED = "The court refused the order this request relies on (judge first)."
LOAD_CHUNK = 500  # ids per IN (...) query


@dataclass
class Case:
    """One synthetic request (by id once submitted) and the document it came with."""

    number: int
    agency: str
    document: RequestDocument
    request_id: int | None = None
    extension_of: Case | None = None
    waits: int = 0  # days the approver waited for the court


@dataclass(frozen=True)
class Day:
    """What the steps of one simulated day share: its session and collaborators."""

    session: Session
    ctx: ServiceContext
    staff: Staff
    rng: random.Random
    log_key: str = ""  # the log's verifier key, printed on notice letters
    rows: list[User | Request] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.ctx.clock.today()

    def load(self, cases: Iterable[Case]) -> None:
        """Load the staff and the requests of ``cases`` in two queries, not one a step.

        Rows loaded here are found in the session's identity map by the steps; a
        step that needs another row (an extension submitted today) loads it itself.
        """
        ids = sorted({case.request_id for case in cases if case.request_id is not None})
        # The identity map holds rows weakly: the day keeps them for its steps.
        self.rows.extend(self.staff.load(self.session))
        # A request's agency and submitter are among the staff just loaded (and
        # their agencies): a lazy many-to-one load finds them without a query.
        query = select(Request).options(lazyload(Request.agency), lazyload(Request.submitter))
        for start in range(0, len(ids), LOAD_CHUNK):
            chunk = ids[start : start + LOAD_CHUNK]
            self.rows.extend(self.session.scalars(query.where(Request.id.in_(chunk))))

    def user(self, key: str) -> User:
        return self.staff.user(self.session, key)

    def request(self, case: Case) -> Request | None:
        """The case's request as of today (started or expired as its dates say)."""
        if case.request_id is None:
            return None
        request = self.session.get_one(Request, case.request_id)
        return period.refresh_state(session=self.session, ctx=self.ctx, request=request)


Step = Callable[[Day, Case], list[tuple["Step", int, Case]]]
"""One action on one case; returns the steps that follow, their delays in days."""


@dataclass(order=True)
class Appointment:
    """A step due on a day. Ties on one day and case go by the step's name, which
    keeps the order (and so the seeded history) of earlier versions."""

    day: date
    number: int
    name: str
    sequence: int
    step: Step = field(compare=False)
    case: Case = field(compare=False)


class Agenda:
    """Steps due, earliest first."""

    def __init__(self) -> None:
        self._heap: list[Appointment] = []
        self._sequence = itertools.count()
        # The cases of each day, so that a day's rows are found without a scan of the
        # whole heap (thousands of steps) every simulated day.
        self._by_day: dict[date, list[Case]] = {}

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, day: date, step: Step, case: Case) -> None:
        appointment = Appointment(day, case.number, step.__name__, next(self._sequence), step, case)
        heapq.heappush(self._heap, appointment)
        self._by_day.setdefault(day, []).append(case)

    def next_day(self) -> date | None:
        return self._heap[0].day if self._heap else None

    def cases_on(self, day: date) -> list[Case]:
        """The cases with a step due on ``day`` (so far)."""
        return list(self._by_day.get(day, ()))

    def due(self, day: date) -> Iterator[Appointment]:
        """Take the steps due on ``day``, including those added meanwhile for it."""
        while self._heap and self._heap[0].day == day:
            yield heapq.heappop(self._heap)
        self._by_day.pop(day, None)


def submit(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The agency sends its request (``POST /api/v1/requests``)."""
    result = requests.submit(
        session=day.session,
        ctx=day.ctx,
        actor=day.staff.requester(day.session, case.agency),
        document=case.document,
        idempotency_key=f"demo-{case.number}",
    )
    case.request_id = result.request.id
    # An emergency is reviewed and decided the day it comes in (its order follows).
    emergency = case.document.emergency is not None
    wait = 0 if emergency else day.rng.randint(0, 3)
    return [(review, wait, case), *_order_steps(day, case, result.request)]


def _order_steps(day: Day, case: Case, request: Request) -> list[tuple[Step, int, Case]]:
    """What follows for the request's court order: the court acts, or, for an emergency
    that started without one, the agency files it late (or never)."""
    emergency = case.document.emergency is not None
    if filing.order_of(session=day.session, request=request) is not None:
        delay = day.rng.choice([0, 1, 1, 2, 4]) if emergency else day.rng.randint(0, 3)
        return [(duties.court_acts, delay, case)]
    if emergency and request.kind is RequestKind.MAIL_COVER:
        return [(duties.file_late_order, day.rng.randint(1, 2), case)]
    return []


def review(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """A reviewer checks the findings (``POST .../review``)."""
    request = day.request(case)
    if request is None:
        return []
    reviewer = day.user("reviewer" if case.number % 2 else "reviewer2")
    requests.review(
        session=day.session, ctx=day.ctx, actor=reviewer, request=request, note=REVIEW_NOTE
    )
    return [(decide, 0 if case.document.emergency else day.rng.randint(0, 4), case)]


def decide(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The approver denies what the rules refuse, else approves or narrows
    (``POST .../decision``); some covers are then extended or observed."""
    request = day.request(case)
    if request is None:
        return []
    rng = day.rng
    evaluation = decisions.stored_evaluation(request)
    approver = day.user(_approver(request, case.document))
    failing = evaluation.failed
    order = filing.order_of(session=day.session, request=request)
    refused = order is not None and order.state is OrderState.REFUSED
    # Judge first: the approver waits for the court (an emergency may start first).
    filed = order is not None and order.state is OrderState.FILED
    waiting = filed and case.document.emergency is None
    if not failing and waiting and case.waits < MAX_WAITS:
        case.waits += 1
        return [(decide, 2, case)]  # judge first: wait for the court
    if failing or refused or waiting or rng.random() < 0.04:
        reasons = "; ".join(f"{f.rule}: {f.message}" for f in failing) or (
            REFUSED if refused else NOT_CONFIRMED if waiting else DENIAL
        )
        decision = DecisionInput(outcome=DecisionOutcome.DENY, reasons=reasons)
        decisions.decide(
            session=day.session, ctx=day.ctx, actor=approver, request=request, decision=decision
        )
        return []
    justifications = {f.rule: JUSTIFICATION for f in evaluation.to_review}
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
    decisions.decide(
        session=day.session, ctx=day.ctx, actor=approver, request=request, decision=decision
    )
    follow: list[tuple[Step, int, Case]] = []
    is_cover = request.kind is RequestKind.MAIL_COVER
    if is_cover and request.active_until is not None and rng.random() < EXTENSION_SHARE:
        # The agency asks, a few days before the end, for 30 more days.
        ask = max(0, (request.active_until - day.today).days - rng.randint(3, 8))
        follow.append((extend, ask, case))
    if is_cover and rng.random() < OBSERVED_SHARE:
        start_in = max(0, (request.start - day.today).days)
        return [*follow, (observe, start_in + rng.randint(2, 9), case)]
    return [*follow, (close, _days_after_end(day, request), case)]


def observe(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The postal clerk records a few mail exteriors (``POST .../observations``)."""
    request = day.request(case)
    if request is None:
        return []
    if request.state is RequestState.ACTIVE:
        world = DemoWorld(day.rng)
        observer = day.user("observer")
        for _ in range(day.rng.randint(1, 4)):
            item = world.mail(
                case.document.subject, today=day.today, active_from=request.active_from
            )
            covers.observe(
                session=day.session, ctx=day.ctx, actor=observer, request=request, item=item
            )
    return [(close, _days_after_end(day, request), case)]


def extend(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The agency asks for 30 more days: a new request, continuous with the cover
    (``POST .../extensions``)."""
    request = day.request(case)
    if request is None or request.state not in {RequestState.APPROVED, RequestState.ACTIVE}:
        return []
    if request.active_until is None or request.authorised_days is None:
        return []
    prior = case.document.scope.prior_days + request.authorised_days
    if prior + 30 > MAX_COVER_DAYS:
        return []
    document = extension_document(
        case.document,
        today=day.today,
        start=request.active_until + timedelta(days=1),
        prior_days=prior,
    )
    result = requests.extend(
        session=day.session,
        ctx=day.ctx,
        actor=day.staff.requester(day.session, case.agency),
        parent=request,
        document=document,
    )
    child = Case(
        number=EXTENSION_NUMBERS + case.number * 10 + _generation(case),
        agency=case.agency,
        document=document,
        request_id=result.request.id,
        extension_of=case,
    )
    return [(review, day.rng.randint(0, 2), child), *_order_steps(day, child, result.request)]


def close(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The reviewer closes the cover once it ended or on request (``POST .../close``)."""
    request = day.request(case)
    if request is None:
        return []
    if request.state not in {RequestState.ACTIVE, RequestState.EXPIRED, RequestState.APPROVED}:
        return []
    reason = CloseReason.EXPIRED if request.state is RequestState.EXPIRED else CloseReason.REQUESTED
    requests.close(
        session=day.session, ctx=day.ctx, actor=day.user("reviewer"), request=request, reason=reason
    )
    follow: list[tuple[Step, int, Case]] = [
        (produce, day.rng.randint(1, 6), case),
        (duties.notify, day.rng.randint(40, 85), case),
    ]
    if case.number % duties.IMPROPER_EVERY == 0:
        follow.append((duties.found_improper, day.rng.randint(8, 20), case))
    return follow


def produce(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The reviewer packages the records for the agency (``POST .../production``)."""
    request = day.request(case)
    if request is None:
        return []
    productions.produce(
        session=day.session, ctx=day.ctx, actor=day.user("reviewer"), request=request
    )
    return [(acknowledge, day.rng.randint(1, 5), case)]


def acknowledge(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The agency confirms the package it received (``POST .../production/acknowledge``)."""
    request = day.request(case)
    if request is None:
        return []
    package = productions.get_production(session=day.session, request=request)
    productions.acknowledge(
        session=day.session,
        ctx=day.ctx,
        actor=day.staff.requester(day.session, case.agency),
        request=request,
        manifest_sha256=package.manifest_sha256,
    )
    return []


def _approver(request: Request, document: RequestDocument) -> str:
    """Who decides, by the written delegations."""
    if document.purpose.ground.value == "national_security":
        return "chief"
    if document.emergency is not None:
        return "iic"
    return "osg" if request.id % 3 else "hq"


def _days_after_end(day: Day, request: Request) -> int:
    until = request.active_until or day.today
    return max(0, (until - day.today).days + day.rng.randint(1, 4))


def _generation(case: Case) -> int:
    """How many extensions precede ``case`` in its chain."""
    count = 0
    while case.extension_of is not None:
        count += 1
        case = case.extension_of
    return count
