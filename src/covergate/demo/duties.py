"""The demo's accountability steps: courts, notices and destruction, through the real services.

Each is a step like those of :mod:`covergate.demo.agenda` (``step(day, case) ->
[(next_step, delay_days, case)]``) calling what the HTTP handler for the action
calls: the court confirms, refuses, seals and unseals orders
(``courts.service``), an emergency's agency files its order late
(``courts.filing.file_late``), the court delays notice (``notices.service.delay``),
a reviewer prints and mails the notice (``notices.bundle.print_letter``,
``notices.service.mark_mailed``), and the Chief Inspector destroys the data of a
cover found improperly ordered (``retention.service.destroy_improper``). What
happens on its date with no one acting (emergencies ending, seals lapsing,
notices falling due or overdue, retention) is the maintenance sweep's, run daily by
:func:`covergate.demo.run.seed_demo`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from covergate.courts import filing
from covergate.courts import service as courts
from covergate.document import LegalProcess, ProcessStandard, ProcessType
from covergate.lifecycle.states import NoticeState, OrderState, RequestState
from covergate.notices import bundle as letters
from covergate.notices import service as notices
from covergate.retention import service as retention

if TYPE_CHECKING:  # the agenda imports these steps
    from covergate.demo.agenda import Case, Day, Step

REFUSAL = "The application does not state specific and articulable facts for this address."
DELAY_REASONS = "Notice now would alert co-conspirators and lead to the destruction of evidence."
IMPROPER = (
    "Internal review found the order was signed for a different address than the one "
    "covered; the cover was improperly ordered."
)
REFUSE_SHARE = 0.05  # of orders, which the court refuses
SEAL_SHARE = 0.2  # of confirmed orders, which the court seals
EARLY_UNSEAL_SHARE = 0.15  # of sealed orders, which the court unseals before the date
LATE_FILING_SHARE = 0.75  # of emergencies started without an order, which file one
DELAY_SHARE = 0.12  # of notices, which the court delays (90 days at most each)
RENEW_SHARE = 0.3  # of delayed notices, delayed again by a new order
UNMAILED_SHARE = 0.05  # of notices, left unmailed (published as overdue)
IMPROPER_EVERY = 1499  # one case in this many is found improperly ordered afterwards


def court_acts(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The court confirms (sometimes sealed) or refuses the order filed with a request."""
    request = day.request(case)
    if request is None or request.court_id is None:
        return []
    order = filing.order_of(session=day.session, request=request)
    if order is None or order.state is not OrderState.FILED:
        return []
    clerk = day.staff.court_user(day.session, request.court_id)
    rng = day.rng
    # A refusal's reasons are sealed with the request's data key: once an emergency's
    # data is destroyed (its order came too late), the court can only confirm.
    if rng.random() < REFUSE_SHARE and request.destroyed_on is None:
        courts.refuse(
            session=day.session, ctx=day.ctx, actor=clerk, request=request, reasons=REFUSAL
        )
        return []
    sealed_until = None
    if rng.random() < SEAL_SHARE:
        sealed_until = day.today + timedelta(days=rng.randint(60, 300))
    courts.confirm(
        session=day.session, ctx=day.ctx, actor=clerk, request=request, sealed_until=sealed_until
    )
    if sealed_until is not None and rng.random() < EARLY_UNSEAL_SHARE:
        return [(court_unseals, rng.randint(10, 50), case)]
    return []


def court_unseals(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The court lifts its seal before the date it set."""
    request = day.request(case)
    if request is None or request.court_id is None:
        return []
    order = filing.order_of(session=day.session, request=request)
    if order is None or not courts.is_sealed(order):
        return []
    clerk = day.staff.court_user(day.session, request.court_id)
    courts.unseal(session=day.session, ctx=day.ctx, actor=clerk, request=request)
    return []


def file_late_order(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """An emergency started without an order: the agency files it (or never does)."""
    request = day.request(case)
    if request is None or filing.order_of(session=day.session, request=request) is not None:
        return []
    if request.state not in {RequestState.APPROVED, RequestState.ACTIVE, RequestState.IN_REVIEW}:
        return []
    if day.rng.random() >= LATE_FILING_SHARE:
        return []  # no order follows: the sweep ends the cover and destroys its data
    from covergate.demo.world import COURTS

    process = LegalProcess(
        type=ProcessType.COURT_ORDER,
        standard=ProcessStandard.SPECIFIC_AND_ARTICULABLE_FACTS,
        court=day.rng.choice(COURTS),
        docket=f"{day.today.year % 100}-mj-{day.rng.randint(1, 9999):04d}",
        judge="Hon. Duty Magistrate",
        issued=day.today,
        expires=None,
    )
    filing.file_late(
        session=day.session,
        ctx=day.ctx,
        actor=day.staff.requester(day.session, case.agency),
        request=request,
        process=process,
    )
    # The duty magistrate acts within a day or two; now and then too late.
    return [(court_acts, day.rng.choice([0, 0, 1, 1, 2, 4]), case)]


def notify(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """The notice owed to the subject: delayed by the court, mailed, or (rarely) left."""
    request = day.request(case)
    if request is None:
        return []
    notice = notices.notice_of(session=day.session, request=request)
    if notice is None:
        # Not owed yet (an extension still runs) or not at all (never ordered).
        if request.ordered_on is None or request.state is RequestState.DENIED:
            return []
        return [(notify, 30, case)]
    if notice.state is NoticeState.MAILED:
        return []
    rng = day.rng
    if notice.state is NoticeState.DELAYED:
        left = ((notice.delayed_until or day.today) - day.today).days
        return [(notify, max(1, left + 2), case)]
    court_id = request.court_id
    renewal = bool(notices.delays_of(session=day.session, request=request))
    # A delay order's reasons are sealed with the request's data key: none once destroyed.
    may_delay = request.destroyed_on is None
    if (
        court_id is not None
        and may_delay
        and rng.random() < (RENEW_SHARE if renewal else DELAY_SHARE)
    ):
        until = day.today + timedelta(days=rng.randint(45, 90))
        notices.delay(
            session=day.session,
            ctx=day.ctx,
            actor=day.staff.court_user(day.session, court_id),
            request=request,
            until=until,
            docket=f"{day.today.year % 100}-mc-{rng.randint(1, 9999):04d}",
            reasons=DELAY_REASONS,
        )
        return [(notify, (until - day.today).days + rng.randint(3, 20), case)]
    if renewal is False and rng.random() < UNMAILED_SHARE:
        return []  # falls through the cracks: the sweep publishes it as overdue
    reviewer = day.user("reviewer")
    letters.print_letter(
        session=day.session, ctx=day.ctx, actor=reviewer, request=request, log_key=day.log_key
    )
    notices.mark_mailed(
        session=day.session,
        ctx=day.ctx,
        actor=reviewer,
        request=request,
        mailed_on=day.today,
        tracking=f"9400{rng.getrandbits(64):020d}"[:22],
    )
    return []


def found_improper(day: Day, case: Case) -> list[tuple[Step, int, Case]]:
    """An internal review finds a cover improperly ordered: its data goes at once."""
    request = day.request(case)
    if request is None or request.destroyed_on is not None or request.ordered_on is None:
        return []
    retention.destroy_improper(
        session=day.session,
        ctx=day.ctx,
        actor=day.user("chief"),
        request=request,
        explanation=IMPROPER,
    )
    return []
