"""The reason given to read a package (X-Access-Reason, ``package --reason``) is one
printable line: it is stored in the access log and printed to auditors."""

from __future__ import annotations

import pytest

from covergate.errors import InvalidInput
from covergate.lifecycle.access import check_reason
from tests.productions.test_service import closed_cover, produce, read, unchanged
from tests.world import World


@pytest.mark.parametrize("bad", ["\x00", "\x1b[2J", "\x07", "\x7f", "\u0085", "\n"], ids=repr)
def test_reading_a_package_refuses_a_reason_with_control_characters(world: World, bad: str) -> None:
    rid = closed_cover(world)
    produce(world, rid)
    with unchanged(world, InvalidInput, "control characters") as info:
        read(world, rid, reason=f"case intake{bad} for the file")
    assert info.value.field == "reason"


def test_surrounding_spaces_and_line_breaks_are_still_trimmed() -> None:
    assert check_reason("  case intake\n") == "case intake"
