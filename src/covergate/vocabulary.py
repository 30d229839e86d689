"""The closed vocabularies of the request document: its enums, and nothing else.

They live apart from :mod:`covergate.document` (which re-exports every one of them
under the same name) so that what only needs a name from a vocabulary, such as the
options of the command line (``agency add --jurisdiction``, ``decide --category``),
imports no pydantic: the document's models are built when it is imported, and the
command line is built on every run. This module imports nothing of covergate.
"""

from __future__ import annotations

from enum import StrEnum


class RequestKind(StrEnum):
    MAIL_COVER = "mail_cover"
    RECORDS = "records"


class Jurisdiction(StrEnum):
    FEDERAL = "federal"
    STATE = "state"
    LOCAL = "local"


class AgencyFunction(StrEnum):
    CRIMINAL_INVESTIGATION = "criminal_investigation"
    NATIONAL_SECURITY = "national_security"
    CIVIL_ENFORCEMENT = "civil_enforcement"
    POSTAL_INSPECTION = "postal_inspection"


class ReceivedVia(StrEnum):
    WRITTEN = "written"
    ORAL = "oral"


class Ground(StrEnum):
    NATIONAL_SECURITY = "national_security"
    FUGITIVE = "fugitive"
    CRIME = "crime"
    POSTAL_STATUTE = "postal_statute"
    FORFEITURE = "forfeiture"
    CIVIL_ENFORCEMENT = "civil_enforcement"


class WarrantType(StrEnum):
    CRIMINAL_ARREST = "criminal_arrest"
    BENCH = "bench"
    ESCAPE = "escape"
    ADMINISTRATIVE_IMMIGRATION = "administrative_immigration"
    OTHER = "other"


class Threat(StrEnum):
    ATTACK = "attack"
    SABOTAGE = "sabotage"
    INTERNATIONAL_TERRORISM = "international_terrorism"
    CLANDESTINE_INTELLIGENCE = "clandestine_intelligence"
    OTHER = "other"


class DataCategory(StrEnum):
    # mail covers
    MAIL_EXTERIOR = "mail_exterior"
    UNSEALED_CONTENTS = "unsealed_contents"
    SEALED_CONTENTS = "sealed_contents"
    # records
    SUBSCRIBER = "subscriber"
    SESSION_IP = "session_ip"
    PAYMENT = "payment"
    TRACKING = "tracking"
    CHANGE_OF_ADDRESS = "change_of_address"
    BOX_APPLICATION = "box_application"


MAIL_COVER_CATEGORIES = frozenset(
    {DataCategory.MAIL_EXTERIOR, DataCategory.UNSEALED_CONTENTS, DataCategory.SEALED_CONTENTS}
)
RECORDS_CATEGORIES = frozenset(DataCategory) - MAIL_COVER_CATEGORIES


class ProcessType(StrEnum):
    WRITTEN_REQUEST = "written_request"
    HEAD_OF_AGENCY_REQUEST = "head_of_agency_request"
    SUBPOENA = "subpoena"
    COURT_ORDER = "court_order"
    SEARCH_WARRANT = "search_warrant"


class ProcessStandard(StrEnum):
    NONE = "none"
    RELEVANCE = "relevance"
    SPECIFIC_AND_ARTICULABLE_FACTS = "specific_and_articulable_facts"
    PROBABLE_CAUSE = "probable_cause"


class EmergencyKind(StrEnum):
    LOSS_OF_EVIDENCE = "loss_of_evidence"
    PHYSICAL_HARM = "physical_harm"
