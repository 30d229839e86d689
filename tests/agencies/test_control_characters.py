"""An agency's name refuses control characters (it is published in the log)."""

from __future__ import annotations

import pytest

from covergate.agencies import service as agencies
from covergate.document import AgencyFunction, Jurisdiction
from covergate.errors import InvalidInput
from tests.world import World


@pytest.mark.parametrize("bad", ["\x00", "\x1b[2J", "\x07", "\x7f", "\u0085", "\t"], ids=repr)
def test_register_refuses_control_characters(world: World, bad: str) -> None:
    with world.unchanged(InvalidInput, "agency name") as info, world.tx() as s:
        agencies.register(
            session=s,
            clock=world.clock,
            name=f"Postal{bad}Agency",
            jurisdiction=Jurisdiction.FEDERAL,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION],
        )
    assert info.value.field == "agency"
