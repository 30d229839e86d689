"""Vectors of golang.org/x/mod/sumdb (Debian golang-golang-x-mod-dev, on disk
at /usr/share/gocode/src/golang.org/x/mod/sumdb/), transcribed by hand; each
block names the Go file and test it comes from."""

from __future__ import annotations

import base64

import pytest

from covergate.errors import CovergateError, MalformedLogData, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    Ed25519Verifier,
    Tile,
    leaf_hash,
    open_note,
    parse_tile_path,
    sign_note,
    signer_from_key_string,
    tile_path,
)

# --- note/note_test.go -----------------------------------------------------

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
PETER_B64 = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
ENOCH_B64 = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)
PETER_SIG = ("\u2014 PeterNeumann " + PETER_B64 + "\n").encode()
ENOCH_SIG = ("\u2014 EnochRoot " + ENOCH_B64 + "\n").encode()


def _fails(parse: object, key: str) -> bool:
    try:
        parse(key)  # type: ignore[operator]
    except CovergateError:
        return True
    return False


def test_new_verifier_and_every_mangling() -> None:
    # TestNewVerifier: the key parses; every proper substring and every
    # single-byte increment of it does not.
    assert Ed25519Verifier.from_key_string(PETER_VKEY).key_id.hex() == "c74f20a3"
    b = PETER_VKEY.encode()
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                assert _fails(Ed25519Verifier.from_key_string, b[i:j].decode())
    for i in range(len(b)):
        mangled = b[:i] + bytes([b[i] + 1]) + b[i + 1 :]
        assert _fails(Ed25519Verifier.from_key_string, mangled.decode())
    # Wrong length key and unknown algorithm, each with an adjusted key hash.
    assert _fails(
        Ed25519Verifier.from_key_string,
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
    )
    assert _fails(
        Ed25519Verifier.from_key_string,
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    )


def test_new_signer_and_every_mangling() -> None:
    # TestNewSigner.
    signer = signer_from_key_string(PETER_SKEY)
    assert signer.verifier_key() == PETER_VKEY
    assert signer.signer_key() == PETER_SKEY
    b = PETER_SKEY.encode()
    for i in range(len(b) + 1):
        for j in range(i + 1, len(b) + 1):
            if (i, j) != (0, len(b)):
                assert _fails(signer_from_key_string, b[i:j].decode())
    for i in range(len(b)):
        assert _fails(signer_from_key_string, (b[:i] + bytes([b[i] + 1]) + b[i + 1 :]).decode())


def test_sign_matches_go() -> None:
    # TestSign: Ed25519 is deterministic, so the note is byte for byte Go's.
    assert sign_note(TEXT, [signer_from_key_string(PETER_SKEY)]) == TEXT + b"\n" + PETER_SIG
    with pytest.raises(MalformedLogData):
        sign_note(b"abc", [signer_from_key_string(PETER_SKEY)])


def test_open_one_known_one_unknown() -> None:
    # TestOpen: one signature verified, one not; then both.
    peter = Ed25519Verifier.from_key_string(PETER_VKEY)
    enoch = Ed25519Verifier.from_key_string(ENOCH_VKEY)
    note = TEXT + b"\n" + PETER_SIG + ENOCH_SIG
    opened = open_note(note, [peter])
    assert opened.text == TEXT
    assert [(s.name, s.key_id.hex()) for s in opened.signatures] == [("PeterNeumann", "c74f20a3")]
    assert [(s.name, s.key_id.hex()) for s in opened.unverified] == [("EnochRoot", "af0cfe78")]
    both = open_note(note, [peter, enoch])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"]
    assert both.unverified == []
    with pytest.raises(VerificationFailed):
        open_note(note, [])


def test_open_limits_and_bad_signatures() -> None:
    peter = Ed25519Verifier.from_key_string(PETER_VKEY)
    # Too many signatures (101), with and without a known key.
    for verifiers in ([peter], []):
        with pytest.raises(MalformedLogData):
            open_note(TEXT + b"\n" + PETER_SIG * 101, verifiers)
    # Invalid signature: four base64 characters inserted at byte 60.
    with pytest.raises(VerificationFailed):
        open_note(TEXT + b"\n" + PETER_SIG[:60] + b"ABCD" + PETER_SIG[60:], [peter])


