"""The pure add-checkpoint decision: one test per status tlog-witness lists."""

from __future__ import annotations

import pytest

from covergate.errors import MalformedLogData
from covergate.tlog import EMPTY_ROOT, Hash, sign_note
from covergate.tlog.witness_protocol import AddCheckpoint
from covergate.witness.check import MAX_TREE_SIZE, Stored, Verdict, decide, note_origin
from tests.witness.factories import FakeLog, log_signer

LOG = FakeLog()
VERIFIER = LOG.signer.verifier()


def _decide(body: bytes, stored: Stored | None) -> tuple[Verdict, int]:
    decision = decide(AddCheckpoint.parse(body), VERIFIER, stored)
    return decision.verdict, decision.status


def _at(size: int) -> Stored:
    return Stored(size, LOG.root(size))


def test_unknown_origin_is_404() -> None:
    decision = decide(AddCheckpoint.parse(LOG.request(0, 3)), None, None)
    assert (decision.verdict, decision.status) == (Verdict.UNKNOWN_ORIGIN, 404)


def test_a_checkpoint_signed_by_another_key_is_403() -> None:
    impostor = FakeLog(seed=2)
    assert _decide(impostor.request(0, 3), _at(0)) == (Verdict.BAD_SIGNATURE, 403)


def test_a_corrupted_log_signature_is_403() -> None:
    note = LOG.checkpoint(3)
    tampered = note.replace(b"\n3\n", b"\n4\n")  # the text changed under the signature
    assert _decide(LOG.request(0, 4, note=tampered), _at(0)) == (Verdict.BAD_SIGNATURE, 403)


def test_a_signed_note_that_is_no_checkpoint_is_400() -> None:
    note = sign_note(b"example.com/log\nthree\nroot\n", [LOG.signer])
    assert _decide(LOG.request(0, 3, note=note), _at(0)) == (Verdict.MALFORMED, 400)


def test_an_old_size_above_the_new_size_is_400() -> None:
    body = AddCheckpoint(7, (), LOG.checkpoint(5)).format()
    assert _decide(body, _at(7)) == (Verdict.OLD_SIZE_TOO_LARGE, 400)


def test_an_old_size_that_is_not_the_latest_is_409_with_the_latest() -> None:
    decision = decide(AddCheckpoint.parse(LOG.request(3, 9)), VERIFIER, _at(5))
    assert (decision.verdict, decision.status, decision.latest_size) == (
        Verdict.STALE_OLD_SIZE,
        409,
        5,
    )
    assert not decision.evidence


def test_old_size_zero_against_a_witness_that_has_more_is_409() -> None:
    decision = decide(AddCheckpoint.parse(LOG.request(0, 9)), VERIFIER, _at(5))
    assert decision.status == 409
    assert decision.latest_size == 5


def test_a_proof_from_size_zero_is_422() -> None:
    body = LOG.request(0, 8, proof=LOG.proof(4, 8))
    assert _decide(body, _at(0)) == (Verdict.PROOF_FROM_EMPTY, 422)


def test_a_size_zero_checkpoint_without_the_empty_root_is_422_and_evidence() -> None:
    body = AddCheckpoint(0, (), LOG.checkpoint(0, Hash(bytes(32)))).format()
    decision = decide(AddCheckpoint.parse(body), VERIFIER, _at(0))
    assert (decision.verdict, decision.status, decision.evidence) == (
        Verdict.BAD_EMPTY_ROOT,
        422,
        True,
    )


def test_a_size_zero_checkpoint_with_the_empty_root_is_cosigned() -> None:
    body = AddCheckpoint(0, (), LOG.checkpoint(0, EMPTY_ROOT)).format()
    assert _decide(body, _at(0)) == (Verdict.COSIGN, 200)


def test_the_same_size_with_another_root_is_422_and_evidence() -> None:
    fork = FakeLog(salt=b"fork ")
    body = AddCheckpoint(5, (), LOG.checkpoint(5, fork.root(5))).format()
    decision = decide(AddCheckpoint.parse(body), VERIFIER, _at(5))
    assert (decision.verdict, decision.status, decision.evidence) == (
        Verdict.ROOT_MISMATCH,
        422,
        True,
    )


