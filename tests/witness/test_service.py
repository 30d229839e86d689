"""One witness end to end, in process, on SQLite and PostgreSQL: every answer."""

from __future__ import annotations

from functools import partial

from covergate.tlog import CosignatureVerifier, Ed25519Verifier, Hash, open_note
from covergate.tlog.witness_protocol import SIZE_CONTENT_TYPE, AddCheckpoint
from covergate.witness import store
from covergate.witness.check import Verdict
from covergate.witness.service import TEXT, Witness
from tests.witness.factories import FakeLog, StepClock, race

LOG = FakeLog()


def _follow(witness: Witness, log: FakeLog = LOG) -> None:
    store.add_log(witness.engine, log.origin, log.vkey, now=1, replace=False)


def _size(witness: Witness, log: FakeLog = LOG) -> int:
    record = store.read_log(witness.engine, log.origin)
    assert record is not None
    return record.stored.size


def _cosigner(witness: Witness) -> CosignatureVerifier:
    return CosignatureVerifier.from_key_string(witness.key.verifier_key())


def test_a_consistent_checkpoint_is_cosigned_stored_and_served(
    witness: Witness, clock: StepClock
) -> None:
    _follow(witness)
    answer = witness.add_checkpoint(LOG.request(0, 10))
    assert (answer.status, answer.content_type) == (200, TEXT)
    # The answer is one cosignature line over the checkpoint, timestamped by the clock.
    cosigned = LOG.checkpoint(10) + answer.body
    opened = open_note(cosigned, [_cosigner(witness)])
    assert CosignatureVerifier.timestamp(opened.signatures[0].signature) == int(clock.now)
    assert _size(witness) == 10
    # Monitors get the checkpoint with the log's signature and the cosignature.
    served = witness.checkpoint(LOG.origin)
    open_note(served, [_cosigner(witness)])
    open_note(served, [Ed25519Verifier.from_key_string(LOG.vkey)])
    # And it grows from there.
    clock.now += 60
    assert witness.add_checkpoint(LOG.request(10, 300)).status == 200
    assert _size(witness) == 300


def test_a_resend_gets_a_fresh_cosignature(witness: Witness, clock: StepClock) -> None:
    _follow(witness)
    first = witness.add_checkpoint(LOG.request(0, 4))
    clock.now += 3600
    again = witness.add_checkpoint(LOG.request(4, 4))
    assert again.status == 200
    assert again.body != first.body
    stamp = open_note(LOG.checkpoint(4) + again.body, [_cosigner(witness)]).signatures[0]
    assert CosignatureVerifier.timestamp(stamp.signature) == int(clock.now)
    assert again.body in witness.checkpoint(LOG.origin)
    record = store.read_log(witness.engine, LOG.origin)
    assert record is not None
    assert record.cosigned_at == int(clock.now)


def test_a_stale_old_size_is_409_with_the_latest_size(witness: Witness) -> None:
    _follow(witness)
    witness.add_checkpoint(LOG.request(0, 8))
    answer = witness.add_checkpoint(LOG.request(3, 12))
    assert (answer.status, answer.body, answer.content_type) == (409, b"8\n", SIZE_CONTENT_TYPE)
    assert _size(witness) == 8


def test_refusals_answer_their_status_and_change_nothing(
    witness: Witness, reports: list[str]
) -> None:
    _follow(witness)
    witness.add_checkpoint(LOG.request(0, 8))
    stranger = FakeLog(origin="stranger.example/log")
    impostor = FakeLog(seed=5)
    cases = {
        "unknown origin": (stranger.request(0, 3), 404),
        "another key": (impostor.request(8, 9, proof=LOG.proof(8, 9)), 403),
        "not a request": (b"hello\n", 400),
        "old above new": (AddCheckpoint(8, (), LOG.checkpoint(5)).format(), 400),
        "proof from 0": (LOG.request(0, 8, proof=LOG.proof(4, 8)), 409),  # old 0 is stale
    }
    for name, (body, status) in cases.items():
        answer = witness.add_checkpoint(body)
        assert answer.status == status, (name, answer)
        assert answer.body.endswith(b"\n"), name
        assert answer.body.count(b"\n") == 1, name
    assert _size(witness) == 8
    assert reports == []
    assert witness.evidence() == []


def test_a_proof_from_size_zero_on_a_fresh_log_is_422(witness: Witness) -> None:
    _follow(witness)
    answer = witness.add_checkpoint(LOG.request(0, 8, proof=LOG.proof(4, 8)))
    assert (answer.status, answer.content_type) == (422, TEXT)
    assert witness.evidence() == []


def test_an_inconsistent_checkpoint_is_422_kept_and_reported_once(
    witness: Witness, reports: list[str]
) -> None:
    _follow(witness)
    witness.add_checkpoint(LOG.request(0, 5))
    fork = FakeLog(salt=b"fork ")
    bad_proof = AddCheckpoint(5, fork.proof(5, 9), LOG.checkpoint(9, fork.root(9))).format()
    other_root = AddCheckpoint(5, (), LOG.checkpoint(5, fork.root(5))).format()
    for body in (bad_proof, other_root, bad_proof):
        assert witness.add_checkpoint(body).status == 422
    assert _size(witness) == 5
    kept = witness.evidence()
    assert [(e.old_size, e.size, e.reason) for e in kept] == [
        (5, 9, Verdict.BAD_PROOF),
        (5, 5, Verdict.ROOT_MISMATCH),
    ]
    assert witness.evidence_body(kept[0].id) == bad_proof
    assert reports == [
        "warning: inconsistent checkpoint kept as evidence: origin example.com/log"
        " old size 5 size 9",
        "warning: inconsistent checkpoint kept as evidence: origin example.com/log"
        " old size 5 size 5",
    ]


def test_a_size_zero_checkpoint_with_another_root_is_evidence(witness: Witness) -> None:
    _follow(witness)
    answer = witness.add_checkpoint(
        AddCheckpoint(0, (), LOG.checkpoint(0, Hash(bytes(32)))).format()
    )
    assert answer.status == 422
    assert [e.reason for e in witness.evidence()] == [Verdict.BAD_EMPTY_ROOT]


def test_a_clock_at_zero_never_cosigns(witness: Witness, clock: StepClock) -> None:
    _follow(witness)
    clock.now = 0
    assert witness.add_checkpoint(LOG.request(0, 3)).status == 503
    assert _size(witness) == 0


def test_a_rotated_log_key_continues_from_the_kept_state(witness: Witness) -> None:
    _follow(witness)
    witness.add_checkpoint(LOG.request(0, 6))
    rotated = FakeLog(seed=7)  # the same origin and tree, a new key
    store.add_log(witness.engine, LOG.origin, rotated.vkey, now=2, replace=True)
    assert witness.add_checkpoint(LOG.request(6, 9)).status == 403
    assert witness.add_checkpoint(rotated.request(6, 9)).status == 200
    assert _size(witness) == 9


def test_two_submissions_racing_from_the_same_old_size_one_200_one_409(
    witness: Witness,
) -> None:
    _follow(witness)
    size = 0
    for step in range(8):
        grown = (size + 3 + step, size + 5 + step)
        answers = race(*(partial(witness.add_checkpoint, LOG.request(size, new)) for new in grown))
        statuses = [answer.status for answer in answers]
        assert sorted(statuses) == [200, 409], statuses
        size = grown[statuses.index(200)]
        assert _size(witness) == size
        assert answers[statuses.index(409)].body == b"%d\n" % size
