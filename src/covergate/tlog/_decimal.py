"""Strict decimals for the text formats: no sign, no leading zeros, bounded.

Python's ``int()`` refuses strings of more than 4,300 digits with its own
``ValueError``; the length is checked first, so a hostile number of any length
is one of covergate's errors.
"""

from __future__ import annotations

import re

from covergate.errors import MalformedLogData

__all__ = ["MAX_UINT64", "parse_decimal"]

MAX_UINT64 = (1 << 64) - 1
_DECIMAL = re.compile(rb"0|[1-9][0-9]*")
_MAX_DIGITS = 20  # len(str(2**64 - 1))


def parse_decimal(text: bytes, what: str, *, maximum: int = MAX_UINT64) -> int:
    """Return the value of a canonical decimal, at most ``maximum``.

    Raises MalformedLogData("malformed <what>: ...") otherwise.
    """
    if len(text) > _MAX_DIGITS or not _DECIMAL.fullmatch(text):
        raise MalformedLogData(f"malformed {what}: not a decimal number")
    value = int(text)
    if value > maximum:
        raise MalformedLogData(f"malformed {what}: number too large")
    return value
