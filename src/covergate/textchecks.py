"""Checks of text a person typed: control characters and blank values. Pure.

The request document's pydantic types (:mod:`covergate.document`) are built on
these, and so are the services that check a name, an email or a reason without a
model (adding a user, recording an access). They live here, without pydantic, so
that such a service does not build the document's models just to check a string.
"""

from __future__ import annotations

import unicodedata

#: Line breaks and tabs, allowed in long free text only.
_LAYOUT = frozenset("\n\r\t")


def _control(value: str, allowed: frozenset[str]) -> str:
    for i, ch in enumerate(value):
        # Cc: C0 controls (NUL, ESC ...), DEL and C1; Cs: lone surrogates
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            raise ValueError(
                f"must not contain control characters (U+{ord(ch):04X} at position {i})"
            )
    return value


def no_control(value: str) -> str:
    """A single line of text: no control character at all."""
    return _control(value, frozenset())


def no_control_but_layout(value: str) -> str:
    """Free text: line breaks and tabs, no other control character."""
    return _control(value, _LAYOUT)


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank (only spaces or line breaks)")
    return value
