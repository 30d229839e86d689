"""C2SP tlog-proof: format, parse, offline verification."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    TlogProof,
    inclusion_proof,
    sign_checkpoint,
    tree_hash,
    verify_tlog_proof,
)
from tests.tlog.factories import entry, signer, store_of

SIZE = 300
STORE = store_of(SIZE)
SIGNER = signer()
NOTE = sign_checkpoint(Checkpoint(SIGNER.name, SIZE, tree_hash(SIZE, STORE)), SIGNER)


def _proof(index: int, extra: bytes | None = None) -> TlogProof:
    return TlogProof(index, inclusion_proof(index, SIZE, STORE), NOTE, extra)


def test_format_layout() -> None:
    proof = _proof(7, extra=b"\x01\x02")
    text = proof.format()
    lines = text.split(b"\n")
    assert lines[0] == b"c2sp.org/tlog-proof@v1"
    assert lines[1] == b"extra AQI="
    assert lines[2] == b"index 7"
    assert lines[3 : 3 + len(proof.proof)] == [base64.b64encode(h) for h in proof.proof]
    assert text.endswith(b"\n\n" + NOTE)


@pytest.mark.parametrize("extra", [None, b"", b"opaque"])
def test_round_trip(extra: bytes | None) -> None:
    proof = _proof(123, extra)
    assert TlogProof.parse(proof.format()) == proof


def test_verifies_every_entry() -> None:
    for index in (0, 1, 255, 256, 299):
        text = _proof(index).format()
        assert verify_tlog_proof(entry(index), text, SIGNER.verifier()).size == SIZE


def test_rejects_another_entry_index_or_key() -> None:
    text = _proof(5).format()
    with pytest.raises(VerificationFailed):
        verify_tlog_proof(entry(6), text, SIGNER.verifier())
    with pytest.raises(VerificationFailed):
        verify_tlog_proof(entry(5), text.replace(b"index 5", b"index 4"), SIGNER.verifier())
    with pytest.raises(VerificationFailed):
        verify_tlog_proof(entry(5), text, signer(SIGNER.name, 9).verifier())


def test_single_entry_log_has_no_hashes() -> None:
    store = store_of(1)
    note = sign_checkpoint(Checkpoint(SIGNER.name, 1, tree_hash(1, store)), SIGNER)
    text = TlogProof(0, [], note, None).format()
    assert text.startswith(b"c2sp.org/tlog-proof@v1\nindex 0\n\n")
    verify_tlog_proof(entry(0), text, SIGNER.verifier())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace(b"c2sp.org/tlog-proof@v1", b"c2sp.org/tlog-proof@v2"),
        lambda t: t.replace(b"index 5\n", b"index 05\n"),
        lambda t: t.replace(b"index 5\n", b"index -5\n"),
        lambda t: t.replace(b"index 5\n", b""),
        lambda t: t.replace(b"index 5\n", b"index 5\nAAAA\n"),
        lambda t: t.replace(b"index 5\n", b"index 5\nnot base64\n"),
        lambda t: t.replace(b"index 5\n", b"extra !!\nindex 5\n"),
        lambda t: t.split(b"\n\n")[0],
    ],
)
def test_malformed_proofs_are_rejected(mutate: Callable[[bytes], bytes]) -> None:
    text = _proof(5).format()
    with pytest.raises(MalformedLogData):
        TlogProof.parse(mutate(text))
