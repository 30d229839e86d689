"""Verifiers and monitors with witness policies, and across rotations of the keys.

Real cosignatures (covergate.tlog.cosignature.CosignatureSigner, an injected
clock), real signed logs (tests.tlog.factories.published_log), no mocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.errors import InvalidInput, VerificationFailed
from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.policy import WitnessPolicy, parse_policy
from covergate.tlog.verify import MemoryLogSource
from covergate.transparency.keys import LogSigner
from covergate.transparency.monitor import MonitorState, poll
from covergate.transparency.witnessed import (
    NOT_CHECKED,
    QuorumNotMet,
    log_keys_of,
    open_witnessed,
)
from tests.tlog.factories import ORIGIN, published_log, signer

T0 = 1_777_000_000  # 2026-04-24T03:06:40Z


def witness(name: str, at: int = T0) -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate(), lambda: at)


def cosign(note: bytes, *witnesses: CosignatureSigner) -> bytes:
    """The note with each witness's cosignature line appended (what a log serves)."""
    text = note[: note.rindex(b"\n\n") + 1]
    return note + b"".join(w.sign(text) for w in witnesses)


def policy(log: Ed25519Signer, lines: str) -> WitnessPolicy:
    return parse_policy(f"log {log.verifier_key()}\n{lines}")


@pytest.fixture
def log() -> Ed25519Signer:
    return signer()


def test_without_a_policy_cosignatures_are_ignored(log: Ed25519Signer) -> None:
    note = cosign(published_log(5, log)["checkpoint"], witness("w1.example"), witness("w2"))
    opened = open_witnessed(note, [log.verifier()])
    assert opened.checkpoint.size == 5
    assert opened.other_signatures == 2
    assert opened.cosigned_at == {}
    assert opened.describe() == NOT_CHECKED


def test_a_quorum_met_names_the_witnesses_and_their_utc_times(log: Ed25519Signer) -> None:
    a, b, c = witness("a.example"), witness("b.example", T0 + 60), witness("c.example")
    p = policy(
        log,
        f"witness a {a.verifier_key()}\nwitness b {b.verifier_key()}\n"
        f"witness c {c.verifier_key()}\ngroup two 2 a b c\nquorum two\n",
    )
    note = cosign(published_log(5, log)["checkpoint"], a, b)
    opened = open_witnessed(note, [log.verifier()], p)
    assert opened.cosigned_at == {"a": T0, "b": T0 + 60}
    assert opened.cosigners() == [
        {"witness": "a", "time": "2026-04-24T03:06:40Z"},
        {"witness": "b", "time": "2026-04-24T03:07:40Z"},
    ]
    assert opened.describe() == (
        "witness quorum met: cosigned by a at 2026-04-24T03:06:40Z, b at 2026-04-24T03:07:40Z"
    )
    # One witness short: QuorumNotMet, a VerificationFailed of its own kind.
    with pytest.raises(QuorumNotMet, match="cosigned by a; the policy needs 2 of"):
        open_witnessed(cosign(published_log(5, log)["checkpoint"], a), [log.verifier()], p)


def test_a_forged_cosignature_of_a_policy_witness_fails(log: Ed25519Signer) -> None:
    a = witness("a.example")
    p = policy(log, f"witness a {a.verifier_key()}\nquorum a\n")
    note = cosign(published_log(5, log)["checkpoint"], a)
    # The witness's line over another checkpoint text: same key, wrong signature.
    forged = published_log(5, log)["checkpoint"] + a.sign(b"other\n5\n" + b"A" * 43 + b"=\n")
    assert open_witnessed(note, [log.verifier()], p).cosigned_at == {"a": T0}
    with pytest.raises(QuorumNotMet, match=r"invalid signature by a\.example"):
        open_witnessed(forged, [log.verifier()], p)


def test_the_log_signature_is_checked_before_the_quorum(log: Ed25519Signer) -> None:
    a = witness("a.example")
    other = signer(seed=9)
    p = policy(log, f"witness a {a.verifier_key()}\nquorum a\n")
    note = cosign(published_log(5, other)["checkpoint"], a)  # same origin, another log key
    with pytest.raises(VerificationFailed, match="not signed by the log key") as caught:
        open_witnessed(note, [log.verifier()], p)
    assert not isinstance(caught.value, QuorumNotMet)


def test_the_log_key_comes_from_the_policy_when_none_is_given(log: Ed25519Signer) -> None:
    a = witness("a.example")
    p = policy(log, f"witness a {a.verifier_key()}\nquorum a\n")
    keys = log_keys_of([], p)
    assert [k.verifier_key() for k in keys] == [log.verifier_key()]
    note = cosign(published_log(5, log)["checkpoint"], a)
    assert open_witnessed(note, keys, p).checkpoint.origin == ORIGIN
    with pytest.raises(InvalidInput, match="--key"):
        log_keys_of([], None)
    with pytest.raises(InvalidInput, match="no `log` line"):
        log_keys_of([], parse_policy("quorum none\n"))


