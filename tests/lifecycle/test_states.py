"""The state machine: every allowed transition, and every other one refused."""

from __future__ import annotations

import pytest

from covergate.errors import InvalidTransition
from covergate.lifecycle.states import TRANSITIONS, Action, RequestState, next_state

ALL_PAIRS = [(s, a) for s in RequestState for a in Action]
FORBIDDEN = [(s, a) for (s, a) in ALL_PAIRS if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_allowed_transition(state: RequestState, action: Action) -> None:
    assert next_state(state, action) is TRANSITIONS[(state, action)]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition_is_a_clear_error(state: RequestState, action: Action) -> None:
    with pytest.raises(InvalidTransition) as err:
        next_state(state, action)
    assert state.value in err.value.message


def test_terminal_states_say_so() -> None:
    with pytest.raises(InvalidTransition, match="denied is final"):
        next_state(RequestState.DENIED, Action.CLOSE)


def test_decision_needs_a_review_first() -> None:
    with pytest.raises(InvalidTransition, match="from submitted it can be: review"):
        next_state(RequestState.SUBMITTED, Action.APPROVE)


def test_every_state_is_reachable_from_submitted() -> None:
    seen = {RequestState.SUBMITTED}
    frontier = [RequestState.SUBMITTED]
    while frontier:
        state = frontier.pop()
        for (src, _action), dst in TRANSITIONS.items():
            if src is state and dst not in seen:
                seen.add(dst)
                frontier.append(dst)
    assert seen == set(RequestState)
