"""Vectors of transparency-dev/merkle and of the C2SP documents' examples,
transcribed by hand; each block names its source file and test.

transparency-dev/merkle proof/verify_test.go: the known proofs are in
tests/tlog/test_proofs.py (INCLUSION, CONSISTENCY, ROOTS); here are its
negative probes (corruptInclusionProof, corruptConsistencyProof) run on each
of them, and its edge-case tables.
"""

from __future__ import annotations

import base64

import pytest

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    CosignatureVerifier,
    Hash,
    TlogProof,
    leaf_hash,
    open_note,
    verify_consistency,
    verify_inclusion,
)
from covergate.tlog.witness_protocol import AddCheckpoint, parse_cosignature_lines
from tests.tlog.test_hashing import LEAF_INPUTS
from tests.tlog.test_proofs import CONSISTENCY, INCLUSION, ROOTS

# verify_test.go sha256SomeHash, sha256EmptyTreeHash
SOME = Hash(bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456"))
EMPTY = Hash(bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))


def _h(hexes: list[str]) -> list[Hash]:
    return [Hash(bytes.fromhex(x)) for x in hexes]


def _root(size: int) -> Hash:
    return Hash(bytes.fromhex(ROOTS[size]))


def _verifies(check: object, *args: object) -> bool:
    try:
        check(*args)  # type: ignore[operator]
    except VerificationFailed:
        return False
    return True