def test_witness_key_rotation_in_a_policy(log: Ed25519Signer) -> None:
    """A policy lists the witness's new key beside its old one; then drops the old."""
    old, new = witness("ig.example"), witness("ig.example", T0 + 5)
    transition = policy(
        log,
        f"witness ig-old {old.verifier_key()}\nwitness ig-new {new.verifier_key()}\n"
        "group ig any ig-old ig-new\nquorum ig\n",
    )
    after = policy(log, f"witness ig-new {new.verifier_key()}\nquorum ig-new\n")
    checkpoint = published_log(5, log)["checkpoint"]
    by_old, by_new = cosign(checkpoint, old), cosign(checkpoint, new)
    assert open_witnessed(by_old, [log.verifier()], transition).cosigned_at == {"ig-old": T0}
    assert open_witnessed(by_new, [log.verifier()], transition).cosigned_at == {"ig-new": T0 + 5}
    assert open_witnessed(by_new, [log.verifier()], after).cosigned_at == {"ig-new": T0 + 5}
    with pytest.raises(QuorumNotMet, match="cosigned by no witness"):
        open_witnessed(by_old, [log.verifier()], after)


def test_monitor_saves_only_checkpoints_that_meet_the_quorum(
    log: Ed25519Signer, tmp_path: Path
) -> None:
    a, b = witness("a.example"), witness("b.example")
    p = policy(
        log,
        f"witness a {a.verifier_key()}\nwitness b {b.verifier_key()}\ngroup g all a b\nquorum g\n",
    )
    state = MonitorState(tmp_path / "state")
    files = published_log(300, log)
    files["checkpoint"] = cosign(files["checkpoint"], a, b)
    first = poll(MemoryLogSource(files), [log.verifier()], state, policy=p)
    assert first.new_entries == 300
    assert first.witnessed.cosigned_at == {"a": T0, "b": T0}
    assert state.path.read_bytes() == files["checkpoint"]  # kept with its cosignatures

    grown = {**files, **published_log(400, log)}
    grown["checkpoint"] = cosign(grown["checkpoint"], a)  # b has not cosigned it yet
    with pytest.raises(QuorumNotMet):
        poll(MemoryLogSource(grown), [log.verifier()], state, policy=p)
    assert state.path.read_bytes() == files["checkpoint"]  # not accepted, not saved
    grown["checkpoint"] = cosign(published_log(400, log)["checkpoint"], b, a)
    assert poll(MemoryLogSource(grown), [log.verifier()], state, policy=p).new_entries == 100
    # Without the policy the same monitor state still opens (the log key alone).
    assert poll(MemoryLogSource(grown), log.verifier(), state).new_entries == 0


def test_monitor_follows_a_log_key_rotation(tmp_path: Path) -> None:
    """Before, during and after: state signed by the old key, checkpoints by both,
    then by the new one alone."""
    old, new = signer(seed=1), signer(seed=2)
    state = MonitorState(tmp_path / "state")
    before = published_log(100, old)
    assert poll(MemoryLogSource(before), [old.verifier()], state).new_entries == 100

    during = {**before, **published_log(200, LogSigner(new, old))}  # type: ignore[arg-type]
    # A monitor given only the new key cannot open its state signed by the old one.
    with pytest.raises(VerificationFailed, match="--key OLD --key NEW"):
        poll(MemoryLogSource(during), [new.verifier()], state)
    # With the old key alone it carries on (the new checkpoints carry both signatures).
    assert poll(MemoryLogSource(during), [old.verifier()], state).new_entries == 100
    assert open_witnessed(state.path.read_bytes(), [new.verifier()]).checkpoint.size == 200

    after = {**during, **published_log(300, new)}
    with pytest.raises(VerificationFailed, match="not signed by the log key"):
        poll(MemoryLogSource(after), [old.verifier()], state)
    switched = poll(MemoryLogSource(after), [old.verifier(), new.verifier()], state)
    assert switched.new_entries == 100
    assert [k.key_id for k in switched.witnessed.log_keys] == [new.key_id]
    assert poll(MemoryLogSource(after), [new.verifier()], state).new_entries == 0


def test_log_signer_signs_with_every_current_key() -> None:
    old, new = signer(seed=1), signer(seed=2)
    both = LogSigner(new, old)
    assert both.verifier_key() == new.verifier_key()
    assert [v.key_id for v in both.verifiers()] == [new.key_id, old.key_id]
    lines = both.sign(b"text\n").splitlines()
    assert lines == [new.sign(b"text\n").rstrip(b"\n"), old.sign(b"text\n").rstrip(b"\n")]
    assert LogSigner(new, new).signers == (new,)  # an interrupted rotation: one key
    with pytest.raises(InvalidInput, match="named"):
        LogSigner(new, signer("other.example/log", seed=3))
