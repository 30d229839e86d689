"""Checks of text a person typed: control characters and blank values. Pure.

The request document's pydantic types (:mod:`covergate.document`) are built on
these, and so are the services that check a name, an email or a reason without a
model (adding a user, recording an access). They live here, without pydantic, so
that such a service does not build the document's models just to check a string.
"""

from __future__ import annotations

import re

# Unicode's general categories Cc (the C0 controls NUL..US, DEL and the C1 controls:
# exactly U+0000-U+001F and U+007F-U+009F, a set the standard has fixed) and Cs (the
# surrogates U+D800-U+DFFF, which reach a str only as lone halves). One compiled
# search runs in C: 5 us for the 32 strings of docs/examples/mail-cover.json, where a
# Python loop over ``unicodedata.category`` took 45 us. tests/test_textchecks.py
# checks both sets against ``unicodedata`` for every code point.
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: The same without the line breaks and tabs (TAB, LF, CR) that long free text may hold.
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _control(value: str, pattern: re.Pattern[str]) -> str:
    found = pattern.search(value)
    if found is not None:
        raise ValueError(
            "must not contain control characters "
            f"(U+{ord(found.group()):04X} at position {found.start()})"
        )
    return value


def no_control(value: str) -> str:
    """A single line of text: no control character at all."""
    return _control(value, _ANY_CONTROL)


def no_control_but_layout(value: str) -> str:
    """Free text: line breaks and tabs, no other control character."""
    return _control(value, _CONTROL_BUT_LAYOUT)


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank (only spaces or line breaks)")
    return value


def first_surrogate(value: str) -> int | None:
    """The position of the first lone surrogate in ``value`` (how Python decodes bytes
    that are not UTF-8, in a command line or a file name); None when there is none."""
    found = _SURROGATE.search(value)
    return None if found is None else found.start()


def escape_controls(value: str) -> str:
    """``value`` with each control character and lone surrogate written as its escape
    (``\\x1b``, ``\\udcff``): safe to print on a terminal, and encodable."""
    return _ANY_CONTROL.sub(lambda m: ascii(m.group())[1:-1], value)
