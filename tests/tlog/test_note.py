"""C2SP signed-note and tlog-cosignature."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog import (
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    generate_signer,
    key_id,
    open_note,
    sign_note,
    signer_from_key_string,
    signer_from_private_bytes,
    verifier_from_key_string,
)
from tests.tlog.factories import signer

# The test vector of C2SP signed-note (also in docs LOG-FORMATS.md).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n"
    "\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTg"
    "K7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
).encode()


def test_spec_vector_verifies() -> None:
    verifier = Ed25519Verifier.from_key_string(SPEC_VKEY)
    assert verifier.key_id.hex() == "530d903a"
    assert verifier.verifier_key() == SPEC_VKEY
    note = open_note(SPEC_NOTE, [verifier])
    assert note.text == b"This is an example message.\n"
    assert note.verified_by == [verifier]
    assert note.signatures[0].key_id == bytes.fromhex("530d903a")


def test_spec_vector_key_id() -> None:
    raw = base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    assert key_id("example.com/foo", raw[0], raw[1:]).hex() == "530d903a"


def test_spec_vector_with_altered_text_fails() -> None:
    verifier = Ed25519Verifier.from_key_string(SPEC_VKEY)
    with pytest.raises(VerificationFailed):
        open_note(SPEC_NOTE.replace(b"example", b"exemple", 1), [verifier])


def test_sign_and_open_round_trip() -> None:
    s, raw = generate_signer("log.example/a")
    again = signer_from_private_bytes("log.example/a", raw)
    assert again.verifier_key() == s.verifier_key()
    note = sign_note(b"hello\nworld\n", [s])
    assert note.startswith(b"hello\nworld\n\n\xe2\x80\x94 log.example/a ")
    opened = open_note(note, [Ed25519Verifier.from_key_string(s.verifier_key())])
    assert opened.text == b"hello\nworld\n"
    # Ed25519 is deterministic: the same key signs the same text the same way.
    assert sign_note(b"hello\nworld\n", [again]) == note


def test_unknown_keys_are_ignored_but_some_known_key_must_verify() -> None:
    a, b = signer("a.example", 1), signer("b.example", 2)
    note = sign_note(b"text\n", [a, b])
    opened = open_note(note, [a.verifier()])
    assert [v.name for v in opened.verified_by] == ["a.example"]
    assert [s.name for s in opened.unverified] == ["b.example"]
    with pytest.raises(VerificationFailed):
        open_note(note, [signer("c.example", 3).verifier()])
    with pytest.raises(VerificationFailed):
        open_note(note, [])


def test_a_failing_known_key_rejects_the_note() -> None:
    a, b = signer("a.example", 1), signer("b.example", 2)
    good = sign_note(b"text\n", [a])
    # b's line, but a signature over other text.
    forged_line = sign_note(b"other\n", [b]).split(b"\n\n", 1)[1]
    with pytest.raises(VerificationFailed):
        open_note(good + forged_line, [a.verifier(), b.verifier()])


def test_same_name_other_key_is_unknown() -> None:
    a = signer("a.example", 1)
    impostor = signer("a.example", 9)
    with pytest.raises(VerificationFailed):
        open_note(sign_note(b"text\n", [impostor]), [a.verifier()])


@pytest.mark.parametrize(
    "note",
    [
        b"no signatures\n",
        b"text\n\n",
        b"text\n\n\xe2\x80\x94 a.example AAAA\n",  # too short
        b"text\n\n- a.example AAAAAAA=\n",  # not an em dash
        b"text\n\n\xe2\x80\x94 a.example AAAAAAA=",  # no final newline
        b"text\n\n\xe2\x80\x94 a.example !!!!\n",  # not base64
        b"text\n\n\xe2\x80\x94 a.example AAAAAAA\n",  # unpadded
        b"text\n\n\xe2\x80\x94 a+b AAAAAAA=\n",  # bad name
        b"te\x01xt\n\n\xe2\x80\x94 a.example AAAAAAA=\n",  # control character
        b"te\xffxt\n\n\xe2\x80\x94 a.example AAAAAAA=\n",  # not UTF-8
        b"text\n\n\xe2\x80\x94 a.example\n",
    ],
)
def test_malformed_notes_are_rejected(note: bytes) -> None:
    with pytest.raises(MalformedLogData):
        open_note(note, [signer("a.example").verifier()])


def test_the_text_is_split_at_the_last_empty_line() -> None:
    a = signer("a.example")
    note = sign_note(b"para one\n\npara two\n", [a])
    assert open_note(note, [a.verifier()]).text == b"para one\n\npara two\n"


@pytest.mark.parametrize("text", [b"no newline", b"tab\there\n", b"\xff\n"])
def test_bad_text_cannot_be_signed(text: bytes) -> None:
    with pytest.raises(MalformedLogData):
        sign_note(text, [signer()])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\t", "nbsp\u00a0x"])
def test_bad_key_names_are_rejected(name: str) -> None:
    with pytest.raises(MalformedLogData):
        Ed25519Signer(name, Ed25519PrivateKey.generate())


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong ID
        "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # uppercase
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",  # truncated
        "example.com/foo+530d903a",
        "example.com/fo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # other name
    ],
)
def test_malformed_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(MalformedLogData):
        Ed25519Verifier.from_key_string(vkey)


def test_cosignatures() -> None:
    log = signer("log.example", 1)
    private = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
    witness = CosignatureSigner("witness.example", private, clock=lambda: 1_700_000_000)
    verifier = verifier_from_key_string(witness.verifier_key())
    assert isinstance(verifier, CosignatureVerifier)
    assert witness.verifier_key().split("+")[2].startswith("B")  # type byte 0x04
    assert key_id("witness.example", 0x04, witness.public_key) == witness.key_id

    text = b"log.example\n5\n" + base64.b64encode(bytes(32)) + b"\n"
    note = sign_note(text, [log, witness])
    opened = open_note(note, [log.verifier(), verifier])
    assert len(opened.verified_by) == 2
    cosig = opened.signatures[1]
    assert CosignatureVerifier.timestamp(cosig.signature) == 1_700_000_000
    # The cosignature covers the timestamp: changing it breaks the signature.
    assert not verifier.verify(text, (1).to_bytes(8, "big") + cosig.signature[8:])
    # A cosignature key is not an Ed25519 note key and vice versa.
    assert verifier.key_id != key_id("witness.example", 0x01, witness.public_key)
    with pytest.raises(MalformedLogData):
        Ed25519Verifier.from_key_string(witness.verifier_key())
    with pytest.raises(MalformedLogData):
        CosignatureVerifier.from_key_string(log.verifier_key())


def test_a_verifier_key_whose_base64_contains_a_plus() -> None:
    s = signer("a.example", 8)
    assert s.verifier_key() == "a.example+96373396+AROY9ixtGkV8UbpqS189vS9p/KkyFiGNyJl+QWvRfZPK"
    verifier = Ed25519Verifier.from_key_string(s.verifier_key())
    assert open_note(sign_note(b"x\n", [s]), [verifier]).verified_by == [verifier]


def test_signer_key_string_round_trip() -> None:
    s = signer("a.example", 8)
    skey = s.signer_key()
    assert skey.startswith("PRIVATE+KEY+a.example+96373396+")
    assert signer_from_key_string(skey).verifier_key() == s.verifier_key()
    for bad in ["a.example+96373396+AAAA", skey.replace("96373396", "96373397"), skey[:-4]]:
        with pytest.raises(MalformedLogData):
            signer_from_key_string(bad)
