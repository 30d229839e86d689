"""Registering and finding agencies, on SQLite and PostgreSQL.

An agency's name is published in every log entry of its requests, so only a
short, plain name is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from covergate.agencies import service as agencies
from covergate.agencies.models import Agency
from covergate.document import AgencyFunction, Jurisdiction
from covergate.errors import InvalidInput, NotFound
from covergate.transparency.schemas import is_publishable_agency_name
from tests.world import DEA, FBI, SEC, World

CRIMINAL = AgencyFunction.CRIMINAL_INVESTIGATION
POSTAL = AgencyFunction.POSTAL_INSPECTION


def register(
    world: World,
    name: str,
    jurisdiction: Jurisdiction = Jurisdiction.LOCAL,
    functions: Sequence[AgencyFunction] = (CRIMINAL,),
) -> Agency:
    with world.tx() as s:
        return agencies.register(
            session=s,
            clock=world.clock,
            name=name,
            jurisdiction=jurisdiction,
            functions=list(functions),
        )


def agency_count(world: World) -> int:
    with world.tx() as s:
        return s.scalar(select(func.count()).select_from(Agency)) or 0


def test_register_stores_the_name_jurisdiction_and_sorted_functions(world: World) -> None:
    agency = register(
        world, "  Springfield Police Department ", functions=[POSTAL, CRIMINAL, POSTAL]
    )
    with world.tx() as s:
        stored = agencies.get_by_name(session=s, name="Springfield Police Department")
        assert stored.id == agency.id
        assert stored.jurisdiction is Jurisdiction.LOCAL
        assert stored.functions == ["criminal_investigation", "postal_inspection"]
        assert stored.created_at is not None


def test_registering_the_same_agency_again_returns_it(world: World) -> None:
    first = register(world, SEC, Jurisdiction.STATE, [AgencyFunction.CIVIL_ENFORCEMENT, CRIMINAL])
    again = register(
        world, f" {SEC} ", Jurisdiction.STATE, [CRIMINAL, AgencyFunction.CIVIL_ENFORCEMENT]
    )
    assert again.id == first.id
    with world.tx() as s:
        fbi = agencies.get_by_name(session=s, name=FBI)
    same_fbi = register(
        world,
        FBI,
        Jurisdiction.FEDERAL,
        [AgencyFunction.NATIONAL_SECURITY, CRIMINAL],
    )
    assert same_fbi.id == fbi.id
    assert agency_count(world) == 3  # the world's two, and this one


@pytest.mark.parametrize(
    ("jurisdiction", "functions"),
    [
        (Jurisdiction.STATE, [CRIMINAL, AgencyFunction.NATIONAL_SECURITY]),
        (Jurisdiction.FEDERAL, [CRIMINAL]),
        (Jurisdiction.FEDERAL, [CRIMINAL, AgencyFunction.NATIONAL_SECURITY, POSTAL]),
    ],
    ids=["jurisdiction", "fewer-functions", "more-functions"],
)
def test_an_existing_name_with_other_details_is_refused(
    world: World, jurisdiction: Jurisdiction, functions: list[AgencyFunction]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        register(world, FBI, jurisdiction, functions)
    assert str(caught.value) == (
        f"agency {FBI!r} is already registered with other jurisdiction or functions"
    )
    assert caught.value.field == "agency"
    with world.tx() as s:
        fbi = agencies.get_by_name(session=s, name=FBI)
        assert fbi.jurisdiction is Jurisdiction.FEDERAL
        assert fbi.functions == ["criminal_investigation", "national_security"]
    assert agency_count(world) == 2


def test_an_agency_needs_a_function(world: World) -> None:
    with pytest.raises(InvalidInput, match="an agency needs at least one function") as caught:
        register(world, "Empty Office", functions=[])
    assert caught.value.field == "functions"
    assert agency_count(world) == 2


@pytest.mark.parametrize(
    "name",
    [
        "U.S. Marshals Service",
        "Springfield PD",
        "Alcohol, Tobacco & Firearms",
        "O'Brien County Sheriff",
        "Task Force (North/East) - 2",
        "A" * 80,
        "X",
    ],
)
def test_publishable_names_are_accepted(world: World, name: str) -> None:
    agency = register(world, name)
    assert agency.name == name
    assert is_publishable_agency_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "1st Precinct",
        "2026-0042",
        "<b>Task Force</b>",
        "A" * 81,
        "Line one\nLine two",
        "Tab\there",
        "Office: Case 42",
        "Office #4",
        "Subject is jordan@example.com",
        "Policía Municipal",
        "-Dash First",
    ],
)
def test_unpublishable_names_are_refused(world: World, name: str) -> None:
    message = re.escape(
        "agency name must start with a letter and be at most 80 letters, digits, "
        "spaces or . , & ' ( ) / -"
    )
    with pytest.raises(InvalidInput, match=message) as caught:
        register(world, name)
    assert caught.value.field == "agency"
    assert agency_count(world) == 2


def test_get_by_name_is_exact(world: World) -> None:
    with world.tx() as s:
        assert agencies.get_by_name(session=s, name=DEA).jurisdiction is Jurisdiction.FEDERAL
        with pytest.raises(NotFound, match=re.escape("no agency named 'Nobody Office'")):
            agencies.get_by_name(session=s, name="Nobody Office")
        with pytest.raises(NotFound):
            agencies.get_by_name(session=s, name=DEA[:-1])


def test_list_agencies_is_ordered_by_name(world: World) -> None:
    register(world, "Zeta Task Force")
    register(world, "Bureau of Prisons", Jurisdiction.FEDERAL)
    with world.tx() as s:
        names = [a.name for a in agencies.list_agencies(session=s)]
    assert names == ["Bureau of Prisons", DEA, FBI, "Zeta Task Force"]


def test_requesters_belong_to_their_agency(world: World) -> None:
    with world.tx() as s:
        fbi = agencies.get_by_name(session=s, name=FBI)
        dea = agencies.get_by_name(session=s, name=DEA)
        assert world.user(s, "fbi").agency_id == fbi.id
        assert world.user(s, "fbi2").agency_id == fbi.id
        assert world.user(s, "dea").agency_id == dea.id
        assert world.user(s, "reviewer").agency_id is None
