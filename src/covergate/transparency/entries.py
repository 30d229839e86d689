"""What covergate puts in each log entry (LOG-FORMATS.md, last section).

An entry is the canonical JSON (RFC 8785) of a :class:`PublicRecord`'s public
fields (any event kind's schema) plus ``commitment``, the lowercase hex of::

    SHA-256(b"covergate/commitment/v1\\n" || salt || JCS(private_record))

where ``salt`` is 32 fresh random bytes and JCS is RFC 8785 canonical JSON.
Whoever is given the salt and the private record (the subject with the notice, a
court, the Inspector General) recomputes the commitment and finds the entry in
the log; without the salt the commitment reveals nothing, even about a private
record with few possible values.

>>> salt = bytes(32)
>>> commitment(salt, canonical_record({"a": 1})).hex()[:12]
'644d130a7472'
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NewType, cast

import rfc8785

from covergate.errors import InvalidInput, MalformedLogData
from covergate.tlog.bundles import MAX_ENTRY_SIZE
from covergate.transparency.schemas import PublicRecord, check_public_fields

__all__ = [
    "COMMITMENT_TAG",
    "SALT_SIZE",
    "Commitment",
    "canonical_record",
    "check_commitment",
    "commitment",
    "encode_entry",
    "entry_commitment",
    "new_salt",
]

COMMITMENT_TAG = b"covergate/commitment/v1\n"
SALT_SIZE = 32

Commitment = NewType("Commitment", bytes)
"""SHA-256 commitment to one private record (32 bytes)."""


def new_salt() -> bytes:
    """32 bytes from the operating system's CSPRNG."""
    return os.urandom(SALT_SIZE)


def canonical_record(record: Mapping[str, object]) -> bytes:
    """RFC 8785 canonical JSON of a private record.

    Dates become ``YYYY-MM-DD``, datetimes ISO 8601, enums their value, bytes
    base64; anything else that JSON cannot hold raises InvalidInput.
    """
    value = _jsonable(record, "private_record")
    if _plain(value):
        # No floats, integers within IEEE-754's exact range, keys without characters
        # outside the BMP: here Python's sorted compact JSON (ensure_ascii=False)
        # is byte for byte RFC 8785, at a fraction of the cost (the tests compare
        # the two on random records). Anything else takes the reference path.
        try:
            return json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 reject it with its own message
    try:
        return bytes(rfc8785.dumps(cast(Any, value)))
    except rfc8785.CanonicalizationError as exc:
        raise InvalidInput(f"private record cannot be canonicalised: {exc}") from exc


def commitment(salt: bytes, canonical: bytes) -> Commitment:
    """SHA-256(tag || salt || canonical private record)."""
    if len(salt) != SALT_SIZE:
        raise InvalidInput(f"commitment salt must be {SALT_SIZE} bytes")
    return Commitment(hashlib.sha256(COMMITMENT_TAG + salt + canonical).digest())


def encode_entry(event: PublicRecord, commit: Commitment) -> bytes:
    """The entry bytes: JCS of the event's public fields and the commitment."""
    if len(commit) != hashlib.sha256().digest_size:
        raise InvalidInput("commitment must be a SHA-256 digest")
    fields: dict[str, object] = dict(check_public_fields(event))
    fields["commitment"] = commit.hex()
    # Every value is printable ASCII, an exact integer, a bool or null and every
    # key is an ASCII slug (check_public_fields), so sorted compact json.dumps is
    # exactly RFC 8785 here, at a fraction of the cost; the tests check it against
    # rfc8785 on random events.
    data = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    if len(data) > MAX_ENTRY_SIZE:  # unreachable with the field patterns; kept as a guard
        raise InvalidInput(f"log entry of {len(data)} bytes is over {MAX_ENTRY_SIZE}")
    return data


def entry_commitment(entry: bytes) -> Commitment:
    """The commitment an entry publishes; MalformedLogData if it has none."""
    try:
        value = json.loads(entry)
    except ValueError as exc:
        raise MalformedLogData("malformed log entry: not JSON") from exc
    text = value.get("commitment") if isinstance(value, dict) else None
    if not isinstance(text, str) or len(text) != 64:
        raise MalformedLogData("malformed log entry: bad commitment")
    try:
        return Commitment(bytes.fromhex(text))
    except ValueError as exc:
        raise MalformedLogData("malformed log entry: bad commitment") from exc


def check_commitment(entry: bytes, salt: bytes, canonical: bytes) -> bool:
    """Whether ``entry`` commits to this salt and canonical private record."""
    return hmac.compare_digest(entry_commitment(entry), commitment(salt, canonical))


_MAX_EXACT_INT = 2**53 - 1


def _plain(value: object) -> bool:
    """True when sorted compact ``json.dumps`` of ``value`` equals its RFC 8785 form."""
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT
    if isinstance(value, dict):
        return all(
            max(map(ord, key), default=0) <= 0xFFFF and _plain(item) for key, item in value.items()
        )
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return False  # floats: JCS number formatting differs from Python's repr


def _jsonable(value: object, where: str) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _jsonable(value.value, where)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(f"{where} has a key that is not a string")
            out[key] = _jsonable(item, f"{where}.{key}")
        return out
    if isinstance(value, Sequence):
        return [_jsonable(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise InvalidInput(f"{where} holds a {type(value).__name__}, which JSON cannot")
