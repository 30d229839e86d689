"""Registering and finding agencies."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.clock import Clock
from covergate.errors import InvalidInput, NotFound
from covergate.transparency.schemas import is_publishable_agency_name
from covergate.vocabulary import AgencyFunction, Jurisdiction


def get_by_name(*, session: Session, name: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        raise NotFound(f"no agency named {name!r}")
    return agency


def register(
    *,
    session: Session,
    clock: Clock,
    name: str,
    jurisdiction: Jurisdiction,
    functions: Sequence[AgencyFunction],
) -> Agency:
    """Register an agency, or return the existing one if it matches exactly."""
    name = name.strip()
    if not is_publishable_agency_name(name):
        # The name is published in every log entry of the agency's requests.
        raise InvalidInput(
            "agency name must start with a letter and be at most 80 letters, digits, "
            "spaces or . , & ' ( ) / -",
            field="agency",
        )
    if not functions:
        raise InvalidInput("an agency needs at least one function", field="functions")
    wanted = sorted({f.value for f in functions})
    existing = session.scalar(select(Agency).where(Agency.name == name))
    if existing is not None:
        if existing.jurisdiction is not jurisdiction or sorted(existing.functions) != wanted:
            raise InvalidInput(
                f"agency {name!r} is already registered with other jurisdiction or functions",
                field="agency",
            )
        return existing
    agency = Agency(name=name, jurisdiction=jurisdiction, functions=wanted, created_at=clock.now())
    session.add(agency)
    session.flush()
    return agency


def list_agencies(*, session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.name)))
