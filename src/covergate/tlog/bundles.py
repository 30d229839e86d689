"""Entry bundles of C2SP tlog-tiles v0.1.0 ("Log Entries" section).

An entry bundle is the concatenation of its entries, each preceded by its
length as a 2-byte big-endian integer, so an entry is at most 65,535 bytes.
A full bundle holds 256 entries; the bundle at ``tile/entries/<N>.p/<W>``
holds W.

>>> decode_bundle(encode_bundle([b"a", b""]))
[b'a', b'']
"""

from __future__ import annotations

from collections.abc import Sequence

from covergate.errors import MalformedLogData

__all__ = ["MAX_ENTRY_SIZE", "decode_bundle", "encode_bundle"]

MAX_ENTRY_SIZE = 0xFFFF
"""The largest entry a 2-byte length prefix can describe."""


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Return the bundle of ``entries``; raise MalformedLogData for an entry
    longer than 65,535 bytes."""
    parts = []
    for i, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise MalformedLogData(
                f"malformed entry bundle: entry {i} is {len(entry)} bytes, over {MAX_ENTRY_SIZE}"
            )
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    """Return the entries of a bundle; raise MalformedLogData when a length
    prefix or an entry is cut short."""
    entries = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise MalformedLogData("malformed entry bundle: truncated length")
        length = int.from_bytes(data[at : at + 2], "big")
        at += 2
        if at + length > len(data):
            raise MalformedLogData("malformed entry bundle: truncated entry")
        entries.append(bytes(data[at : at + length]))
        at += length
    return entries
