"""The publication rule: an open request's entries are sealed until it is disclosed.

While a request is open (and until its notice is mailed or due, and no delay
order holds it; see :mod:`covergate.lifecycle.disclosure`), each of its log
entries says only what cannot tip off an investigation:

- ``event`` (submitted, decided, started ...), ``request`` (the random id),
  ``month`` (``YYYY-MM``), ``level`` (federal, state or local) and, for a
  decision, ``outcome``;
- ``sealed``: the event's full public fields (agency, exact date, ground, kind,
  legal process, policy ...: what an open entry would say) encrypted with
  AES-256-GCM under the request's *details key*, a fresh random nonce, and the
  fields above as associated data;
- ``details_key_sha256``: SHA-256 of the tag ``covergate/details-key/v1\\n`` and
  the key, the same in every entry of the request. It commits the log to one key,
  so the entry can only ever open to one text (GCM by itself is not committing).

When the request is disclosed, a ``disclosed`` entry publishes the key: anyone
then opens every sealed entry of the request, checks the tag and the key
commitment, and reads what it said on the day it was written.

>>> key = bytes(32)
>>> inner = {"event": "submitted", "request": "0" * 32, "date": "2026-03-05", "agency": "FBI"}
>>> outer = seal_fields(inner, key=key, level="federal", nonce=bytes(12))
>>> sorted(outer)
['details_key_sha256', 'event', 'level', 'month', 'outcome', 'request', 'sealed']
>>> open_fields(outer, key) == inner
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from covergate.errors import InvalidInput, MalformedLogData
from covergate.transparency.schemas import PublicValue

__all__ = [
    "DETAILS_KEY_SIZE",
    "SEALED_FIELD",
    "SealedEvent",
    "details_key_sha256",
    "is_sealed",
    "new_details_key",
    "open_fields",
    "seal_fields",
]

DETAILS_KEY_SIZE = 32
DETAILS_KEY_TAG = b"covergate/details-key/v1\n"
SEALED_FIELD = "sealed"
_NONCE_SIZE = 12
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_LEVELS = frozenset({"federal", "state", "local"})
#: Outer fields every sealed entry has (besides ``commitment``, added by the log).
_OUTER = ("details_key_sha256", "event", "level", "month", "outcome", "request", "sealed")


def new_details_key() -> bytes:
    """32 random bytes: one request's details key."""
    return os.urandom(DETAILS_KEY_SIZE)


def details_key_sha256(key: bytes) -> str:
    """The commitment to a details key that every sealed entry of the request carries."""
    if len(key) != DETAILS_KEY_SIZE:
        raise InvalidInput(f"a details key is {DETAILS_KEY_SIZE} bytes", field="details_key")
    return hashlib.sha256(DETAILS_KEY_TAG + key).hexdigest()


def is_sealed(fields: Mapping[str, object]) -> bool:
    """Whether an entry's fields are a sealed entry's."""
    return SEALED_FIELD in fields


def _aad(outer: Mapping[str, object]) -> bytes:
    visible = {k: outer[k] for k in _OUTER if k != SEALED_FIELD}
    return json.dumps(visible, sort_keys=True, separators=(",", ":")).encode()


def seal_fields(
    inner: Mapping[str, PublicValue], *, key: bytes, level: str, nonce: bytes | None = None
) -> dict[str, PublicValue]:
    """The sealed entry's fields for an event whose open fields are ``inner``.

    ``inner`` must name the event, the request and the date (``YYYY-MM-DD``).
    ``nonce`` is for tests only; by default it is fresh and random.
    """
    event, request, day = inner.get("event"), inner.get("request"), inner.get("date")
    if not isinstance(event, str) or not isinstance(request, str) or not isinstance(day, str):
        raise InvalidInput("a sealed event names its event, request and date")
    if level not in _LEVELS:
        raise InvalidInput(f"{level!r} is not a jurisdiction level", field="level")
    outcome = inner.get("outcome") if event == "decided" else None
    outer: dict[str, PublicValue] = {
        "details_key_sha256": details_key_sha256(key),
        "event": event,
        "level": level,
        "month": day[:7],
        "outcome": outcome,
        "request": request,
    }
    nonce = os.urandom(_NONCE_SIZE) if nonce is None else nonce
    plaintext = json.dumps(dict(inner), sort_keys=True, separators=(",", ":")).encode()
    # Imported where used: commands that only read requests import this module
    # (through lifecycle.advance) and never seal or open an entry.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(outer))
    outer[SEALED_FIELD] = base64.b64encode(nonce + ciphertext).decode("ascii")
    return outer


def open_fields(outer: Mapping[str, object], key: bytes) -> dict[str, PublicValue]:
    """The open fields a sealed entry hides, checked; MalformedLogData if they do not open.

    Checks the key against the entry's key commitment, the AES-GCM tag (which covers
    the visible fields), and that the opened fields name the same event, request,
    month and (for a decision) outcome as the visible ones.
    """
    for name in _OUTER:
        if name not in outer:
            raise MalformedLogData(f"sealed entry has no {name}")
    if not hmac.compare_digest(str(outer["details_key_sha256"]), details_key_sha256(key)):
        raise MalformedLogData("the details key does not match the sealed entry's commitment")
    month = outer["month"]
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise MalformedLogData("sealed entry has a malformed month")
    try:
        blob = base64.b64decode(str(outer[SEALED_FIELD]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedLogData("sealed entry's sealed field is not base64") from exc
    if len(blob) <= _NONCE_SIZE + 16:
        raise MalformedLogData("sealed entry's sealed field is too short")
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        plaintext = AESGCM(key).decrypt(blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], _aad(outer))
    except InvalidTag as exc:
        raise MalformedLogData("sealed entry does not open with its details key") from exc
    try:
        inner = json.loads(plaintext)
    except ValueError as exc:
        raise MalformedLogData("sealed entry opens to something that is not JSON") from exc
    if not isinstance(inner, dict):
        raise MalformedLogData("sealed entry opens to something that is not an object")
    day = inner.get("date")
    checks = (
        inner.get("event") == outer["event"],
        inner.get("request") == outer["request"],
        isinstance(day, str) and day[:7] == month,
        outer["event"] != "decided" or inner.get("outcome") == outer["outcome"],
    )
    if not all(checks):
        raise MalformedLogData("sealed entry opens to another event, request, month or outcome")
    return inner


@dataclass(frozen=True)
class SealedEvent:
    """A sealed entry as the log takes it (a :class:`PublicRecord`)."""

    fields: Mapping[str, PublicValue]

    def public_fields(self) -> dict[str, PublicValue]:
        return dict(self.fields)
