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
