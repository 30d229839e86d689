"""Every parser of covergate.tlog, fuzzed with hypothesis: for arbitrary input
and for mutations of valid input, each returns or raises a CovergateError
subclass, never anything else (no ValueError, UnicodeError, IndexError...).

Bounded (max_examples) so that the whole tests/tlog run stays well under a
minute; set COVERGATE_FUZZ_EXAMPLES=20000 for a long run (docs/TLOG.md).
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covergate.errors import CovergateError, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Verifier,
    Hash,
    TlogProof,
    decode_bundle,
    encode_bundle,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    open_note,
    parse_entries_path,
    parse_tile_path,
    sign_checkpoint,
    signer_from_key_string,
    tree_hash,
    verifier_from_key_string,
    verify_inclusion,
    verify_tlog_proof,
)
from covergate.tlog.keys import parse_verifier_key
from covergate.tlog.policy import open_cosigned_checkpoint, parse_policy
from covergate.tlog.witness_protocol import (
    AddCheckpoint,
    append_cosignatures,
    parse_cosignature_lines,
    parse_size,
)
from tests.tlog.factories import ORIGIN, entry, signer, store_of

# Local settings, not a global profile: other modules' hypothesis tests keep theirs.
FUZZ = settings(
    max_examples=int(os.environ.get("COVERGATE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- valid seeds -----------------------------------------------------------

LOG = signer()
STORE = store_of(9)
CHECKPOINT = Checkpoint(ORIGIN, 9, tree_hash(9, STORE))
CHECKPOINT_NOTE = sign_checkpoint(CHECKPOINT, LOG)
WITNESS = CosignatureSigner(
    "w.example/witness", Ed25519PrivateKey.from_private_bytes(b"\x09" * 32), lambda: 1_700_000_000
)
COSIGNED = append_cosignatures(CHECKPOINT_NOTE, [WITNESS.sign(CHECKPOINT.to_text())])
COSIG_LINE = WITNESS.sign(CHECKPOINT.to_text())
PROOF = TlogProof(4, inclusion_proof(4, 9, STORE), CHECKPOINT_NOTE, b"extra").format()
POLICY = (
    f"log {LOG.verifier_key()} https://log.example\n"
    f"witness w {WITNESS.verifier_key()} https://w.example\n"
    "group g 1 w\nquorum g\n"
)
POLICY_PARSED = parse_policy(POLICY)
ADD = AddCheckpoint(5, tuple(Hash(bytes([i]) * 32) for i in range(3)), CHECKPOINT_NOTE).format()
COSIG_RAW = base64.b64decode(COSIG_LINE.split(b" ")[2])[4:]

# Tokens that mean something to the formats, spliced in by the mutator.
TOKENS = [
    b"\n",
    b"\n\n",
    b" ",
    b"+",
    b"/",
    b"=",
    b".p/",
    b"x",
    "\u2014 ".encode(),
    b"\x00",
    b"\xff",
    b"\xed\xa0\x80",  # an encoded surrogate: not UTF-8
    b"\xc2\x85",  # U+0085, a C1 control
    b"9" * 5000,  # over int()'s 4,300-digit limit
    b"18446744073709551616",
    b"-1",
    b"0",
    b"AAAA",
]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few random edits: flips, deletions, duplications,
    insertions of random bytes or of format tokens."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "delete", "dup", "insert", "token", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        else:
            del data[at:]
    return bytes(data)


def _inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300), mutated(seed))


def _texts(seed: bytes) -> st.SearchStrategy[str]:
    # Text parsers: arbitrary text (lone surrogates included) and mutated seeds.
    return st.one_of(
        st.text(max_size=120),
        mutated(seed).map(lambda b: b.decode("utf-8", "surrogateescape")),
    )


def _only_our_errors(parse: Callable[[], object]) -> None:
    # Anything but a CovergateError propagates and fails the test.
    with contextlib.suppress(CovergateError):
        parse()


# --- byte parsers ----------------------------------------------------------


@FUZZ
@given(_inputs(COSIGNED))
def test_open_note(data: bytes) -> None:
    _only_our_errors(lambda: open_note(data, [LOG.verifier(), WITNESS_VERIFIER]))


WITNESS_VERIFIER = CosignatureVerifier.from_key_string(WITNESS.verifier_key())


@FUZZ
@given(_inputs(CHECKPOINT.to_text()))
def test_checkpoint_from_text(data: bytes) -> None:
    _only_our_errors(lambda: Checkpoint.from_text(data))


@FUZZ
@given(_inputs(CHECKPOINT_NOTE))
def test_open_checkpoint(data: bytes) -> None:
    _only_our_errors(lambda: open_checkpoint(data, LOG.verifier()))


@FUZZ
@given(_inputs(PROOF))
def test_tlog_proof(data: bytes) -> None:
    _only_our_errors(lambda: TlogProof.parse(data))
    _only_our_errors(lambda: verify_tlog_proof(entry(4), data, LOG.verifier()))


@FUZZ
@given(_inputs(encode_bundle([entry(i) for i in range(5)])))
def test_decode_bundle(data: bytes) -> None:
    _only_our_errors(lambda: decode_bundle(data))


@FUZZ
@given(_inputs(COSIG_RAW))
def test_cosignature_timestamp_and_verify(data: bytes) -> None:
    _only_our_errors(lambda: CosignatureVerifier.timestamp(data))
    assert WITNESS_VERIFIER.verify(CHECKPOINT.to_text(), data) is (data == COSIG_RAW)


@FUZZ
@given(_inputs(COSIGNED))
def test_open_cosigned_checkpoint(data: bytes) -> None:
    _only_our_errors(lambda: open_cosigned_checkpoint(data, LOG.verifier(), POLICY_PARSED))


@FUZZ
@given(_inputs(ADD))
def test_add_checkpoint(data: bytes) -> None:
    _only_our_errors(lambda: AddCheckpoint.parse(data))


@FUZZ
@given(_inputs(b"12345\n"))
def test_parse_size(data: bytes) -> None:
    _only_our_errors(lambda: parse_size(data))


@FUZZ
@given(_inputs(COSIG_LINE * 2))
def test_parse_cosignature_lines(data: bytes) -> None:
    _only_our_errors(lambda: parse_cosignature_lines(data))


@FUZZ
@given(_inputs(POLICY.encode()))
def test_parse_policy_bytes(data: bytes) -> None:
    _only_our_errors(lambda: parse_policy(data))


# --- text parsers ----------------------------------------------------------


@FUZZ
@given(_texts(b"tile/1/x001/x234/067.p/9"))
def test_parse_tile_path(path: str) -> None:
    _only_our_errors(lambda: parse_tile_path(path))


@FUZZ
@given(_texts(b"tile/entries/x001/234.p/7"))
def test_parse_entries_path(path: str) -> None:
    _only_our_errors(lambda: parse_entries_path(path))


@FUZZ
@given(_texts(WITNESS.verifier_key().encode()))
def test_verifier_keys(vkey: str) -> None:
    _only_our_errors(lambda: parse_verifier_key(vkey))
    _only_our_errors(lambda: verifier_from_key_string(vkey))
    _only_our_errors(lambda: Ed25519Verifier.from_key_string(vkey))
    _only_our_errors(lambda: CosignatureVerifier.from_key_string(vkey))


@FUZZ
@given(_texts(LOG.signer_key().encode()))
def test_signer_keys(skey: str) -> None:
    _only_our_errors(lambda: signer_from_key_string(skey))


@FUZZ
@given(_texts(POLICY.encode()))
def test_parse_policy_text(text: str) -> None:
    _only_our_errors(lambda: parse_policy(text))


# --- Merkle proofs: any single mutation fails ------------------------------

BIG = store_of(600)
LEAVES = [leaf_hash(entry(i)) for i in range(600)]


@FUZZ
@given(st.data(), st.integers(1, 600))
def test_any_flipped_bit_of_an_inclusion_proof_fails(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, BIG)
    root = tree_hash(size, BIG)
    verify_inclusion(LEAVES[index], index, size, proof, root)
    hashes = [*proof, root, LEAVES[index]]
    which = data.draw(st.integers(0, len(hashes) - 1))
    bit = data.draw(st.integers(0, 255))
    hashes[which] = Hash(
        bytes(b ^ (1 << (bit % 8)) if i == bit // 8 else b for i, b in enumerate(hashes[which]))
    )
    *bad_proof, bad_root, bad_leaf = hashes
    try:
        verify_inclusion(bad_leaf, index, size, bad_proof, bad_root)
    except VerificationFailed:
        return
    raise AssertionError(f"a flipped bit {bit} of hash {which} verified")


@FUZZ
@given(st.data(), st.integers(2, 600))
def test_an_inserted_or_dropped_proof_hash_fails(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, BIG)
    at = data.draw(st.integers(0, len(proof)))
    drop: bool = data.draw(st.booleans())
    if proof and drop:
        cut = min(at, len(proof) - 1)
        bad = proof[:cut] + proof[cut + 1 :]
    else:
        bad = [*proof[:at], Hash(data.draw(st.binary(min_size=32, max_size=32))), *proof[at:]]
    try:
        verify_inclusion(LEAVES[index], index, size, bad, tree_hash(size, BIG))
    except VerificationFailed:
        return
    raise AssertionError("a proof of another length verified")
