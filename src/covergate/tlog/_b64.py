"""Strict base64 for the text formats: standard alphabet, padded, canonical."""

from __future__ import annotations

import base64
import binascii

from covergate.errors import MalformedLogData

__all__ = ["decode_b64"]


def decode_b64(text: str | bytes, what: str) -> bytes:
    """Decode standard padded base64; re-encoding must give the input back, so
    every value has one spelling. Raises MalformedLogData("malformed <what>: ...")."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedLogData(f"malformed {what}: bad base64") from exc
    if base64.b64encode(data) != raw:
        raise MalformedLogData(f"malformed {what}: non-canonical base64")
    return data
