"""ML-DSA-44 cosignatures (C2SP tlog-cosignature, key type 0x06): the signed
message byte for byte, sign and verify, what must fail, and witness policies."""

from __future__ import annotations

import base64
import hashlib
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.errors import InvalidInput, MalformedLogData, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    CosignatureAlgorithm,
    CosignatureSigner,
    CosignatureVerifier,
    Hash,
    MLDSAUnavailable,
    mldsa,
    mldsa_supported,
    open_note,
    sign_checkpoint,
    verifier_from_key_string,
)
from covergate.tlog.keys import verifier_key_string
from covergate.tlog.policy import open_cosigned_checkpoint, parse_policy
from covergate.tlog.witness_protocol import append_cosignatures
from tests.tlog.factories import ORIGIN, signer

pytestmark = pytest.mark.skipif(not mldsa_supported(), reason="cryptography has no ML-DSA-44")

NAME = "witness.example/pq"
NOW = 1_767_600_000
ROOT = Hash(hashlib.sha256(b"a root").digest())
CHECKPOINT = Checkpoint(ORIGIN, 42, ROOT)
TEXT = CHECKPOINT.to_text()
LOG = signer()


def _pq(name: str = NAME, seed: int = 7, now: float = NOW) -> CosignatureSigner:
    return CosignatureSigner(name, mldsa.private_key_from_seed(bytes([seed]) * 32), lambda: now)


def _raw(line: bytes) -> bytes:
    return base64.b64decode(line.removesuffix(b"\n").split(b" ")[2])


# --- the signed message ------------------------------------------------------


def test_the_message_is_the_spec_struct_byte_for_byte() -> None:
    # tlog-cosignature "ML-DSA-44 signed message", assembled by hand from the
    # struct, for the spec's example checkpoint as a subtree [0, size).
    root = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    want = (
        b"subtree/v1\n\x00"  # label[12]
        + b"\x12witness.example/w1"  # cosigner_name<1..2^8-1>: 18 bytes
        + (1679315147).to_bytes(8, "big")  # timestamp
        + b"\x1bexample.com/behind-the-sofa"  # log_origin: 27 bytes
        + bytes(8)  # start
        + (20852163).to_bytes(8, "big")  # end
        + root  # hash[32]
    )
    got = mldsa.subtree_message(
        "witness.example/w1", 1679315147, "example.com/behind-the-sofa", 0, 20852163, root
    )
    assert got == want
    assert len(mldsa.SUBTREE_LABEL) == 12


@pytest.mark.parametrize(
    ("name", "timestamp", "origin", "start", "end", "root"),
    [
        ("w", 1, "o", 3, 5, bytes(32)),  # a subtree (start > 0) has timestamp 0
        ("w", 0, "o", 6, 5, bytes(32)),  # start after end
        ("w", 0, "o", 0, 1 << 64, bytes(32)),  # end over uint64
        ("w", 1 << 63, "o", 0, 5, bytes(32)),  # timestamp over 2^63 - 1
        ("w", -1, "o", 0, 5, bytes(32)),
        ("", 0, "o", 0, 5, bytes(32)),  # opaque <1..255>
        ("w", 0, "o" * 256, 0, 5, bytes(32)),
        ("w", 0, "\ud800", 0, 5, bytes(32)),  # no UTF-8 for a lone surrogate
        ("w", 0, "o", 0, 5, bytes(31)),
        ("w", 0, "o", 0, 0, bytes(32)),  # an empty tree's hash is SHA-256("")
    ],
)
def test_what_the_message_cannot_carry_is_malformed(
    name: str, timestamp: int, origin: str, start: int, end: int, root: bytes
) -> None:
    with pytest.raises(MalformedLogData):
        mldsa.subtree_message(name, timestamp, origin, start, end, root)


def test_a_subtree_without_timestamp_and_the_empty_tree_are_fine() -> None:
    assert mldsa.subtree_message("w", 0, "o", 3, 5, bytes(32)).endswith(bytes(32))
    empty = hashlib.sha256(b"").digest()
    assert mldsa.subtree_message("w", NOW, "o" * 255, 0, 0, empty).endswith(empty)


# --- keys ----------------------------------------------------------------------


def test_the_key_id_and_verifier_key_follow_the_format_section() -> None:
    pq = _pq()
    assert pq.algorithm is CosignatureAlgorithm.ML_DSA_44
    assert len(pq.public_key) == 1312
    want = hashlib.sha256(NAME.encode() + b"\n\x06" + pq.public_key).digest()[:4]
    assert pq.key_id == want
    name, hex_id, key64 = pq.verifier_key().split("+", 2)
    assert (name, hex_id) == (NAME, want.hex())
    assert base64.b64decode(key64) == b"\x06" + pq.public_key
    parsed = verifier_from_key_string(pq.verifier_key())
    assert isinstance(parsed, CosignatureVerifier)
    assert parsed.algorithm is CosignatureAlgorithm.ML_DSA_44
    assert parsed.verifier_key() == pq.verifier_key()


