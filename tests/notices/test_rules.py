"""The lawful order of a request's events, checked offline (pure: no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from covergate.errors import VerificationFailed
from covergate.lifecycle.events import EventType
from covergate.notices.rules import check_lawful_order
from covergate.notices.summary import LoggedEvent, first_difference
from covergate.policy import load_policy

E = EventType
DAY = date(2026, 3, 2)
POLICY = load_policy("safeguards-2026")


def events(
    *steps: tuple[EventType, int, str | None], policy: str = POLICY.name
) -> list[LoggedEvent]:
    """(event, day offset, outcome) steps as logged events, indexes 0, 1, ..."""
    version = load_policy(policy).version
    return [
        LoggedEvent(
            index,
            kind,
            DAY + timedelta(days=offset),
            {"event": kind.value, "outcome": outcome, "policy": policy, "policy_version": version},
            {},
        )
        for index, (kind, offset, outcome) in enumerate(steps)
    ]


JUDGE_FIRST = [
    (E.SUBMITTED, 0, None),
    (E.ORDER_FILED, 0, None),
    (E.ORDER_CONFIRMED, 1, None),
    (E.REVIEWED, 1, None),
    (E.DECIDED, 2, "approved"),
    (E.STARTED, 3, None),
    (E.EXPIRED, 33, None),
    (E.NOTICE_SERVED, 40, "on_time"),
]


def test_judge_first_is_lawful() -> None:
    assert check_lawful_order(events(*JUDGE_FIRST)) == []


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([JUDGE_FIRST[1], *JUDGE_FIRST], "the first entry of a request is its submission"),
        ([*JUDGE_FIRST[:4], *JUDGE_FIRST[5:]], "entry 4: the cover started before it was approved"),
        ([*JUDGE_FIRST[:6], JUDGE_FIRST[7]], "entry 6: notice_served before the cover ended"),
        (
            [*JUDGE_FIRST, (E.NOTICE_DELAYED, 41, None)],
            "entry 8: notice_delayed after the notice was served",
        ),
        ([*JUDGE_FIRST[:7], (E.NOTICE_RESUMED, 40, None)], "notice resumed without a delay"),
        ([*JUDGE_FIRST[:7], (E.PRODUCED, 40, None)], "produced before the request was closed"),
        (
            [JUDGE_FIRST[0], JUDGE_FIRST[1], (E.DECIDED, 2, "approved"), (E.STARTED, 3, None)],
            "entry 2: approved without the court's confirmation",
        ),
        (
            [
                JUDGE_FIRST[0],
                JUDGE_FIRST[1],
                (E.ORDER_REFUSED, 1, None),
                (E.DECIDED, 2, "approved"),
            ],
            "entry 3: approved after the court refused the order",
        ),
    ],
)
def test_events_out_of_order_fail(
    steps: list[tuple[EventType, int, str | None]], message: str
) -> None:
    with pytest.raises(VerificationFailed, match=message):
        check_lawful_order(events(*steps))


EMERGENCY = [
    (E.SUBMITTED, 0, None),
    (E.ORDER_FILED, 0, None),
    (E.DECIDED, 0, "approved"),
    (E.STARTED, 0, None),
]


def test_an_emergency_may_be_approved_first_if_its_order_follows_in_time() -> None:
    days = POLICY.authority.emergency_order.days
    assert days == 3
    notes = check_lawful_order(events(*EMERGENCY, (E.ORDER_CONFIRMED, days, None)))
    assert "approved as an emergency" in notes[0]
    with pytest.raises(VerificationFailed, match="the emergency's order came late"):
        check_lawful_order(events(*EMERGENCY, (E.ORDER_CONFIRMED, days + 1, None)))


def test_an_emergency_without_its_order_is_lawful_only_if_it_was_ended() -> None:
    ended = events(*EMERGENCY, (E.CLOSED, 4, "no_timely_order"))
    assert "the emergency's order came late: the cover was ended" in check_lawful_order(ended)[0]
    with pytest.raises(VerificationFailed, match="approved without the court's confirmation"):
        check_lawful_order(events(*EMERGENCY, (E.CLOSED, 4, "requested")))


def test_usps_2017_needs_no_confirmation() -> None:
    steps = [JUDGE_FIRST[0], JUDGE_FIRST[1], (E.DECIDED, 2, "approved"), (E.STARTED, 3, None)]
    assert check_lawful_order(events(*steps, policy="usps-2017")) == []


def test_first_difference_names_the_path() -> None:
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "facts.a[1].b"
    assert first_difference({"a": 1}, {"a": 1, "c": 2}) == "facts.c"
    assert first_difference({"a": 1}, {"a": True}) == "facts.a"  # True is not 1 here
    assert first_difference([1], [1, 2]) == "facts"
    assert first_difference({"a": None}, {"a": None}) is None
