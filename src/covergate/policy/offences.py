"""The bundled offence table: statutory maximum imprisonment per statute.

A request states its statute and the maximum term it believes applies; the table
lets the engine check that figure (39 CFR 233.3(c)(6): a crime is punishable by
more than one year). Statute names are compared after normalisation, so
``18 USC § 1341`` and ``18 U.S.C. 1341`` are the same statute, and a more specific
citation (``18 U.S.C. 1341(a)``) falls back to the section the table lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from covergate.errors import InvalidInput

__all__ = ["Offence", "OffenceMatch", "OffenceTable", "bundled_offences", "normalise_statute"]


class OffenceMatch(StrEnum):
    """How a request's statute and stated maximum compare with the table."""

    NO_STATUTE = "no_statute"  # the request names no statute
    UNKNOWN_STATUTE = "unknown_statute"  # the table does not list it
    NO_CLAIM = "no_claim"  # listed, but the request states no maximum
    AGREES = "agrees"  # the stated maximum is the basic maximum
    HIGHER_TIER = "higher_tier"  # a higher maximum that needs a further element
    DISAGREES = "disagrees"  # neither


@dataclass(frozen=True, slots=True)
class Offence:
    statute: str
    description: str
    max_months: int
    higher_max_months: tuple[int, ...]
    higher_when: str | None
    open_ended: bool
    source: str

    @property
    def highest_months(self) -> int:
        return max((self.max_months, *self.higher_max_months))

    def effective_months(self, claimed: int | None) -> int:
        """The maximum to test against one year: the claim, unless the table rules it out."""
        if claimed is None:
            return self.max_months
        if claimed > self.highest_months and not self.open_ended:
            return self.highest_months
        return claimed

    def match(self, claimed: int | None) -> OffenceMatch:
        if claimed is None:
            return OffenceMatch.NO_CLAIM
        if claimed == self.max_months:
            return OffenceMatch.AGREES
        if claimed in self.higher_max_months:
            return OffenceMatch.HIGHER_TIER
        return OffenceMatch.DISAGREES


_USC = re.compile(
    r"^(\d+)\s*u\.?\s*s\.?\s*c(?:ode)?\.?\s*(?:§+|sec(?:tion)?\.?)?\s*(\S.*)$", re.IGNORECASE
)
_TRAILING_PART = re.compile(r"\([^()]*\)$")


def normalise_statute(text: str) -> str:
    """``"18 U.S.C. § 1341(a)"`` -> ``"18usc1341(a)"``; other citations lose spaces and dots."""
    stripped = text.strip()
    m = _USC.match(stripped)
    if m is None:
        return re.sub(r"[\s.]", "", stripped.lower())
    return m.group(1) + "usc" + re.sub(r"[\s.§]", "", m.group(2).lower())


class OffenceTable:
    """Lookup by normalised statute; a lookup never raises."""

    def __init__(self, offences: list[Offence], raw: list[dict[str, Any]]) -> None:
        self.offences = tuple(offences)
        self.raw = raw
        self._by_key = {normalise_statute(o.statute): o for o in offences}
        self._cache: dict[str, Offence | None] = {}

    def find(self, statute: str) -> Offence | None:
        try:
            return self._cache[statute]
        except KeyError:
            pass
        found = self._find(normalise_statute(statute))
        if len(self._cache) < 10_000:
            self._cache[statute] = found
        return found

    def _find(self, key: str) -> Offence | None:
        # 1. exact; 2. drop trailing "(x)" parts: 1341(a) -> 1341;
        # 3. a less specific citation naming exactly one listed subsection.
        probe = key
        while True:
            if probe in self._by_key:
                return self._by_key[probe]
            shorter = _TRAILING_PART.sub("", probe)
            if shorter == probe:
                break
            probe = shorter
        # The wider section may carry higher maxima the table does not list.
        wider = [o for k, o in self._by_key.items() if k.startswith(key + "(")]
        return replace(wider[0], open_ended=True) if len(wider) == 1 else None

    @classmethod
    def from_data(cls, data: object, *, source: str) -> OffenceTable:
        if not isinstance(data, dict) or set(data) != {"offences"}:
            raise InvalidInput(
                f"{source}: must be a mapping with one key, offences", field="offences"
            )
        items = data["offences"]
        if not isinstance(items, list):
            raise InvalidInput(f"{source}: offences: must be a list", field="offences")
        allowed = {
            "statute", "description", "max_months", "higher_max_months",
            "higher_when", "open_ended", "source",
        }  # fmt: skip
        offences = []
        for i, item in enumerate(items):
            where = f"offences[{i}]"
            if not isinstance(item, dict):
                raise InvalidInput(f"{source}: {where}: must be a mapping", field=where)
            unknown = sorted(set(item) - allowed)
            if unknown:
                raise InvalidInput(f"{source}: {where}.{unknown[0]}: unknown key", field=where)
            for key in ("statute", "description", "max_months", "source"):
                if key not in item:
                    raise InvalidInput(
                        f"{source}: {where}.{key}: required field is missing", field=where
                    )
            months = item["max_months"]
            higher = item.get("higher_max_months", [])
            if not _is_int(months) or not isinstance(higher, list) or not all(map(_is_int, higher)):
                raise InvalidInput(f"{source}: {where}: months must be integers", field=where)
            offences.append(
                Offence(
                    statute=str(item["statute"]),
                    description=str(item["description"]),
                    max_months=months,
                    higher_max_months=tuple(higher),
                    higher_when=item.get("higher_when"),
                    open_ended=bool(item.get("open_ended", False)),
                    source=str(item["source"]),
                )
            )
        return cls(offences, items)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_bundled_yaml(text: str) -> Any:
    """A YAML file shipped with covergate, parsed with libyaml when PyYAML has it.

    It is ten times faster than the pure-Python parser, which made loading a policy
    most of ``covergate policy check``'s time; both build the same data from the
    bundled files (tests/policy/test_loader.py). Files a user gives still go
    through ``yaml.safe_load``, so their error messages stay the same.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader, C or Python)


@cache
def bundled_offences() -> OffenceTable:
    text = resources.files("covergate.policy").joinpath("offences.yaml").read_text("utf-8")
    return OffenceTable.from_data(parse_bundled_yaml(text), source="offences.yaml")