def _inclusion_probes(
    index: int, size: int, proof: list[Hash], root: Hash, leaf: Hash
) -> list[tuple[str, tuple[object, ...]]]:
    # corruptInclusionProof, argument order of verify_inclusion.
    probes: list[tuple[str, tuple[object, ...]]] = [
        ("leafIndex - 1", (leaf, index - 1, size, proof, root)),
        ("leafIndex + 1", (leaf, index + 1, size, proof, root)),
        ("leafIndex ^ 2", (leaf, index ^ 2, size, proof, root)),
        ("treeSize * 2", (leaf, index, size * 2, proof, root)),
        ("treeSize / 2", (leaf, index, size // 2, proof, root)),
        ("wrong leaf", (Hash(b"WrongLeaf"), index, size, proof, root)),
        ("empty root", (leaf, index, size, proof, EMPTY)),
        ("random root", (leaf, index, size, proof, SOME)),
        ("trailing garbage", (leaf, index, size, [*proof, Hash(b"")], root)),
        ("trailing root", (leaf, index, size, [*proof, root], root)),
        ("preceding garbage", (leaf, index, size, [Hash(b""), *proof], root)),
        ("preceding root", (leaf, index, size, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        bad = Hash(bytes([proof[i][0] ^ 8]) + proof[i][1:])
        probes.append(
            (f"proof[{i}] bit 3", (leaf, index, size, [*proof[:i], bad, *proof[i + 1 :]], root))
        )
    if proof:
        probes.append(("removed component", (leaf, index, size, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(
            ("inserted component", (leaf, index, size, [proof[0], SOME, *proof[1:]], root))
        )
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[str]) -> None:
    # TestVerifyInclusion / verifierCheck.
    leaf, root = leaf_hash(bytes.fromhex(LEAF_INPUTS[index])), _root(size)
    verify_inclusion(leaf, index, size, _h(proof), root)
    for desc, args in _inclusion_probes(index, size, _h(proof), root, leaf):
        assert not _verifies(verify_inclusion, *args), desc


def _consistency_probes(
    old: int, new: int, r1: Hash, r2: Hash, proof: list[Hash]
) -> list[tuple[str, tuple[object, ...]]]:
    # corruptConsistencyProof, argument order of verify_consistency.
    probes: list[tuple[str, tuple[object, ...]]] = [
        ("size1 - 1", (old - 1, new, r1, r2, proof)),
        ("size1 + 1", (old + 1, new, r1, r2, proof)),
        ("size1 ^ 2", (old ^ 2, new, r1, r2, proof)),
        ("size2 * 2", (old, new * 2, r1, r2, proof)),
        ("size2 / 2", (old, new // 2, r1, r2, proof)),
        ("wrong root1", (old, new, Hash(b"WrongRoot"), r2, proof)),
        ("wrong root2", (old, new, r1, Hash(b"WrongRoot"), proof)),
        ("swapped roots", (old, new, r2, r1, proof)),
        ("empty proof", (old, new, r1, r2, [])),
        ("trailing garbage", (old, new, r1, r2, [*proof, Hash(b"")])),
        ("trailing root1", (old, new, r1, r2, [*proof, r1])),
        ("trailing root2", (old, new, r1, r2, [*proof, r2])),
        ("preceding garbage", (old, new, r1, r2, [Hash(b""), *proof])),
        ("preceding root1", (old, new, r1, r2, [r1, *proof])),
        ("preceding root2", (old, new, r1, r2, [r2, *proof])),
        ("preceding proof[0]", (old, new, r1, r2, [proof[0], *proof])),
        ("truncated proof", (old, new, r1, r2, proof[:-1])),
    ]
    for i in range(len(proof)):
        bad = Hash(bytes([proof[i][0] ^ 16]) + proof[i][1:])
        probes.append((f"proof[{i}] bit 4", (old, new, r1, r2, [*proof[:i], bad, *proof[i + 1 :]])))
    return probes


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_corrupted_consistency_proofs_fail(old: int, new: int, proof: list[str]) -> None:
    # TestVerifyConsistency / verifierConsistencyCheck.
    r1, r2 = _root(old), _root(new)
    verify_consistency(old, new, r1, r2, _h(proof))
    for desc, args in _consistency_probes(old, new, r1, r2, _h(proof)):
        assert not _verifies(verify_consistency, *args), desc


R1, R2 = _root(1), _root(2)


@pytest.mark.parametrize(
    ("old", "new", "r1", "r2", "proof", "ok"),
    [
        # TestVerifyConsistency's table, with its "don't care" roots replaced
        # by real 32-byte hashes (covergate refuses a hash of another length).
        (0, 0, EMPTY, R2, [], False),
        (1, 1, R1, R2, [], False),
        (0, 0, EMPTY, EMPTY, [], True),
        (0, 1, EMPTY, R1, [], True),
        (1, 1, R2, R2, [], True),
        (1, 0, R1, R2, [], False),
        (2, 1, R1, R2, [], False),
        (1, 2, R1, R2, [], False),
        (1, 1, EMPTY, R2, [], False),
        (0, 0, EMPTY, EMPTY, [EMPTY], False),
        (0, 1, EMPTY, EMPTY, [EMPTY], False),
        (1, 1, EMPTY, EMPTY, [EMPTY], False),
        # Go accepts (0, 0, root1, root1) and (0, 1, root1, root2) for any
        # root1; covergate: size 0 means the empty root (docs/TLOG.md).
        (0, 0, R1, R1, [], False),
        (0, 1, R2, R1, [], False),
    ],
)
def test_consistency_edge_table(
    old: int, new: int, r1: Hash, r2: Hash, proof: list[Hash], ok: bool
) -> None:
    assert _verifies(verify_consistency, old, new, r1, r2, proof) is ok


def test_inclusion_single_entry_and_bad_sizes() -> None:
    # TestVerifyInclusionSingleEntry and TestVerifyInclusion's probes.
    h = leaf_hash(b"data")
    assert _verifies(verify_inclusion, h, 0, 1, [], h)
    for leaf, root in [(h, Hash(b"")), (Hash(b""), h), (Hash(b""), Hash(b""))]:
        assert not _verifies(verify_inclusion, leaf, 0, 1, [], root)
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        for leaf, root in [(SOME, Hash(b"")), (Hash(b""), EMPTY), (SOME, EMPTY)]:
            assert not _verifies(verify_inclusion, leaf, index, size, [], root)


@pytest.mark.parametrize(
    "proof",
    [
        # proof/tlog_proof_test.go TestVerifyTLogProofErrors.
        b"wrong-header\nindex 0\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)) + b"\n\ncheckpoint\n",
    ],
    ids=["header", "extra", "no-index", "nan", "negative", "hash-b64", "hash-len"],
)
def test_tlog_proof_errors(proof: bytes) -> None:
    with pytest.raises(MalformedLogData):
        TlogProof.parse(proof)


# --- C2SP documents' examples ----------------------------------------------

# tlog-checkpoint.md, tlog-cosignature.md and tlog-witness.md: one checkpoint.
SOFA_TEXT = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_LOG = (
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe"
    "4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
).encode()
SOFA_WITNESS = (
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZC"
    "B9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
).encode()


def test_the_spec_checkpoint_parses() -> None:
    cp = Checkpoint.from_text(SOFA_TEXT)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert cp.to_text() == SOFA_TEXT


def test_the_spec_cosignature_carries_the_spec_time() -> None:
    # tlog-cosignature.md: the example's signed message has "time 1679315147".
    note = SOFA_TEXT + b"\n" + SOFA_LOG + SOFA_WITNESS
    with pytest.raises(VerificationFailed):  # no key of the example is published
        open_note(note, [])
    raw = base64.b64decode(SOFA_WITNESS.split(b" ")[2])
    assert raw[:4].hex() == "8d66cf3f"
    assert CosignatureVerifier.timestamp(raw[4:]) == 1679315147


def test_the_spec_add_checkpoint_request_parses() -> None:
    # tlog-witness.md, "Example request body".
    hashes = [
        b"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=",
        b"jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=",
        b"5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=",
        b"/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=",
    ]
    second = (
        "\u2014 example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVG"
        "lCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
    ).encode()
    note = SOFA_TEXT + b"\n" + SOFA_LOG + second
    body = b"old 20852014\n" + b"".join(h + b"\n" for h in hashes) + b"\n" + note
    request = AddCheckpoint.parse(body)
    assert request.old_size == 20852014
    assert [base64.b64encode(h) for h in request.proof] == hashes
    assert request.checkpoint_note == note
    assert request.format() == body


def test_the_spec_add_checkpoint_answer_parses() -> None:
    # tlog-witness.md, "Example response body".
    body = (
        "\u2014 witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39Q"
        "sZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
        "\u2014 witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlb"
        "QNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n"
        "\u2014 witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZ"
        "grrKbYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n"
    ).encode()
    lines = parse_cosignature_lines(body)
    assert b"".join(lines) == body
    assert len(lines) == 3
