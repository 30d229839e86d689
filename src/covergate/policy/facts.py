"""What a condition may look at: document paths and named facts derived in Python.

Paths are dotted names into the request document (``purpose.ground``,
``legal_process.expires``); a missing parent reads as null. Named facts are small
computations a declarative condition cannot express (``total_days``,
``offence_match``). Both are resolved when a policy is loaded, so a typo is an
error at load time, never a silent ``false`` at evaluation time.

Privacy: the free-text fields listed in :data:`REDACTED_PATHS` are replaced by
``"[redacted]"`` in stored requests (``covergate.policy.redaction``). Conditions
may only test whether they are present, never what they say.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from covergate.document import ProcessStandard, ProcessType, RequestDocument
from covergate.policy.offences import OffenceMatch, OffenceTable

__all__ = [
    "FACTS",
    "PATHS",
    "REDACTED_PATHS",
    "Fact",
    "Facts",
    "PathInfo",
    "ProcessLevel",
    "ValueKind",
]


class ValueKind(StrEnum):
    BOOL = "bool"
    INT = "int"
    TEXT = "text"
    DATE = "date"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    OBJECT = "object"
    OBJECT_LIST = "object_list"


class ProcessLevel(IntEnum):
    """How strong the legal process is, weakest first (model: 18 U.S.C. 2703)."""

    NONE = 0  # no process, a written request, a head-of-agency request
    SUBPOENA = 1  # a subpoena, or an order on mere relevance
    ORDER_ON_FACTS = 2  # a court order on specific and articulable facts (or more)
    WARRANT = 3  # a search warrant on probable cause


@dataclass(frozen=True, slots=True)
class PathInfo:
    path: str
    kind: ValueKind
    enum: type[Enum] | None
    nullable: bool


# Free text that is "[redacted]" in stored requests: presence tests only.
REDACTED_PATHS = frozenset(
    {
        "subject",
        "purpose.reasonable_grounds",
        "emergency.description",
        "scope.longer_period_justification",
        "scope.extension_benefit",
    }
)


def is_redacted(path: str) -> bool:
    return any(path == p or path.startswith(p + ".") for p in REDACTED_PATHS)


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """Strip Annotated and ``| None``; return (type, nullable)."""
    nullable = False
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            nullable = nullable or len(args) < len(get_args(tp))
            if len(args) != 1:
                raise TypeError(f"unsupported union {tp!r}")
            tp = args[0]
        else:
            return tp, nullable


def _info(path: str, annotation: Any, parent_nullable: bool) -> list[PathInfo]:
    tp, nullable = _unwrap(annotation)
    nullable = nullable or parent_nullable
    if get_origin(tp) is list:
        item, _ = _unwrap(get_args(tp)[0])
        if isinstance(item, type) and issubclass(item, Enum):
            return [PathInfo(path, ValueKind.ENUM_LIST, item, nullable)]
        return [PathInfo(path, ValueKind.OBJECT_LIST, None, nullable)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        out = [PathInfo(path, ValueKind.OBJECT, None, nullable)]
        for name, field in tp.model_fields.items():
            out += _info(f"{path}.{name}", field.annotation, nullable)
        return out
    if isinstance(tp, type) and issubclass(tp, Enum):
        return [PathInfo(path, ValueKind.ENUM, tp, nullable)]
    kinds = {bool: ValueKind.BOOL, int: ValueKind.INT, str: ValueKind.TEXT, date: ValueKind.DATE}
    if tp in kinds:
        return [PathInfo(path, kinds[tp], None, nullable)]
    raise TypeError(f"unsupported field type at {path}: {tp!r}")


def _paths() -> dict[str, PathInfo]:
    out: dict[str, PathInfo] = {}
    for name, field in RequestDocument.model_fields.items():
        for info in _info(name, field.annotation, False):
            out[info.path] = info
    return out


PATHS: dict[str, PathInfo] = _paths()


class Facts:
    """One document under evaluation, with named facts computed at most once."""

    __slots__ = ("cache", "doc", "offences")

    def __init__(self, doc: RequestDocument, offences: OffenceTable) -> None:
        self.doc = doc
        self.offences = offences
        self.cache: dict[str, object] = {}


def path_getter(path: str) -> Callable[[Facts], object]:
    """A function reading ``path`` from the document; null when a parent is null."""
    parts = tuple(path.split("."))
    if len(parts) == 1:
        (a,) = parts

        def get1(f: Facts) -> object:
            return getattr(f.doc, a)

        return get1
    if len(parts) == 2:
        a, b = parts

        def get2(f: Facts) -> object:
            x = getattr(f.doc, a)
            return None if x is None else getattr(x, b)

        return get2

    def get_n(f: Facts) -> object:
        x: object = f.doc
        for part in parts:
            x = getattr(x, part)
            if x is None:
                return None
        return x

    return get_n


def operand_getter(name: str) -> Callable[[Facts], object] | None:
    """The getter for a path or a named fact; None if ``name`` is neither."""
    if name in PATHS:
        return path_getter(name)
    fact = FACTS.get(name)
    return None if fact is None else fact_getter(fact)


def operand_info(name: str) -> tuple[ValueKind, type[Enum] | None] | None:
    if name in PATHS:
        info = PATHS[name]
        return info.kind, info.enum
    fact = FACTS.get(name)
    return None if fact is None else (fact.kind, fact.enum)


# -- named facts ---------------------------------------------------------------------


def _offence_match(f: Facts) -> OffenceMatch:
    statute = f.doc.purpose.statute
    if statute is None:
        return OffenceMatch.NO_STATUTE
    offence = f.offences.find(statute)
    if offence is None:
        return OffenceMatch.UNKNOWN_STATUTE
    return offence.match(f.doc.purpose.max_imprisonment_months)


def _offence_table_months(f: Facts) -> int | None:
    statute = f.doc.purpose.statute
    offence = None if statute is None else f.offences.find(statute)
    return None if offence is None else offence.max_months


def _offence_table_highest_months(f: Facts) -> int | None:
    statute = f.doc.purpose.statute
    offence = None if statute is None else f.offences.find(statute)
    if offence is None or offence.open_ended:
        return None
    return offence.highest_months


def _max_months_effective(f: Facts) -> int | None:
    claimed = f.doc.purpose.max_imprisonment_months
    statute = f.doc.purpose.statute
    offence = None if statute is None else f.offences.find(statute)
    if offence is None:
        return claimed
    return offence.effective_months(claimed)


def _total_days(f: Facts) -> int:
    return f.doc.scope.prior_days + f.doc.scope.days


def _days_after_confirmation(f: Facts) -> int | None:
    received = f.doc.received
    if received.written_confirmation_date is None:
        return None
    return (received.written_confirmation_date - received.date).days


def _process_level(f: Facts) -> ProcessLevel:
    lp = f.doc.legal_process
    if lp is None:
        return ProcessLevel.NONE
    if lp.type in (ProcessType.WRITTEN_REQUEST, ProcessType.HEAD_OF_AGENCY_REQUEST):
        return ProcessLevel.NONE
    if lp.type is ProcessType.SUBPOENA:
        return ProcessLevel.SUBPOENA
    # a court order or a search warrant: as strong as the standard it was issued on
    if lp.standard is ProcessStandard.PROBABLE_CAUSE:
        return (
            ProcessLevel.WARRANT if lp.type is ProcessType.SEARCH_WARRANT
            else ProcessLevel.ORDER_ON_FACTS
        )  # fmt: skip
    if lp.standard is ProcessStandard.SPECIFIC_AND_ARTICULABLE_FACTS:
        return ProcessLevel.ORDER_ON_FACTS
    return ProcessLevel.SUBPOENA


def _process_issued_days_after_received(f: Facts) -> int | None:
    lp = f.doc.legal_process
    return None if lp is None else (lp.issued - f.doc.received.date).days


def _process_days_in_force(f: Facts) -> int | None:
    """Days from the cover's start to the process's expiry, both counted; null if open."""
    lp = f.doc.legal_process
    if lp is None or lp.expires is None:
        return None
    return max(0, (lp.expires - f.doc.scope.start).days + 1)


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    kind: ValueKind
    enum: type[Enum] | None
    compute: Callable[[Facts], object]
    doc: str


FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact("offence_match", ValueKind.ENUM, OffenceMatch, _offence_match,
             "how purpose.statute and purpose.max_imprisonment_months compare with the "
             "offence table"),
        Fact("offence_table_months", ValueKind.INT, None, _offence_table_months,
             "the table's basic maximum (months) for purpose.statute; null if not listed"),
        Fact("offence_table_highest_months", ValueKind.INT, None, _offence_table_highest_months,
             "the table's highest maximum for the statute; null if not listed or open-ended"),
        Fact("max_months_effective", ValueKind.INT, None, _max_months_effective,
             "the stated maximum, unless the table rules it out (then the table's); "
             "the table's basic maximum when none is stated"),
        Fact("total_days", ValueKind.INT, None, _total_days,
             "scope.prior_days + scope.days: continuous days at the end of this period"),
        Fact("days_after_confirmation", ValueKind.INT, None, _days_after_confirmation,
             "calendar days from received.date to received.written_confirmation_date"),
        Fact("process_level", ValueKind.ENUM, ProcessLevel, _process_level,
             "strength of legal_process: none, subpoena, order_on_facts, warrant"),
        Fact("process_issued_days_after_received", ValueKind.INT, None,
             _process_issued_days_after_received,
             "calendar days from received.date to legal_process.issued"),
        Fact("process_days_in_force", ValueKind.INT, None, _process_days_in_force,
             "days from scope.start to legal_process.expires, both counted; null if no expiry"),
    )
}  # fmt: skip


def fact_getter(fact: Fact) -> Callable[[Facts], object]:
    name, compute = fact.name, fact.compute
    missing = object()

    def get(f: Facts) -> object:
        value = f.cache.get(name, missing)
        if value is missing:
            value = f.cache[name] = compute(f)
        return value

    return get
