"""covergate.textchecks: control characters and blank values, refused with a position."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from covergate.textchecks import (
    escape_controls,
    first_surrogate,
    no_control,
    no_control_but_layout,
    not_blank,
)


def _refused(check: object, value: str) -> bool:
    try:
        check(value)  # type: ignore[operator]
    except ValueError:
        return True
    return False


def test_every_code_point_is_judged_as_unicode_categorises_it() -> None:
    """Cc and Cs, and nothing else, are refused; TAB, LF and CR pass in free text only."""
    wrong = []
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        control = unicodedata.category(ch) in ("Cc", "Cs")
        if _refused(no_control, ch) != control:
            wrong.append(("no_control", hex(code)))
        if _refused(no_control_but_layout, ch) != (control and ch not in "\t\n\r"):
            wrong.append(("no_control_but_layout", hex(code)))
    assert wrong == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Jordan\x00Example", "U+0000 at position 6"),
        ("ok\x1b[31m", "U+001B at position 2"),
        ("caf\u00e9 \x85", "U+0085 at position 5"),
        ("half \ud800 pair", "U+D800 at position 5"),
        ("first\tsecond", "U+0009 at position 5"),
    ],
)
def test_the_first_control_character_is_named_with_its_position(value: str, message: str) -> None:
    with pytest.raises(ValueError, match="must not contain control characters") as raised:
        no_control(value)
    assert message in str(raised.value)


def test_free_text_keeps_its_layout_but_not_other_controls() -> None:
    note = "Line one.\r\nLine two,\tindented."
    assert no_control_but_layout(note) is note
    with pytest.raises(ValueError, match=r"U\+0007 at position 9"):
        no_control_but_layout("Line one.\x07")
    assert no_control("Ünïcödé, 中文, emoji \U0001f600") == "Ünïcödé, 中文, emoji \U0001f600"


def test_blank_values_are_refused_and_others_kept() -> None:
    for blank in ("", "   ", "\n\t "):
        with pytest.raises(ValueError, match="must not be blank"):
            not_blank(blank)
    assert not_blank(" x ") == " x "


def test_surrogates_are_found_and_controls_escaped_for_a_terminal() -> None:
    assert first_surrogate("a\tb\x1b[2J\x00") is None
    assert first_surrogate("ab\udcffc") == 2
    assert escape_controls("a\x1b[31mRED\x00\udcff\x85 ok") == "a\\x1b[31mRED\\x00\\udcff\\x85 ok"
    assert escape_controls("tab\there") == "tab\\there"
    "".join(escape_controls(chr(c)) for c in range(0x110000)).encode()  # always encodable