def test_open_deduplicates_signatures() -> None:
    # TestOpen "Duplicated verified and unverified signatures": each distinct
    # signature is reported once.
    peter = Ed25519Verifier.from_key_string(PETER_VKEY)
    enoch_abcd = ENOCH_SIG[:60] + b"ABCD" + ENOCH_SIG[60:]
    note = TEXT + b"\n" + PETER_SIG * 2 + ENOCH_SIG * 2 + enoch_abcd
    opened = open_note(note, [peter])
    assert [s.name for s in opened.signatures] == ["PeterNeumann"]
    assert [base64.b64encode(s.key_id + s.signature).decode() for s in opened.unverified] == [
        ENOCH_B64,
        ENOCH_B64[:46] + "ABCD" + ENOCH_B64[46:],
    ]


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + b"\n",
        TEXT + b"\n" + PETER_SIG[:-1],
        b"\x01" + TEXT + b"\n" + PETER_SIG,
        b"\xff" + TEXT + b"\n" + PETER_SIG,
        TEXT + b"\n" + "\u2014 Bad Name ".encode() + PETER_B64.encode(),
        TEXT + b"\n" + PETER_SIG + b"Unexpected line.\n",
    ],
    ids=["no-sigs", "empty-block", "no-newline", "control", "not-utf8", "bad-name", "junk"],
)
def test_open_malformed_messages(note: bytes) -> None:
    # TestOpen badMsgs: each is "malformed note" in Go.
    with pytest.raises(MalformedLogData):
        open_note(note, [Ed25519Verifier.from_key_string(PETER_VKEY)])


# --- tlog/note_test.go -----------------------------------------------------

GO_TREE = b"go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"


def test_format_and_parse_tree() -> None:
    # TestFormatTree / TestParseTree; RecordHash is the RFC 6962 leaf hash.
    cp = Checkpoint("go.sum database tree", 123456789012, leaf_hash(b"hello world"))
    assert cp.to_text() == GO_TREE
    assert Checkpoint.from_text(GO_TREE) == cp


@pytest.mark.parametrize(
    "text",
    [
        b"go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        b"go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
    ],
)
def test_parse_bad_trees(text: bytes) -> None:
    # TestParseTree badTrees. (Its "not-" + origin case is a valid checkpoint
    # of another origin for a C2SP parser: x/mod fixes its own origin.)
    with pytest.raises(MalformedLogData):
        Checkpoint.from_text(text)


# --- tlog/tlog_test.go tilePaths ------------------------------------------
# x/mod paths carry the tile height ("tile/<H>/<L>/<N>"); C2SP tlog-tiles
# fixes H = 8 and drops it ("tile/<L>/<N>"). Each x/mod row is given here with
# H removed; rows of another height keep their level, index and partial width.

TILE_PATHS = [
    ("tile/0/001", Tile(0, 1, 256)),  # x/mod "tile/4/0/001" (width 16 = full at H=4)
    ("tile/0/001.p/5", Tile(0, 1, 5)),  # "tile/4/0/001.p/5"
    ("tile/5/x123/x456/078", Tile(5, 123456078, 256)),  # "tile/3/5/x123/x456/078"
    ("tile/5/x123/x456/078.p/2", Tile(5, 123456078, 2)),  # "tile/3/5/x123/x456/078.p/2"
    ("tile/0/x003/x057/500", Tile(0, 3057500, 256)),  # "tile/1/0/x003/x057/500"
]
BAD_TILE_PATHS = [
    "tile/5/123/456/078",  # "tile/3/5/123/456/078": groups without x
    "tile/-1/123/456/078",  # "tile/3/-1/123/456/078"
    "tile/data/x003/x057/500",  # "tile/1/data/x003/x057/500": x/mod's data tiles
]


@pytest.mark.parametrize(("path", "tile"), TILE_PATHS)
def test_tile_paths(path: str, tile: Tile) -> None:
    assert tile_path(tile) == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize("path", BAD_TILE_PATHS)
def test_bad_tile_paths(path: str) -> None:
    with pytest.raises(MalformedLogData):
        parse_tile_path(path)
