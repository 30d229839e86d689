"""Seed a synthetic year: the schedule of steps, one transaction per simulated day."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.clock import FixedClock
from covergate.context import ServiceContext, Via
from covergate.demo.agenda import Agenda, Case, Day, submit
from covergate.demo.people import Token, fresh_tokens, seed_people
from covergate.demo.world import (
    AGENCIES,
    DEMO_END,
    DEMO_START,
    USPIS,
    USPIS_FUNCTIONS,
    DemoWorld,
)
from covergate.document import AgencyFunction, Jurisdiction, request_document_from_data
from covergate.errors import CovergateError
from covergate.lifecycle.models import Request
from covergate.maintenance import next_due, sweep_in
from covergate.runtime import Runtime
from covergate.transparency import service as tlog

SWEEP_LIMIT = 1_000_000  # every due cover starts or expires on its day
ARCHIVE = 12  # requests of eight years before, destroyed when their retention ends
ARCHIVE_NUMBERS = 20_000_000  # their case numbers


@dataclass
class DemoResult:
    requests: int  # every request stored, extensions included
    log_size: int
    seconds: float
    verifier_key: str
    extensions: int = 0  # of which extensions
    tokens: list[Token] = field(default_factory=list)
    reused: bool = False  # True when the data was there already and nothing was seeded
    revoked: int = 0  # demo tokens printed by an earlier run, revoked by this one


def seed_demo(rt: Runtime, *, seed: int, outside: int, inspectors: int) -> DemoResult:
    """Seed the database of ``rt`` with a synthetic year. Refuses a non-empty database.

    Each simulated day is one :meth:`Runtime.transaction`, so the log is
    integrated (a new signed checkpoint) at the end of every day that changed it.
    """
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
    clock = FixedClock()
    clock.set_date(DEMO_START)
    ctx = ServiceContext(
        clock=clock,
        cipher=rt.cipher,
        policy_source=lambda: rt.policy,
        via=Via.CLI,
        new_public_id=_seeded_ids(random.Random(seed + 1)),  # noqa: S311
    )
    with rt.transaction() as session:
        if session.scalar(select(Request.id).limit(1)) is not None:
            return _existing_demo(session, rt, started)
        staff, tokens = seed_people(session=session, clock=clock)

    agenda = Agenda()
    world = DemoWorld(rng)
    meta: dict[str, tuple[Jurisdiction, list[AgencyFunction]]] = {
        name: (jurisdiction, functions) for name, jurisdiction, functions, _ in AGENCIES
    }
    meta[USPIS] = (Jurisdiction.FEDERAL, USPIS_FUNCTIONS)
    names = [name for name, *_ in AGENCIES]
    weights = [weight for *_, weight in AGENCIES]
    picks = rng.choices(names, weights=weights, k=outside) + [USPIS] * inspectors
    for number, agency in enumerate(picks):
        received = DEMO_START + timedelta(days=rng.randint(0, 364))
        jurisdiction, functions = meta[agency]
        data = world.document(agency, jurisdiction, functions, received)
        agenda.add(received, submit, Case(number, agency, request_document_from_data(data)))
    # A few requests from eight years before, whose retention (39 CFR 233.3(h)) ends
    # around the demo year: the sweep destroys their data on the day it ends.
    for i in range(ARCHIVE):
        received = DEMO_START - timedelta(days=8 * 365 + rng.randint(0, 200))
        agency = rng.choice(names)
        jurisdiction, functions = meta[agency]
        data = world.document(agency, jurisdiction, functions, received)
        number = ARCHIVE_NUMBERS + i
        agenda.add(received, submit, Case(number, agency, request_document_from_data(data)))
    log_key = rt.log_signer.verifier_key()

    with Progress(
        TextColumn("seeding a year of requests"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task("demo", total=len(agenda))
        done = 0
        sweep_day: date | None = None
        while (today := _earliest(agenda.next_day(), sweep_day)) is not None and today <= DEMO_END:
            clock.set_date(today)
            with rt.transaction() as session:
                # What the server's maintenance loop does: what falls due on its date
                # happens whether or not anyone acts (covergate.maintenance).
                sweep_in(session, ctx, limit=SWEEP_LIMIT)
                day = Day(session=session, ctx=ctx, staff=staff, rng=rng, log_key=log_key)
                day.load(agenda.cases_on(today))
                for appointment in agenda.due(today):
                    for step, delay, case in appointment.step(day, appointment.case):
                        agenda.add(today + timedelta(days=delay), step, case)
                    done += 1
                sweep_day = next_due(session, today)
            # Once a day: the bar redraws ten times a second anyway.
            progress.update(task, completed=done, total=done + len(agenda))
        clock.set_date(DEMO_END)
        with rt.transaction() as session:
            sweep_in(session, ctx, limit=SWEEP_LIMIT)
    with rt.transaction() as session:
        return _result(session, rt, started, tokens, reused=False)


def _earliest(*days: date | None) -> date | None:
    return min((d for d in days if d is not None), default=None)


def _seeded_ids(rng: random.Random) -> Callable[[], str]:
    return lambda: f"{rng.getrandbits(128):032x}"


def _existing_demo(session: Session, rt: Runtime, started: float) -> DemoResult:
    """The database holds data already: seed nothing, revoke the demo tokens printed
    before and hand out fresh ones, in one transaction.

    Only demo users (``@demo.example``) get tokens; a database without them is
    not a demo database, and the command says so instead of touching it.
    """
    fresh = fresh_tokens(session=session, clock=rt.clock)
    if fresh is None:
        raise CovergateError(
            f"the database at {rt.settings.database_url} already holds requests that are not "
            "demo data; run the demo on a new --data directory"
        )
    tokens, revoked = fresh
    result = _result(session, rt, started, tokens, reused=True)
    result.revoked = revoked
    return result


def _result(
    session: Session,
    rt: Runtime,
    started: float,
    tokens: list[Token],
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
