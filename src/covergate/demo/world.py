"""The synthetic world of the demo: agencies, people, addresses, documents, mail.

Everything here is invented and drawn from one seeded :class:`random.Random`, so
the same seed gives the same documents in the same order. Nothing here touches
the database.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from covergate.covers.schemas import MailObservation
from covergate.document import (
    AgencyFunction,
    Jurisdiction,
    RequestDocument,
    Subject,
    request_document_from_data,
)

DEMO_END = date(2026, 11, 20)
DEMO_START = DEMO_END - timedelta(days=365)
USPIS = "U.S. Postal Inspection Service"
#: The courts that issue the demo's orders, each with one clerk's account. The first
#: is the one docs/examples/mail-cover.json names (README: the court confirms it).
COURTS = [
    "U.S. District Court, C.D. Ill.",
    "U.S. District Court, S.D.N.Y.",
    "U.S. District Court, S.D. Tex.",
    "U.S. District Court, C.D. Cal.",
]

CI = AgencyFunction.CRIMINAL_INVESTIGATION
NS = AgencyFunction.NATIONAL_SECURITY
CIVIL = AgencyFunction.CIVIL_ENFORCEMENT
USPIS_FUNCTIONS = [AgencyFunction.POSTAL_INSPECTION, CI]

# (name, jurisdiction, functions, weight among outside requests) — FY2013 mix, scaled.
AGENCIES: list[tuple[str, Jurisdiction, list[AgencyFunction], int]] = [
    ("Internal Revenue Service", Jurisdiction.FEDERAL, [CI, CIVIL], 1323),
    ("Federal Bureau of Investigation", Jurisdiction.FEDERAL, [CI, NS], 1025),
    ("Drug Enforcement Administration", Jurisdiction.FEDERAL, [CI], 758),
    ("Department of Homeland Security", Jurisdiction.FEDERAL, [CI, NS], 469),
    ("Immigration and Customs Enforcement", Jurisdiction.FEDERAL, [CI, CIVIL], 81),
    ("U.S. Marshals Service", Jurisdiction.FEDERAL, [CI], 420),
    ("Bureau of Alcohol, Tobacco, Firearms and Explosives", Jurisdiction.FEDERAL, [CI], 310),
    ("Illinois State Police", Jurisdiction.STATE, [CI], 520),
    ("Texas Department of Public Safety", Jurisdiction.STATE, [CI], 480),
    ("New York City Police Department", Jurisdiction.LOCAL, [CI], 390),
    ("Los Angeles County Sheriff's Department", Jurisdiction.LOCAL, [CI], 224),
]

# (statute, maximum imprisonment in months)
STATUTES = [
    ("18 U.S.C. 1341", 240),
    ("18 U.S.C. 1708", 60),
    ("26 U.S.C. 7201", 60),
    ("21 U.S.C. 841(b)(1)(C)", 240),
    ("18 U.S.C. 1956", 240),
    ("8 U.S.C. 1324(a)", 60),
    ("8 U.S.C. 1326(a)", 24),
]
POSTAL_STATUTES = [("18 U.S.C. 1708", 60), ("18 U.S.C. 1341", 240)]
# National-security requests name a foreign power and a threat 39 CFR 233.3(c)(9) lists.
THREATS = ["international_terrorism", "clandestine_intelligence"]
FOREIGN_POWER = "Foreign Power A"
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery",
         "Quinn", "Drew", "Rowan", "Emerson", "Harper", "Kai", "Logan", "Parker", "Reese",
         "Sage", "Tatum"]  # fmt: skip
LAST = ["Adler", "Brooks", "Castillo", "Dunn", "Ellis", "Fischer", "Garza", "Hale", "Ito",
        "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Pratt", "Quist",
        "Rasmussen", "Silva", "Thorne"]  # fmt: skip
STREETS = ["Elm", "Oak", "Maple", "Cedar", "Pine", "Birch", "Walnut", "Lake", "Hill", "Park"]
CITIES = [
    ("Springfield", "IL", "627"),
    ("Austin", "TX", "787"),
    ("Albany", "NY", "122"),
    ("Fresno", "CA", "937"),
    ("Tampa", "FL", "336"),
    ("Dayton", "OH", "454"),
    ("Tacoma", "WA", "984"),
    ("Mesa", "AZ", "852"),
]
RECORD_CATEGORIES = [
    "subscriber",
    "session_ip",
    "payment",
    "tracking",
    "change_of_address",
    "box_application",
]
MAIL_CLASSES = ["first_class", "first_class", "priority", "marketing", "package_services"]
WARRANTS = ["criminal_arrest", "criminal_arrest", "bench", "administrative_immigration"]
WITH_OFFENCE = {"crime", "postal_statute", "forfeiture"}


class DemoWorld:
    """Invented people, addresses, request documents and mail, from one ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def address(self) -> dict[str, Any]:
        city, state, zip3 = self.rng.choice(CITIES)
        return {
            "line1": f"{self.rng.randint(1, 9999)} {self.rng.choice(STREETS)} Street",
            "line2": None,
            "city": city,
            "state": state,
            "zip": f"{zip3}{self.rng.randint(0, 99):02d}",
        }

    def document(
        self,
        agency: str,
        jurisdiction: Jurisdiction,
        functions: list[AgencyFunction],
        received: date,
    ) -> dict[str, Any]:
        """The JSON of one request document an agency sends on ``received``."""
        rng = self.rng
        inspector = agency == USPIS
        kind = "records" if rng.random() < 0.22 else "mail_cover"
        roll = rng.random()
        if inspector:
            ground = "postal_statute" if roll < 0.8 else "crime"
        elif roll < 0.74:
            ground = "crime"
        elif roll < 0.86:
            ground = "fugitive"
        elif roll < 0.91:
            ground = "forfeiture"
        elif roll < 0.94 and NS in functions:
            ground = "national_security"
        elif CIVIL in functions:
            ground = "civil_enforcement"
        else:
            ground = "crime"
        statute, months = rng.choice(POSTAL_STATUTES if ground == "postal_statute" else STATUTES)
        if ground == "crime" and rng.random() < 0.04:
            statute, months = "8 U.S.C. 1325(a)", 6  # a misdemeanour: not a crime under (c)(6)
        oral = rng.random() < 0.06
        emergency = oral and rng.random() < 0.5
        start = received + timedelta(days=rng.randint(3, 12))
        days = 30 if rng.random() < 0.85 else rng.choice([60, 90])
        if kind == "records":
            categories = rng.sample(RECORD_CATEGORIES, rng.randint(1, 2))
        else:
            categories = ["mail_exterior"]
        process = self._legal_process(received, start)
        attorneys = [
            {"name": self.person(), "address": self.address()}
            for _ in range(rng.choice([0, 0, 1, 1, 2]))
        ]
        offence = ground in WITH_OFFENCE
        return {
            "kind": kind,
            "agency": {
                "name": agency,
                "jurisdiction": jurisdiction.value,
                "functions": [f.value for f in functions],
            },
            "requester": {
                "name": self.person(),
                "title": "Special Agent",
                "email": f"agent{rng.randint(100, 999)}@agency.example",
            },
            "received": {
                "via": "oral" if oral else "written",
                "date": received.isoformat(),
                "written_confirmation_date": (received + timedelta(days=2)).isoformat()
                if oral
                else None,
            },
            "purpose": {
                "ground": ground,
                "statute": statute if offence else None,
                "max_imprisonment_months": months if offence else None,
                "case_number": f"{rng.randint(2024, 2026)}-{rng.randint(10000, 99999)}",
                "reasonable_grounds": "Synthetic demo facts: informant reports and financial "
                "records tie the address to the offence.",
                "fugitive_warrant": {
                    "type": rng.choice(WARRANTS),
                    "issued_by": "Superior Court",
                    "date": (received - timedelta(days=40)).isoformat(),
                }
                if ground == "fugitive"
                else None,
                "national_security": {
                    "threat": rng.choice(THREATS),
                    "foreign_power": FOREIGN_POWER,
                    "approved_by_agency_head": True,
                }
                if ground == "national_security"
                else None,
                "indictment_or_information_filed": rng.random() < 0.02,
            },
            "subject": {
                "name": self.person(),
                "address": self.address(),
                "known_attorneys": attorneys,
            },
            "scope": {
                "data_categories": categories,
                "include_attorney_mail": False,
                "start": start.isoformat(),
                "days": days,
                "longer_period_justification": "Demo: the scheme runs in 60-day cycles."
                if days > 30
                else None,
                "prior_days": 0,
                "extension_benefit": None,
                "chief_inspector_personal_approval": False,
            },
            "legal_process": process,
            "emergency": {
                "kind": "loss_of_evidence",
                "description": "Demo: parcels are about to be moved.",
            }
            if emergency
            else None,
        }

    def _legal_process(self, received: date, start: date) -> dict[str, Any] | None:
        # Most agencies now come with a court order; some do not (and are refused
        # under safeguards-2026), as happens in the first year of a reform.
        rng = self.rng
        roll = rng.random()
        issued = (start - timedelta(days=2)).isoformat()
        if roll < 0.78:
            return _process(
                "court_order",
                "specific_and_articulable_facts",
                issued,
                court=rng.choice(COURTS),
                docket=f"{received.year % 100}-mj-{rng.randint(1, 9999):04d}",
                judge=f"Hon. {self.person()}",
            )
        if roll < 0.88:
            return _process("subpoena", "relevance", issued, docket=f"GJ-{rng.randint(100, 999)}")
        if roll < 0.94:
            return _process("head_of_agency_request", "none", issued)
        return None

    def mail(self, subject: Subject, *, today: date, active_from: date | None) -> MailObservation:
        """One mail exterior seen on ``today``, now and then one the rules refuse."""
        rng = self.rng
        mail_date = today - timedelta(days=rng.randint(0, 1))
        sender_name, sender_address = self.person(), self.address()
        if subject.known_attorneys and rng.random() < 0.1:
            # Attorney mail turns up; the software refuses to record it.
            sender_name = subject.known_attorneys[0].name
            sender_address = subject.known_attorneys[0].address.model_dump(mode="json")
        addressee = subject.address.model_dump(mode="json")
        if rng.random() < 0.04:
            # A clerk picks up a neighbour's letter; it is not the covered address.
            addressee = self.address()
        if rng.random() < 0.03:
            # A letter postmarked before the cover began.
            mail_date = (active_from or mail_date) - timedelta(days=rng.randint(1, 5))
        return MailObservation.model_validate(
            {
                "mail_date": mail_date.isoformat(),
                "mail_class": rng.choice(MAIL_CLASSES),
                "sender": {"name": sender_name, "address": sender_address},
                "addressee": {"name": subject.name, "address": addressee},
                "postmark": f"{sender_address['city']} {sender_address['state']} "
                f"{mail_date.isoformat()}",
            }
        )


def extension_document(
    document: RequestDocument, *, today: date, start: date, prior_days: int
) -> RequestDocument:
    """The agency's written request for 30 more days, continuous with ``document``."""
    data = document.model_dump(mode="json")
    data["received"] = {
        "via": "written",
        "date": today.isoformat(),
        "written_confirmation_date": None,
    }
    data["scope"].update(
        {
            "start": start.isoformat(),
            "days": 30,
            "prior_days": prior_days,
            "longer_period_justification": None,
            "extension_benefit": "Demo: the cover identified two co-conspirators' addresses; "
            "30 more days are expected to show the supplier.",
        }
    )
    data["emergency"] = None
    return request_document_from_data(data)


def _process(
    kind: str,
    standard: str,
    issued: str,
    *,
    court: str | None = None,
    docket: str | None = None,
    judge: str | None = None,
) -> dict[str, Any]:
    """The ``legal_process`` block of a synthetic document."""
    return {
        "type": kind,
        "standard": standard,
        "court": court,
        "docket": docket,
        "judge": judge,
        "issued": issued,
        "expires": None,
    }
