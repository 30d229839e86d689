"""``max_days``: the most days an approver may authorise for one request.

The first case whose ``when`` holds gives the days (null: no limit from the cases),
then every cap whose ``unless`` does not hold lowers it to ``at_most - minus``
(never below 0). Day counts may name a constant of the ``authority`` section
(``authority.extension.max_days``), so a limit is written once per policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from covergate.policy.conditions import Condition, ConditionCompiler
from covergate.policy.facts import Facts, ValueKind

__all__ = ["MaxDays", "compile_max_days"]


@dataclass(frozen=True, slots=True)
class _Cap:
    unless: Condition | None
    at_most: Callable[[Facts], object]
    minus: Callable[[Facts], object] | None


@dataclass(frozen=True, slots=True)
class MaxDays:
    cases: tuple[tuple[Condition | None, int | None], ...]
    caps: tuple[_Cap, ...]

    def compute(self, f: Facts) -> int | None:
        days: int | None = None
        for when, value in self.cases:
            if when is None or when(f):
                days = value
                break
        for cap in self.caps:
            if cap.unless is not None and cap.unless(f):
                continue
            limit = cap.at_most(f)
            if not isinstance(limit, int):
                continue
            if cap.minus is not None:
                minus = cap.minus(f)
                limit -= minus if isinstance(minus, int) else 0
            limit = max(0, limit)
            days = limit if days is None else min(days, limit)
        return days


def _case_days(cc: ConditionCompiler, days: object, where: str) -> int | None:
    if isinstance(days, str) and days in cc.constants:
        return cc.constants[days]
    if days is None or (isinstance(days, int) and not isinstance(days, bool) and days >= 0):
        return days
    raise cc.error(
        where, "must be a whole number of days, an authority constant or null (no limit)"
    )


def compile_max_days(cc: ConditionCompiler, raw: object) -> MaxDays:
    where = "max_days"
    if not isinstance(raw, dict) or set(raw) - {"cases", "caps"} or "cases" not in raw:
        raise cc.error(where, "required: {cases: [{when, days}, ...], caps: [...]}")
    cases_raw = raw["cases"]
    if not isinstance(cases_raw, list) or not cases_raw:
        raise cc.error(f"{where}.cases", "must be a non-empty list")
    cases: list[tuple[Condition | None, int | None]] = []
    for i, case in enumerate(cases_raw):
        here = f"{where}.cases[{i}]"
        if not isinstance(case, dict) or "days" not in case or set(case) - {"when", "days"}:
            raise cc.error(here, "must be {when: COND, days: N or null}")
        days = _case_days(cc, case["days"], f"{here}.days")
        when = cc.compile(case["when"], f"{here}.when") if "when" in case else None
        cases.append((when, days))
    if cases[-1][0] is not None:
        raise cc.error(f"{where}.cases", "the last case must have no 'when' (the default)")
    caps: list[_Cap] = []
    caps_raw = raw.get("caps", [])
    if not isinstance(caps_raw, list):
        raise cc.error(f"{where}.caps", "must be a list")
    for i, cap in enumerate(caps_raw):
        here = f"{where}.caps[{i}]"
        if (
            not isinstance(cap, dict)
            or "at_most" not in cap
            or set(cap) - {"at_most", "minus", "unless"}
        ):
            raise cc.error(here, "must be {at_most: N or path, minus: path, unless: COND}")
        caps.append(
            _Cap(
                unless=cc.compile(cap["unless"], f"{here}.unless") if "unless" in cap else None,
                at_most=cc.number_operand(cap["at_most"], f"{here}.at_most", {ValueKind.INT}),
                minus=(
                    cc.number_operand(cap["minus"], f"{here}.minus", {ValueKind.INT})
                    if "minus" in cap
                    else None
                ),
            )
        )
    return MaxDays(tuple(cases), tuple(caps))
