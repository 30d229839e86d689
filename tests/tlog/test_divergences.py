"""The library's known divergences from the specs and peer implementations,
one test each, written before the fix (each failed on the code before it).

See docs/TLOG.md, "Fixed divergences".
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog import (
    EMPTY_ROOT,
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    Hash,
    TlogProof,
    key_id,
    leaf_hash,
    node_hash,
    open_checkpoint,
    parse_entries_path,
    parse_tile_path,
    sign_checkpoint,
    sign_note,
    verify_consistency,
)
from covergate.tlog.policy import parse_policy
from tests.tlog.factories import signer

ROOT = Hash(bytes(range(32)))
ROOT64 = base64.b64encode(ROOT)
OTHER = node_hash(EMPTY_ROOT, EMPTY_ROOT)
HUGE = b"1" * 5000  # over Python's 4,300-digit int() limit


# --- 1. consistency at size 0 ----------------------------------------------


@pytest.mark.parametrize(
    ("old_size", "new_size", "old_root", "new_root"),
    [
        (0, 0, EMPTY_ROOT, OTHER),  # equal sizes, unequal roots
        (0, 0, OTHER, EMPTY_ROOT),
        (0, 0, OTHER, OTHER),  # equal, but not the empty tree's root
        (0, 1, OTHER, leaf_hash(b"x")),  # an old root of size 0 must be the empty root
    ],
    ids=["new-root", "old-root", "both-roots", "old-root-growing"],
)
def test_size_zero_means_the_empty_root(
    old_size: int, new_size: int, old_root: Hash, new_root: Hash
) -> None:
    with pytest.raises(VerificationFailed):
        verify_consistency(old_size, new_size, old_root, new_root, [])


def test_size_zero_with_the_empty_root_still_verifies() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 1, EMPTY_ROOT, leaf_hash(b"x"), [])


# --- 2. numbers of more than 4,300 digits ----------------------------------


def test_a_huge_checkpoint_size_is_our_error() -> None:
    with pytest.raises(MalformedLogData, match="bad size"):
        Checkpoint.from_text(b"example.com/log\n" + HUGE + b"\n" + ROOT64 + b"\n")


def test_a_huge_tlog_proof_index_is_our_error() -> None:
    with pytest.raises(MalformedLogData, match="bad index"):
        TlogProof.parse(b"c2sp.org/tlog-proof@v1\nindex " + HUGE + b"\n\ncheckpoint\n")


@pytest.mark.parametrize(
    "path",
    [
        "tile/" + HUGE.decode() + "/000",  # level
        "tile/0/000.p/" + HUGE.decode(),  # width
        "tile/0/" + "x001/" * 2000 + "000",  # an index past 2**64
    ],
)
def test_huge_tile_path_numbers_are_our_error(path: str) -> None:
    with pytest.raises(MalformedLogData):
        parse_tile_path(path)


def test_huge_entries_path_numbers_are_our_error() -> None:
    with pytest.raises(MalformedLogData):
        parse_entries_path("tile/entries/000.p/" + HUGE.decode())
    with pytest.raises(MalformedLogData):
        parse_entries_path("tile/entries/" + "x999/" * 1500 + "000")


@pytest.mark.parametrize("threshold", ["\u00b2", "\u0661", "1\u00b2"])
def test_a_non_ascii_digit_threshold_is_our_error(threshold: str) -> None:
    # str.isdigit() accepts superscripts (int() then fails) and other scripts'
    # digits (int() accepts them): a policy number is ASCII decimal only.
    private = Ed25519PrivateKey.from_private_bytes(b"\x03" * 32)
    w = CosignatureSigner("w.example", private, lambda: 0)
    text = f"witness a {w.verifier_key()}\ngroup g {threshold} a\nquorum g\n"
    with pytest.raises(MalformedLogData, match="threshold"):
        parse_policy(text)


# --- 3. key names with lone surrogates -------------------------------------


@pytest.mark.parametrize("name", ["\ud800", "log.example/\udcff", "a\udc80b"])
def test_a_lone_surrogate_key_name_is_our_error(name: str) -> None:
    with pytest.raises(MalformedLogData, match="key name"):
        key_id(name, 1, bytes(32))
    with pytest.raises(MalformedLogData):
        Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(bytes(32)))


# --- 4. cosignature timestamps at most 2**63 - 1 ---------------------------


def test_a_cosignature_timestamp_over_2_63_minus_1_is_not_signed() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
    text = b"example.com/log\n1\n" + ROOT64 + b"\n"
    top = CosignatureSigner("w.example", private, lambda: (1 << 63) - 1)
    line = top.sign(text)
    raw = base64.b64decode(line.split(b" ")[2])
    assert CosignatureVerifier.timestamp(raw[4:]) == (1 << 63) - 1
    for bad in (1 << 63, float((1 << 63) - 1), float("inf"), float("nan"), -1):
        over = CosignatureSigner("w.example", private, lambda bad=bad: bad)
        with pytest.raises(MalformedLogData, match="timestamp"):
            over.sign(text)


def test_a_cosignature_timestamp_over_2_63_minus_1_does_not_verify() -> None:
    private = Ed25519PrivateKey.from_private_bytes(b"\x05" * 32)
    verifier = CosignatureVerifier("w.example", private.public_key())
    text = b"example.com/log\n1\n" + ROOT64 + b"\n"
    stamp = 1 << 63
    message = b"cosignature/v1\ntime %d\n" % stamp + text
    signature = stamp.to_bytes(8, "big") + private.sign(message)
    assert not verifier.verify(text, signature)
    with pytest.raises(MalformedLogData, match="timestamp"):
        CosignatureVerifier.timestamp(signature)


# --- 5. any origin line when parsing ---------------------------------------

# golang.org/x/mod/sumdb/tlog/note_test.go TestFormatTree / TestParseTree:
# the Go checksum database's origin line has spaces.
GO_SUM_TREE = b"go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"


def test_an_origin_with_spaces_parses() -> None:
    cp = Checkpoint.from_text(GO_SUM_TREE)
    assert cp.origin == "go.sum database tree"
    assert cp.size == 123456789012
    assert cp.root == leaf_hash(b"hello world")  # RecordHash("hello world")
    assert cp.to_text() == GO_SUM_TREE


@pytest.mark.parametrize("origin", ["a+b", "a b", "\u00e9t\u00e9 log", "x\u00a0y", "oid/1.3.6"])
def test_any_printable_origin_parses(origin: str) -> None:
    text = origin.encode() + b"\n5\n" + ROOT64 + b"\n"
    assert Checkpoint.from_text(text).origin == origin


@pytest.mark.parametrize(
    "origin", [b"", b"a\x01b", b"a\x7fb", b"a\xc2\x85b", b"a\rb", b"\xff", b"a\tb"]
)
def test_origins_with_control_characters_are_refused(origin: bytes) -> None:
    with pytest.raises(MalformedLogData, match="origin"):
        Checkpoint.from_text(origin + b"\n5\n" + ROOT64 + b"\n")


def test_a_checkpoint_of_a_space_origin_opens_with_its_key_name_only() -> None:
    # No note key can be named "a b", so such a checkpoint never verifies.
    other = signer("a.example", 3)
    note = sign_note(b"a b\n1\n" + ROOT64 + b"\n", [other])
    with pytest.raises(VerificationFailed):
        open_checkpoint(note, other.verifier())


@pytest.mark.parametrize("origin", ["a b", "a+b", "", "a\tb", "x\u00a0y", "\ud800"])
def test_our_own_origin_stays_strict(origin: str) -> None:
    from covergate.tlog.checkpoint import check_log_origin

    with pytest.raises(MalformedLogData, match="origin"):
        check_log_origin(origin)


def test_sign_checkpoint_checks_the_origin_strictly() -> None:
    from covergate.tlog.checkpoint import check_log_origin

    with pytest.raises(MalformedLogData, match="bad origin"):
        sign_checkpoint(Checkpoint("a b", 1, ROOT), signer("ab", 1))
    check_log_origin("log.example.org/covergate")
