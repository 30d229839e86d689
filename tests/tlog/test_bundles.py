"""C2SP tlog-tiles entry bundles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covergate.errors import MalformedLogData
from covergate.tlog import MAX_ENTRY_SIZE, decode_bundle, encode_bundle


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_round_trip(entries: list[bytes]) -> None:
    assert decode_bundle(encode_bundle(entries)) == entries


def test_encoding_is_length_prefixed() -> None:
    assert encode_bundle([b"ab", b""]) == b"\x00\x02ab\x00\x00"
    assert decode_bundle(b"") == []


def test_largest_entry_fits_and_one_more_byte_does_not() -> None:
    big = b"x" * MAX_ENTRY_SIZE
    assert decode_bundle(encode_bundle([big])) == [big]
    with pytest.raises(MalformedLogData):
        encode_bundle([big + b"x"])


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x02a", b"\x00\x01a\x00", b"\x00\x01ab"])
def test_truncated_or_trailing_bytes_are_rejected(data: bytes) -> None:
    with pytest.raises(MalformedLogData):
        decode_bundle(data)
