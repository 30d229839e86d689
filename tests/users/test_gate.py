"""The API's token gate: what passed the early check, for a few seconds (users/gate.py)."""

from __future__ import annotations

from datetime import timedelta

from covergate.clock import FixedClock
from covergate.users.gate import GATE_SECONDS, TokenGate


def test_a_token_passes_again_only_until_its_seconds_are_up() -> None:
    clock = FixedClock()
    gate = TokenGate(clock)
    assert not gate.admits("cg_one")
    gate.passed("cg_one")
    assert gate.admits("cg_one")
    assert not gate.admits("cg_two")
    clock.advance(timedelta(seconds=GATE_SECONDS - 0.001))
    assert gate.admits("cg_one")
    clock.advance(timedelta(seconds=0.001))
    assert not gate.admits("cg_one")


def test_forget_all_checks_every_token_again() -> None:
    gate = TokenGate(FixedClock())
    gate.passed("cg_one")
    gate.passed("cg_two")
    gate.forget_all()
    assert not gate.admits("cg_one")
    assert not gate.admits("cg_two")
    assert len(gate) == 0


def test_the_gate_never_grows_past_its_size() -> None:
    gate = TokenGate(FixedClock(), size=3)
    for i in range(10):
        gate.passed(f"cg_{i}")
        assert len(gate) <= 3
    assert gate.admits("cg_9")


def test_only_digests_are_kept() -> None:
    gate = TokenGate(FixedClock())
    gate.passed("cg_secret-token-text")
    assert "cg_secret-token-text" not in repr(vars(gate))
