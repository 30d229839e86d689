"""The request state machine. Every transition not listed here is an error.

    submitted ──review──▶ in_review ──approve/modify──▶ approved ──start──▶ active
                              │                            │(close)         │  │
                              └──deny──▶ denied            ▼         expire│  │close
                                                                           ▼  ▼
                                     acknowledged ◀──ack── produced ◀── closed ◀─ expired

Records requests use the same states: ``active`` is the window in which the
authorised records are gathered.
"""

from __future__ import annotations

from enum import StrEnum

from covergate.errors import InvalidTransition


class RequestState(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DENIED = "denied"
    ACTIVE = "active"
    EXPIRED = "expired"
    CLOSED = "closed"
    PRODUCED = "produced"
    ACKNOWLEDGED = "acknowledged"


class CloseReason(StrEnum):
    REQUESTED = "requested"  # the agency or the Inspection Service ends it
    INDICTMENT = "indictment"  # 39 CFR 233.3(g)(7): ends when an indictment is filed
    EXPIRED = "expired"  # the authorised period ran out
    NO_TIMELY_ORDER = "no_timely_order"  # emergency start; no confirmed order in time
    ORDER_REFUSED = "order_refused"  # the court refused the order the request relies on
    IMPROPER = "improper"  # found improperly ordered: ended, its data destroyed at once


class PersonCloseReason(StrEnum):
    """The reasons for which a person closes a request (``requests.service.close``).

    The other :class:`CloseReason` values are set only by covergate itself: the
    maintenance sweep (no timely order, order refused; ``retention.emergencies``) and
    the Inspection Service's finding of an improper order (``retention.service``).
    """

    REQUESTED = CloseReason.REQUESTED.value
    INDICTMENT = CloseReason.INDICTMENT.value
    EXPIRED = CloseReason.EXPIRED.value


class DestructionReason(StrEnum):
    """Why a request's data was destroyed (39 CFR 233.3(h); safeguards-2026)."""

    RETENTION_ENDED = "retention_ended"  # kept the years the policy says, then destroyed
    NO_TIMELY_ORDER = "no_timely_order"  # emergency cover without a confirmed order in time
    ORDER_REFUSED = "order_refused"  # the court refused the order of a cover that ran
    IMPROPER = "improper"  # improperly ordered: destroyed at once, the requester told why


#: The states a request reaches only once approved (ordered): counted as approved in
#: the statistics, and where an observer's attempt to record is refused and counted
#: rather than not found.
APPROVED_STATES = frozenset(
    {
        RequestState.APPROVED,
        RequestState.ACTIVE,
        RequestState.EXPIRED,
        RequestState.CLOSED,
        RequestState.PRODUCED,
        RequestState.ACKNOWLEDGED,
    }
)


class Action(StrEnum):
    REVIEW = "review"
    APPROVE = "approve"
    DENY = "deny"
    START = "start"
    EXPIRE = "expire"
    CLOSE = "close"
    PRODUCE = "produce"
    ACKNOWLEDGE = "acknowledge"


S = RequestState
TRANSITIONS: dict[tuple[RequestState, Action], RequestState] = {
    (S.SUBMITTED, Action.REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, Action.APPROVE): S.APPROVED,
    (S.IN_REVIEW, Action.DENY): S.DENIED,
    (S.APPROVED, Action.START): S.ACTIVE,
    (S.APPROVED, Action.CLOSE): S.CLOSED,
    (S.ACTIVE, Action.EXPIRE): S.EXPIRED,
    (S.ACTIVE, Action.CLOSE): S.CLOSED,
    (S.EXPIRED, Action.CLOSE): S.CLOSED,
    (S.CLOSED, Action.PRODUCE): S.PRODUCED,
    (S.PRODUCED, Action.ACKNOWLEDGE): S.ACKNOWLEDGED,
}

_VERB = {
    Action.REVIEW: "reviewed",
    Action.APPROVE: "approved",
    Action.DENY: "denied",
    Action.START: "started",
    Action.EXPIRE: "expired",
    Action.CLOSE: "closed",
    Action.PRODUCE: "produced",
    Action.ACKNOWLEDGE: "acknowledged",
}


def next_state(current: RequestState, action: Action) -> RequestState:
    """The state after ``action``, or InvalidTransition naming both and what is allowed."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is current)
        hint = (
            f"; from {current.value} it can be: {', '.join(allowed)}"
            if allowed
            else (f"; {current.value} is final")
        )
        raise InvalidTransition(
            f"a request that is {current.value} cannot be {_VERB[action]}{hint}"
        ) from None


# -- court orders ---------------------------------------------------------------------
#
#     filed ──confirm──▶ confirmed
#       └────refuse───▶ refused


class OrderState(StrEnum):
    FILED = "filed"  # filed by the agency with its request; the court has not acted
    CONFIRMED = "confirmed"  # a user of the issuing court confirmed it
    REFUSED = "refused"  # a user of the issuing court refused it, with reasons


class OrderAction(StrEnum):
    CONFIRM = "confirm"
    REFUSE = "refuse"


ORDER_TRANSITIONS: dict[tuple[OrderState, OrderAction], OrderState] = {
    (OrderState.FILED, OrderAction.CONFIRM): OrderState.CONFIRMED,
    (OrderState.FILED, OrderAction.REFUSE): OrderState.REFUSED,
}


def next_order_state(current: OrderState, action: OrderAction) -> OrderState:
    try:
        return ORDER_TRANSITIONS[(current, action)]
    except KeyError:
        verb = {"confirm": "confirmed", "refuse": "refused"}[action.value]
        raise InvalidTransition(
            f"an order that is {current.value} cannot be {verb}; the court decides once"
        ) from None


# -- notice to the subject ------------------------------------------------------------
#
#     pending ──delay──▶ delayed ──delay (a new order)──▶ delayed
#       │  ▲                │
#       │  └──resume (the delay ended: the clock re-arms)┘
#       └──mail──▶ mailed


class NoticeState(StrEnum):
    PENDING = "pending"  # owed; the clock runs to due_on
    DELAYED = "delayed"  # a court's delay order is in force
    MAILED = "mailed"  # the letter went to the covered address


class NoticeAction(StrEnum):
    DELAY = "delay"
    RESUME = "resume"
    MAIL = "mail"


NOTICE_TRANSITIONS: dict[tuple[NoticeState, NoticeAction], NoticeState] = {
    (NoticeState.PENDING, NoticeAction.DELAY): NoticeState.DELAYED,
    (NoticeState.DELAYED, NoticeAction.DELAY): NoticeState.DELAYED,
    (NoticeState.DELAYED, NoticeAction.RESUME): NoticeState.PENDING,
    (NoticeState.PENDING, NoticeAction.MAIL): NoticeState.MAILED,
}


def next_notice_state(current: NoticeState, action: NoticeAction) -> NoticeState:
    try:
        return NOTICE_TRANSITIONS[(current, action)]
    except KeyError:
        if current is NoticeState.DELAYED and action is NoticeAction.MAIL:
            message = "a notice under a delay order in force cannot be mailed"
        elif current is NoticeState.MAILED:
            verb = {"delay": "delayed", "resume": "resumed", "mail": "mailed"}[action.value]
            message = f"the notice was mailed; it cannot be {verb} now"
        else:
            message = f"a notice that is {current.value} cannot {action.value}"
        raise InvalidTransition(message) from None


# Enums of the models that their input schemas (pydantic) share: here, so that a
# model module does not import pydantic for them.
class DecisionOutcome(StrEnum):
    APPROVE = "approve"
    MODIFY = "modify"
    DENY = "deny"


class RefusalReason(StrEnum):
    NOT_ACTIVE = "not_active"  # the cover is not (or no longer) active
    OUTSIDE_WINDOW = "outside_window"  # the mail date is outside the authorised window
    BEFORE_ORDER = "before_order"  # dated before the cover was ordered, 233.3(d), (g)
    WRONG_ADDRESS = "wrong_address"  # not addressed to the covered address
    ATTORNEY_MAIL = "attorney_mail"  # to or from the subject's known attorney, (g)(2)
    CATEGORY_NOT_AUTHORISED = "category_not_authorised"  # records category not approved
