"""The add-checkpoint request and answer formats of C2SP tlog-witness."""

from __future__ import annotations

import pytest

from covergate.errors import MalformedLogData
from covergate.tlog.hashing import Hash
from covergate.tlog.witness_protocol import (
    AddCheckpoint,
    format_size,
    parse_cosignature_lines,
    parse_size,
)

NOTE = b"example.com/log\n1\nAAAA\n\n\xe2\x80\x94 example.com/log c2ln\n"


def test_round_trip_with_a_proof() -> None:
    request = AddCheckpoint(7, (Hash(bytes(32)), Hash(b"\x01" * 32)), NOTE)
    body = request.format()
    assert body.startswith(b"old 7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    assert AddCheckpoint.parse(body) == request


@pytest.mark.parametrize(
    "body",
    [
        b"old 1\n",
        b"new 1\n\n" + NOTE,
        b"old 01\n\n" + NOTE,
        b"old " + b"9" * 5000 + b"\n\n" + NOTE,
        b"old 18446744073709551616\n\n" + NOTE,
        b"old 1\nAAAA\n\n" + NOTE,
        b"old 1\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + b"\n" + NOTE,
    ],
)
def test_malformed_requests_raise_our_error(body: bytes) -> None:
    with pytest.raises(MalformedLogData):
        AddCheckpoint.parse(body)


def test_size_answers() -> None:
    assert parse_size(format_size(42)) == 42
    for bad in (b"42", b"-1\n", b"1" * 5000 + b"\n"):
        with pytest.raises(MalformedLogData):
            parse_size(bad)


def test_cosignature_lines() -> None:
    body = "\u2014 w.example/a AAAAAAA=\n\u2014 w.example/b AAAAAAA=\n".encode()
    assert len(parse_cosignature_lines(body)) == 2
    for bad in (b"", b"nope\n", "\u2014 w AAAA\n".encode()):
        with pytest.raises(MalformedLogData):
            parse_cosignature_lines(bad)
