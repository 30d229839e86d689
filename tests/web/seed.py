"""A small public history for the web pages, made with the real services.

Two years of requests from two agencies, every outcome, one refused observation,
and the figures the public report must show for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from sqlalchemy import update

from covergate.agencies import service as agencies
from covergate.agencies.models import Agency
from covergate.covers import service as covers
from covergate.covers.schemas import Correspondent, MailClass, MailObservation
from covergate.document import Address, AgencyFunction, Jurisdiction
from covergate.requests.schemas import DecisionOutcome
from covergate.users import service as users
from covergate.users.schemas import Role
from tests.factories import mail_cover_data, records_data
from tests.world import DEA, World

TODAY = date(2026, 1, 2)  # the world's date; the factories' covers start on 5 January
LAST_YEAR = date(2025, 3, 2)

DEA_AGENCY = {"name": DEA, "jurisdiction": "federal", "functions": ["criminal_investigation"]}
AMPERSAND = "Bay & Delta Sheriff's Office"
HOSTILE = '<script>alert("x")</script> & <b>Task Force</b>'


@dataclass(frozen=True)
class Seeded:
    """What the seed made, by year received."""

    total: int = 5
    approved: int = 3
    denied: int = 1
    pending: int = 1
    total_2026: int = 4
    total_2025: int = 1


def seed(world: World) -> Seeded:
    """2025: one FBI mail cover, approved (in 2026 it has expired: one observation is
    refused on it, not active). 2026: FBI mail cover approved, FBI records approved,
    FBI mail cover pending, DEA mail cover denied."""
    world.clock.set_date(LAST_YEAR)
    expired = world.active_cover(mail_cover_data(start=date(2025, 3, 5)))

    world.clock.set_date(TODAY)
    world.active_cover(mail_cover_data())
    world.active_cover(records_data())
    world.submit(mail_cover_data(purpose__case_number="FBI-2026-0077"))
    denied = world.submit(mail_cover_data(agency=DEA_AGENCY), who="dea")
    world.review(denied)
    world.approve(denied, outcome=DecisionOutcome.DENY, reasons="Grounds not shown.")

    with world.tx() as s:
        result = covers.observe(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "observer"),
            request=world.request(s, expired),
            item=mail_piece(),
        )
    if result.accepted:
        raise AssertionError("an observation on an expired cover must be refused")
    return Seeded()


def mail_piece() -> MailObservation:
    subject = Address(line1="12 Elm Street", city="Springfield", state="IL", zip="62701")
    return MailObservation(
        mail_date=TODAY,
        mail_class=MailClass.FIRST_CLASS,
        sender=Correspondent(name="A Sender", address=subject),
        addressee=Correspondent(name="Jordan Example", address=subject),
    )


def add_agency_with_markup(world: World) -> int:
    """An agency whose name needs escaping (``&`` and ``'``, all the log allows),
    a requester of it, and one pending request from it. Returns the agency's id."""
    with world.tx() as s:
        agency = agencies.register(
            session=s,
            clock=world.clock,
            name=AMPERSAND,
            jurisdiction=Jurisdiction.LOCAL,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION],
        )
        world.people["local"] = users.add_user(
            session=s,
            clock=world.clock,
            email="local@test.example",
            name="Local",
            role=Role.REQUESTER,
            agency=agency,
        )
        agency_id = agency.id
    doc = {"name": AMPERSAND, "jurisdiction": "local", "functions": ["criminal_investigation"]}
    world.submit(mail_cover_data(agency=doc), who="local")
    return agency_id


def rename_agency(world: World, agency_id: int, name: str) -> None:
    """Rename in the database, past the services (which refuse ``<`` in agency names):
    the pages must escape whatever is stored, even what the services never write."""
    with world.tx() as s:
        s.execute(update(Agency).where(Agency.id == agency_id).values(name=name))


class Tables(HTMLParser):
    """The text of every table cell, by table id: ``{id: [[cell, ...], ...]}``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._id_stack: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if tag == "table" and ident:
            self._table = ident
            self.tables[ident] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []
        if ident and tag not in {"input", "meta", "link", "br"}:
            self._id_stack.append((tag, ident))
            self.texts.setdefault(ident, "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._id_stack and self._id_stack[-1][0] == tag:
            self._id_stack.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _tag, ident in self._id_stack:
            if ident:
                self.texts[ident] += data

    def rows(self, table: str) -> dict[str, list[str]]:
        """Body rows keyed by their first cell (header and footer rows included)."""
        return {row[0]: row[1:] for row in self.tables[table] if row}

    def text(self, ident: str) -> str:
        return " ".join(self.texts[ident].split())
