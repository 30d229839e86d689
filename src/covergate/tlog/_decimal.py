"""Strict decimals for the text formats: no sign, no leading zeros, bounded.

Python's ``int()`` refuses strings of more than 4,300 digits with its own
``ValueError``, and ``str.isdigit()`` admits superscripts and other scripts'
digits; here the length is checked before ``int()`` and only ASCII digits
count, so a hostile number of any length or script is one of covergate's
errors. Every decimal of every format in :mod:`covergate.tlog` goes through
:func:`parse_decimal`.
"""

from __future__ import annotations

import re

from covergate.errors import MalformedLogData

__all__ = ["MAX_UINT64", "parse_decimal"]

MAX_UINT64 = (1 << 64) - 1
_DECIMAL = re.compile(rb"0|[1-9][0-9]*")
_MAX_DIGITS = 20  # len(str(2**64 - 1))


def parse_decimal(text: bytes | str, what: str, *, maximum: int = MAX_UINT64) -> int:
    """Return the value of a canonical decimal, at most ``maximum``.

    ``text`` may be bytes or text (paths and policies are text); anything but
    ASCII digits fails. Raises MalformedLogData("malformed <what>: ...") otherwise.
    """
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    if len(raw) > _MAX_DIGITS or not _DECIMAL.fullmatch(raw):
        raise MalformedLogData(f"malformed {what}: not a decimal number")
    value = int(raw)
    if value > maximum:
        raise MalformedLogData(f"malformed {what}: number too large")
    return value