def test_the_same_size_and_root_is_cosigned_again() -> None:
    assert _decide(LOG.request(5, 5), _at(5)) == (Verdict.COSIGN, 200)


def test_a_proof_between_equal_sizes_is_422_but_no_evidence() -> None:
    decision = decide(
        AddCheckpoint.parse(LOG.request(5, 5, proof=LOG.proof(3, 5))), VERIFIER, _at(5)
    )
    assert (decision.verdict, decision.status, decision.evidence) == (Verdict.BAD_PROOF, 422, False)


def test_a_proof_that_does_not_verify_is_422_and_evidence() -> None:
    fork = FakeLog(salt=b"fork ")
    # The log signs a tree of 9 that does not extend the 5 the witness cosigned.
    body = AddCheckpoint(5, fork.proof(5, 9), LOG.checkpoint(9, fork.root(9))).format()
    decision = decide(AddCheckpoint.parse(body), VERIFIER, _at(5))
    assert (decision.verdict, decision.status, decision.evidence) == (Verdict.BAD_PROOF, 422, True)


def test_a_truncated_proof_is_422() -> None:
    body = LOG.request(5, 9, proof=LOG.proof(5, 9)[:-1])
    assert _decide(body, _at(5)) == (Verdict.BAD_PROOF, 422)


@pytest.mark.parametrize(("old", "new"), [(0, 1), (0, 300), (1, 2), (5, 9), (256, 1000), (7, 8)])
def test_a_consistent_checkpoint_is_cosigned(old: int, new: int) -> None:
    decision = decide(AddCheckpoint.parse(LOG.request(old, new)), VERIFIER, _at(old))
    assert decision.verdict is Verdict.COSIGN
    assert decision.checkpoint is not None
    assert (decision.checkpoint.size, decision.checkpoint.root) == (new, LOG.root(new))


def test_a_tree_size_beyond_int64_is_refused_with_400() -> None:
    body = AddCheckpoint(0, (), LOG.checkpoint(MAX_TREE_SIZE + 1, Hash(bytes(32)))).format()
    assert _decide(body, _at(0)) == (Verdict.MALFORMED, 400)


def test_the_cosigned_note_keeps_only_verified_log_signatures() -> None:
    other = log_signer("other.example/log", seed=3)
    note = LOG.checkpoint(4)
    stranger = other.sign(note[: note.rfind(b"\n\n") + 1])
    decision = decide(
        AddCheckpoint.parse(LOG.request(0, 4, note=note + stranger)), VERIFIER, _at(0)
    )
    assert decision.verdict is Verdict.COSIGN
    cosigned = decision.cosigned_note(b"\xe2\x80\x94 w cosig\n")
    assert cosigned == note + b"\xe2\x80\x94 w cosig\n"
    assert stranger not in cosigned


def test_note_origin_reads_the_first_line_and_refuses_non_notes() -> None:
    assert note_origin(LOG.checkpoint(2)) == "example.com/log"
    with pytest.raises(MalformedLogData):
        note_origin(b"example.com/log\n2\n")
    with pytest.raises(MalformedLogData):
        note_origin(b"\xff\n2\nroot\n\nsig\n")


def test_every_verdict_has_the_status_of_the_spec() -> None:
    assert {v: v.status for v in Verdict} == {
        Verdict.COSIGN: 200,
        Verdict.MALFORMED: 400,
        Verdict.OLD_SIZE_TOO_LARGE: 400,
        Verdict.BAD_SIGNATURE: 403,
        Verdict.UNKNOWN_ORIGIN: 404,
        Verdict.STALE_OLD_SIZE: 409,
        Verdict.PROOF_FROM_EMPTY: 422,
        Verdict.BAD_EMPTY_ROOT: 422,
        Verdict.ROOT_MISMATCH: 422,
        Verdict.BAD_PROOF: 422,
    }