@pytest.mark.parametrize(
    ("key_type", "size"),
    [(0x06, 32), (0x06, 1311), (0x06, 1313), (0x04, 1312), (0x01, 1312), (0x07, 1312)],
)
def test_a_key_of_the_wrong_size_or_type_is_malformed(key_type: int, size: int) -> None:
    raw = _pq().public_key[:size].ljust(size, b"\x00")
    kid = hashlib.sha256(NAME.encode() + b"\n" + bytes([key_type]) + raw).digest()[:4]
    vkey = verifier_key_string(NAME, kid, key_type, raw)
    with pytest.raises(MalformedLogData):
        CosignatureVerifier.from_key_string(vkey)
    with pytest.raises(MalformedLogData):
        verifier_from_key_string(vkey)


def test_a_key_whose_id_does_not_match_is_malformed() -> None:
    name, _, key64 = _pq().verifier_key().split("+", 2)
    with pytest.raises(MalformedLogData, match="key ID"):
        CosignatureVerifier.from_key_string(f"{name}+00000000+{key64}")


def test_a_cosigner_name_over_255_bytes_is_malformed() -> None:
    with pytest.raises(MalformedLogData, match="255"):
        _pq(name="w" * 256)
    _pq(name="w" * 255)  # the longest name the struct carries


# --- sign and verify -------------------------------------------------------------


def test_a_cosignature_round_trips_with_its_time() -> None:
    pq = _pq()
    line = pq.sign(TEXT)
    raw = _raw(line)
    assert len(raw) == 4 + 8 + 2420
    assert raw[:4] == pq.key_id
    assert int.from_bytes(raw[4:12], "big") == NOW
    verifier = CosignatureVerifier.from_key_string(pq.verifier_key())
    opened = open_note(sign_checkpoint(CHECKPOINT, LOG) + line, [verifier])
    assert opened.verified_by == [verifier]
    assert CosignatureVerifier.timestamp(opened.signatures[0].signature) == NOW
    # The signature is over the struct: check it with the bare ML-DSA-44 key.
    message = mldsa.subtree_message(NAME, NOW, ORIGIN, 0, 42, ROOT)
    mldsa.public_key_from_bytes(pq.public_key).verify(raw[12:], message)


@pytest.mark.parametrize(
    "text",
    [
        Checkpoint(ORIGIN, 43, ROOT).to_text(),
        Checkpoint(ORIGIN, 42, Hash(bytes(32))).to_text(),
        Checkpoint("other.example/log", 42, ROOT).to_text(),
        TEXT + b"extension line\n",  # not signed, so not accepted as signed
        b"not a checkpoint\n",
    ],
    ids=["size", "root", "origin", "extension", "not-a-checkpoint"],
)
def test_a_cosignature_does_not_verify_for_other_text(text: bytes) -> None:
    pq = _pq()
    raw = _raw(pq.sign(TEXT))
    assert CosignatureVerifier.from_key_string(pq.verifier_key()).verify(text, raw[4:]) is False


def test_the_cosigner_name_is_signed() -> None:
    # Unlike Ed25519, the same key under another name does not verify.
    pq = _pq()
    raw = _raw(pq.sign(TEXT))
    renamed = CosignatureVerifier("other.example/pq", mldsa.public_key_from_bytes(pq.public_key))
    assert renamed.verify(TEXT, raw[4:]) is False


def test_a_tampered_signature_or_time_or_another_key_fails() -> None:
    pq = _pq()
    signature = _raw(pq.sign(TEXT))[4:]
    verifier = CosignatureVerifier.from_key_string(pq.verifier_key())
    assert verifier.verify(TEXT, signature) is True
    flipped = signature[:-1] + bytes([signature[-1] ^ 1])
    later = (NOW + 1).to_bytes(8, "big") + signature[8:]
    assert verifier.verify(TEXT, flipped) is False
    assert verifier.verify(TEXT, later) is False
    assert verifier.verify(TEXT, signature[:-1]) is False
    assert verifier.verify(TEXT, (1 << 63).to_bytes(8, "big") + signature[8:]) is False
    other = CosignatureVerifier.from_key_string(_pq(seed=8).verifier_key())
    assert other.verify(TEXT, signature) is False
    # A note whose only known key's cosignature fails is refused.
    tampered = sign_checkpoint(CHECKPOINT, LOG) + pq.sign(TEXT).replace(b"A", b"B", 1)
    with pytest.raises((VerificationFailed, MalformedLogData)):
        open_note(tampered, [verifier])


