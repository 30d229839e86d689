"""The registry of courts, and the users who serve them (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from covergate.courts import registry, service
from covergate.errors import Conflict, InvalidInput, NotFound
from covergate.users import service as users
from covergate.users.schemas import Role
from tests.courts.common import unchanged
from tests.world import COURT, OTHER_COURT, World


def test_a_court_is_added_trimmed_and_listed_by_name(world: World) -> None:
    with world.tx() as s:
        court = service.add_court(session=s, clock=world.clock, name="  Superior Court of Marin ")
        assert court.name == "Superior Court of Marin"
        assert court.created_at == world.clock.now()
    with world.tx() as s:
        names = [c.name for c in service.list_courts(session=s)]
        assert names == sorted([COURT, OTHER_COURT, "Superior Court of Marin"])
        found = service.get_court_by_name(session=s, name="superior court of MARIN")
        assert found.name == "Superior Court of Marin"


@pytest.mark.parametrize("name", [COURT, COURT.upper(), f"  {COURT.lower()}  "])
def test_a_court_is_registered_once_whatever_the_case(world: World, name: str) -> None:
    with unchanged(world, Conflict, "already registered"), world.tx() as s:
        service.add_court(session=s, clock=world.clock, name=name)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "2 to 200 printable"),
        ("X", "2 to 200 printable"),
        ("Court\x00of Claims", "2 to 200 printable"),
        ("C" * 201, "2 to 200 printable"),
        ("C" * 120, "published"),  # printable, but longer than the log allows
        ("9th Circuit", "start with a letter"),
        ("Court of <b>Claims</b>", "published"),
        ("Tribunal d'instance é", "published"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_written(world: World, name: str, why: str) -> None:
    with unchanged(world, InvalidInput, why), world.tx() as s:
        service.add_court(session=s, clock=world.clock, name=name)


def test_an_unknown_court_is_not_found(world: World) -> None:
    with world.tx() as s, pytest.raises(NotFound, match="no court named 'Nowhere'"):
        registry.get_court_by_name(session=s, name="Nowhere")


def test_a_court_user_serves_exactly_one_court(world: World) -> None:
    with world.tx() as s:
        court = registry.get_court_by_name(session=s, name=COURT)
        clerk = users.add_user(
            session=s, clock=world.clock, email="clerk@test.example", name="Clerk",
            role=Role.COURT, court=court,
        )  # fmt: skip
        assert clerk.court_id == court.id
    with unchanged(world, InvalidInput, "serves one registered court"), world.tx() as s:
        users.add_user(
            session=s, clock=world.clock, email="x@test.example", name="X", role=Role.COURT
        )
    with unchanged(world, InvalidInput, "an auditor does not belong to a court"), world.tx() as s:
        users.add_user(
            session=s, clock=world.clock, email="y@test.example", name="Y", role=Role.AUDITOR,
            court=registry.get_court_by_name(session=s, name=COURT),
        )  # fmt: skip
