"""C2SP tlog-checkpoint."""

from __future__ import annotations

import base64

import pytest

from covergate.errors import InvalidInput, MalformedLogData, VerificationFailed
from covergate.tlog import (
    EMPTY_ROOT,
    Checkpoint,
    Hash,
    open_checkpoint,
    sign_checkpoint,
    sign_note,
)
from tests.tlog.factories import ORIGIN, signer

ROOT = Hash(bytes(range(32)))
ROOT64 = base64.b64encode(ROOT)


def test_text_format() -> None:
    cp = Checkpoint("example.com/log", 1234, ROOT)
    assert cp.to_text() == b"example.com/log\n1234\n" + ROOT64 + b"\n"
    assert Checkpoint.from_text(cp.to_text()) == cp


def test_extension_lines_are_kept() -> None:
    text = b"example.com/log\n0\n" + base64.b64encode(EMPTY_ROOT) + b"\nfoo bar\nbaz\n"
    cp = Checkpoint.from_text(text)
    assert cp.extensions == (b"foo bar", b"baz")
    assert cp.to_text() == text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (b"example.com/log\n01\n" + ROOT64 + b"\n", "size"),
        (b"example.com/log\n-1\n" + ROOT64 + b"\n", "size"),
        (b"example.com/log\n+1\n" + ROOT64 + b"\n", "size"),
        (b"example.com/log\n1 \n" + ROOT64 + b"\n", "size"),
        (b"example.com/log\n18446744073709551616\n" + ROOT64 + b"\n", "size"),
        (b"example.com/log\n\n" + ROOT64 + b"\n", "size"),
        (b"example.com/log\n1\n" + ROOT64.rstrip(b"=") + b"\n", "root"),
        (b"example.com/log\n1\n" + base64.b64encode(bytes(31)) + b"\n", "root"),
        (b"example.com/log\n1\n" + base64.urlsafe_b64encode(b"\xff" * 32) + b"\n", "root"),
        (b"\n1\n" + ROOT64 + b"\n", "origin"),
        (b"example.com\x01log\n1\n" + ROOT64 + b"\n", "origin"),
        (b"example.com\xc2\x85log\n1\n" + ROOT64 + b"\n", "origin"),  # C1 control NEL
        (b"example.com/log\n1\n" + ROOT64, "newline"),
        (b"example.com/log\n1\n", "lines"),
        (b"example.com/log\n1\n" + ROOT64 + b"\n\n", "extension"),
    ],
)
def test_malformed_checkpoints_are_rejected(text: bytes, field: str) -> None:
    with pytest.raises(MalformedLogData, match="malformed checkpoint"):
        Checkpoint.from_text(text)


def test_bad_size_message_is_stable() -> None:
    with pytest.raises(MalformedLogData, match=r"^malformed checkpoint: bad size$"):
        Checkpoint.from_text(b"example.com/log\n007\n" + ROOT64 + b"\n")


def test_sign_and_open() -> None:
    s = signer()
    cp = Checkpoint(ORIGIN, 42, ROOT)
    note = sign_checkpoint(cp, s)
    assert open_checkpoint(note, s.verifier()) == cp


def test_a_key_not_named_after_the_origin_is_refused() -> None:
    other = signer("someone.else", 2)
    note = sign_note(Checkpoint(ORIGIN, 1, ROOT).to_text(), [other])
    with pytest.raises(VerificationFailed):
        open_checkpoint(note, other.verifier())
    with pytest.raises(MalformedLogData):
        sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), other)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), signer(ORIGIN, 5))
    with pytest.raises(VerificationFailed):
        open_checkpoint(note, signer(ORIGIN, 6).verifier())


def test_constructor_checks_fields() -> None:
    with pytest.raises(InvalidInput):
        Checkpoint(ORIGIN, -1, ROOT)
    with pytest.raises(InvalidInput):
        Checkpoint(ORIGIN, 1, Hash(b"short"))