def test_ed25519_and_ml_dsa_cosignatures_do_not_cross() -> None:
    ed = CosignatureSigner(NAME, Ed25519PrivateKey.from_private_bytes(b"\x05" * 32), lambda: NOW)
    pq = _pq()
    pq_verifier = CosignatureVerifier.from_key_string(pq.verifier_key())
    ed_verifier = CosignatureVerifier.from_key_string(ed.verifier_key())
    assert ed_verifier.algorithm is CosignatureAlgorithm.ED25519
    assert pq_verifier.verify(TEXT, _raw(ed.sign(TEXT))[4:]) is False
    assert ed_verifier.verify(TEXT, _raw(pq.sign(TEXT))[4:]) is False
    assert pq.key_id != ed.key_id


def test_the_signer_refuses_what_it_cannot_sign() -> None:
    with pytest.raises(MalformedLogData, match="extension"):
        _pq().sign(TEXT + b"extension line\n")
    with pytest.raises(MalformedLogData):
        _pq().sign(b"not a checkpoint\n")
    with pytest.raises(MalformedLogData, match="origin"):
        _pq().sign(Checkpoint("o" * 256, 1, ROOT).to_text())
    with pytest.raises(MalformedLogData, match="timestamp"):
        _pq(now=float(1 << 63)).sign(TEXT)


def test_timestamp_knows_both_sizes_and_nothing_else() -> None:
    assert CosignatureVerifier.timestamp(NOW.to_bytes(8, "big") + bytes(2420)) == NOW
    assert CosignatureVerifier.timestamp(NOW.to_bytes(8, "big") + bytes(64)) == NOW
    for size in (0, 8, 71, 73, 2427, 2429):
        with pytest.raises(MalformedLogData):
            CosignatureVerifier.timestamp(bytes(size))


# --- witness policies ------------------------------------------------------------


def test_a_policy_with_an_ml_dsa_witness_accepts_its_cosignature() -> None:
    pq = _pq()
    ed = CosignatureSigner(
        "ed.example/w", Ed25519PrivateKey.from_private_bytes(b"\x05" * 32), lambda: NOW - 5
    )
    policy = parse_policy(
        f"log {LOG.verifier_key()}\n"
        f"witness pq {pq.verifier_key()} https://pq.example\n"
        f"witness ed {ed.verifier_key()}\n"
        "group both all pq ed\nquorum both\n"
    )
    assert policy.witness("pq").verifier.algorithm is CosignatureAlgorithm.ML_DSA_44
    note = append_cosignatures(sign_checkpoint(CHECKPOINT, LOG), [pq.sign(TEXT), ed.sign(TEXT)])
    log = policy.logs[0].verifier
    opened = open_cosigned_checkpoint(note, log, policy)
    assert opened.checkpoint == CHECKPOINT
    assert opened.cosigned_at == {"pq": NOW, "ed": NOW - 5}
    only_ed = append_cosignatures(sign_checkpoint(CHECKPOINT, LOG), [ed.sign(TEXT)])
    with pytest.raises(VerificationFailed, match="quorum"):
        open_cosigned_checkpoint(only_ed, log, policy)


def test_a_policy_line_with_a_broken_ml_dsa_key_names_the_line() -> None:
    vkey = _pq().verifier_key()
    with pytest.raises(MalformedLogData, match="line 2: bad witness key"):
        parse_policy(f"log {LOG.verifier_key()}\nwitness pq {vkey[:-8]}\nquorum pq\n")


# --- without ML-DSA in cryptography ----------------------------------------------


def test_without_ml_dsa_only_ml_dsa_keys_fail_and_say_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vkey = _pq().verifier_key()
    ed = CosignatureSigner("ed.example/w", Ed25519PrivateKey.generate(), lambda: NOW)
    # What an older cryptography looks like: the mldsa module does not import.
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric.mldsa", None)
    with pytest.raises(MLDSAUnavailable, match="cryptography") as raised:
        parse_policy(f"log {LOG.verifier_key()}\nwitness pq {vkey}\nquorum pq\n")
    assert isinstance(raised.value, InvalidInput)
    with pytest.raises(MLDSAUnavailable):
        mldsa.generate_private_key()
    with pytest.raises(MLDSAUnavailable):
        mldsa.private_key_from_seed(bytes(32))
    policy = parse_policy(f"log {LOG.verifier_key()}\nwitness ed {ed.verifier_key()}\nquorum ed\n")
    note = append_cosignatures(sign_checkpoint(CHECKPOINT, LOG), [ed.sign(TEXT)])
    assert open_cosigned_checkpoint(note, policy.logs[0].verifier, policy).cosigned_at == {
        "ed": NOW
    }
