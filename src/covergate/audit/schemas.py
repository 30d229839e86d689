from __future__ import annotations

from enum import StrEnum


class AccessKind(StrEnum):
    SUBJECT = "subject"  # the subject's name, address, attorneys and the facts
    OBSERVATIONS = "observations"  # recorded mail exteriors or records items
    PRODUCTION = "production"  # the package produced for the agency
