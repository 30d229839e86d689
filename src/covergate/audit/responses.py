"""What the audit routes answer: the access log and the compliance report.

Findings name request ids, dates and log indexes, never subject data.
"""

from __future__ import annotations

from pydantic import Field

from covergate.api_deps import Day, ResponseModel, Timestamp
from covergate.audit.findings import FindingClass
from covergate.context import Via
from covergate.lifecycle.models import AccessKind
from covergate.users.schemas import Role

__all__ = ["AccessLog", "ComplianceReportView"]


class AccessRecordView(ResponseModel):
    at: Timestamp
    user: str | int = Field(description="The reader's email (its id if the user is gone).")
    role: Role | None
    request: str | int = Field(description="The request's id (its row if it is gone).")
    what: AccessKind
    reason: str
    via: Via


class AccessLog(ResponseModel):
    access: list[AccessRecordView]


class FindingView(ResponseModel):
    request: str | None
    message: str
    dates: dict[str, Day]
    entry: int | None = Field(description="The log entry the finding is about, if any.")


class ClassResultView(ResponseModel):
    id: FindingClass
    title: str
    rule: str
    citation: str
    count: int
    findings: list[FindingView]


class ComplianceReportView(ResponseModel):
    checked_on: Day
    policy: str
    policy_version: str
    clean: bool
    log_entries_checked: int
    classes: list[ClassResultView]
