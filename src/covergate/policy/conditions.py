"""The condition language: a small declarative form compiled to Python closures.

A condition is a mapping with exactly one operator::

    all: [COND, ...]          every one holds (an empty list holds)
    any: [COND, ...]          at least one holds
    not: COND
    use: NAME                 a named condition of the policy (``conditions:``)
    eq: [OPERAND, VALUE]      equal            ne: [OPERAND, VALUE]
    in: [OPERAND, [VALUE, ...]]                one of the values
    contains: [OPERAND, VALUE]                 a list operand holds the value
    intersects: [OPERAND, [VALUE, ...]]        a list operand holds one of the values
    gt|gte|lt|lte: [OPERAND, VALUE or {ref: OPERAND}]   numbers, dates, levels
    present: OPERAND          not null (and, for a list, not empty)
    is_null: OPERAND          the opposite

An OPERAND is a dotted document path (``purpose.ground``), a named fact
(``total_days``, see ``covergate.policy.facts``) or a day count of the policy's
``authority`` section (``authority.extension.max_days``). Values are checked against the
operand's type when the policy loads: an enum value must be a member, a number a
number. A comparison with a null operand is false. Redacted free text may only be
tested with ``present`` / ``is_null``.

Nothing here calls ``eval``: the closures are built from a fixed set of operators.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum, IntEnum
from typing import Any

from covergate.errors import InvalidInput
from covergate.policy.facts import (
    PATHS,
    Facts,
    ValueKind,
    is_redacted,
    operand_getter,
    operand_info,
)

__all__ = ["OPERATORS", "Condition", "ConditionCompiler"]

Condition = Callable[[Facts], bool]

OPERATORS = frozenset(
    {
        "all", "any", "not", "use", "eq", "ne", "in", "contains", "intersects",
        "gt", "gte", "lt", "lte", "present", "is_null",
    }
)  # fmt: skip

_ORDERED = {ValueKind.INT, ValueKind.DATE}


def _always(f: Facts) -> bool:
    return True


def _never(f: Facts) -> bool:
    return False


class ConditionCompiler:
    """Compiles conditions of one policy; errors name the policy, rule and field."""

    def __init__(
        self, source: str, named: Mapping[str, object], constants: Mapping[str, int] | None = None
    ) -> None:
        self.source = source
        self.named_raw = named
        self.constants: Mapping[str, int] = constants or {}
        self.named: dict[str, Condition] = {}
        self._compiling: list[str] = []

    def error(self, where: str, message: str) -> InvalidInput:
        return InvalidInput(f"policy {self.source}: {where}: {message}", field=where)

    def compile_named(self, name: str, where: str) -> Condition:
        if name in self.named:
            return self.named[name]
        if name not in self.named_raw:
            known = ", ".join(sorted(self.named_raw)) or "none"
            raise self.error(where, f"unknown condition name {name!r} (known: {known})")
        if name in self._compiling:
            raise self.error(where, f"condition {name!r} uses itself")
        self._compiling.append(name)
        try:
            compiled = self.compile(self.named_raw[name], f"conditions.{name}")
        finally:
            self._compiling.pop()
        self.named[name] = compiled
        return compiled

    def compile(self, raw: object, where: str) -> Condition:
        if not isinstance(raw, dict) or len(raw) != 1:
            raise self.error(where, "a condition is a mapping with exactly one operator")
        ((op, arg),) = raw.items()
        if op not in OPERATORS:
            raise self.error(
                where, f"unknown operator {op!r} (known: {', '.join(sorted(OPERATORS))})"
            )
        here = f"{where}.{op}"
        if op in ("all", "any"):
            if not isinstance(arg, list):
                raise self.error(here, "needs a list of conditions")
            parts = tuple(self.compile(c, f"{here}[{i}]") for i, c in enumerate(arg))
            return _all(parts) if op == "all" else _any(parts)
        if op == "not":
            inner = self.compile(arg, here)
            return lambda f: not inner(f)
        if op == "use":
            if not isinstance(arg, str):
                raise self.error(here, "needs a condition name")
            name = arg
            self.compile_named(name, here)
            named = self.named
            # late lookup keeps the closure valid while named conditions compile
            return lambda f: named[name](f)
        if op in ("present", "is_null"):
            get, _, _ = self._operand(arg, here, presence=True)
            if op == "present":
                return lambda f: _present(get(f))
            return lambda f: not _present(get(f))
        if not isinstance(arg, list) or len(arg) != 2:
            raise self.error(here, "needs [operand, value]")
        name, value = arg
        get, kind, enum = self._operand(name, here, presence=False)
        if op in ("eq", "ne", "in") and kind is ValueKind.ENUM_LIST:
            raise self.error(f"{here}[0]", f"{name!r} is a list: use contains or intersects")
        if op in ("eq", "ne"):
            lit = self._literal(value, kind, enum, f"{here}[1]")
            if op == "eq":
                return lambda f: get(f) == lit
            return lambda f: get(f) != lit
        if op == "in":
            if not isinstance(value, list):
                raise self.error(f"{here}[1]", "needs a list of values")
            lits = frozenset(
                self._literal(v, kind, enum, f"{here}[1][{i}]") for i, v in enumerate(value)
            )
            return lambda f: get(f) in lits
        if op in ("contains", "intersects"):
            if kind is not ValueKind.ENUM_LIST:
                raise self.error(f"{here}[0]", f"{op} needs a list operand, {name!r} is not one")
            if op == "contains":
                lit = self._literal(value, ValueKind.ENUM, enum, f"{here}[1]")
                return lambda f: lit in _as_list(get(f))
            if not isinstance(value, list):
                raise self.error(f"{here}[1]", "needs a list of values")
            lits = frozenset(
                self._literal(v, ValueKind.ENUM, enum, f"{here}[1][{i}]")
                for i, v in enumerate(value)
            )
            return lambda f: not lits.isdisjoint(_as_list(get(f)))
        # gt, gte, lt, lte
        ordered = kind in _ORDERED or (enum is not None and issubclass(enum, IntEnum))
        if not ordered:
            raise self.error(f"{here}[0]", f"{name!r} is not a number, date or level")
        if isinstance(value, dict) and set(value) == {"ref"}:
            other, other_kind, other_enum = self._operand(
                value["ref"], f"{here}[1].ref", presence=False
            )
            if (other_kind, other_enum) != (kind, enum):
                raise self.error(
                    f"{here}[1].ref", f"{value['ref']!r} is not comparable with {name!r}"
                )
            return _compare_ref(op, get, other)
        lit = self._literal(value, kind, enum, f"{here}[1]")
        return _compare(op, get, lit)

    def _operand(
        self, name: object, where: str, *, presence: bool
    ) -> tuple[Callable[[Facts], object], ValueKind, type[Enum] | None]:
        if not isinstance(name, str):
            raise self.error(where, "the operand must be a path or fact name")
        if name in self.constants:
            constant = self.constants[name]
            return (lambda f: constant), ValueKind.INT, None
        info = operand_info(name)
        get = operand_getter(name)
        if info is None or get is None:
            raise self.error(where, f"unknown path or fact {name!r}")
        kind, enum = info
        if not presence and name in PATHS and is_redacted(name):
            raise self.error(
                where, f"{name!r} is redacted in stored requests: only present/is_null may test it"
            )
        if not presence and kind in (ValueKind.OBJECT, ValueKind.OBJECT_LIST):
            raise self.error(where, f"{name!r} is an object: only present/is_null may test it")
        return get, kind, enum

    def number_operand(
        self, value: object, where: str, kinds: set[ValueKind]
    ) -> Callable[[Facts], object]:
        """A literal integer, or a path, fact or constant of one of ``kinds``."""
        if isinstance(value, int) and not isinstance(value, bool) and ValueKind.INT in kinds:
            return lambda f: value
        if isinstance(value, str):
            if value in self.constants and ValueKind.INT in kinds:
                constant = self.constants[value]
                return lambda f: constant
            info = operand_info(value)
            get = operand_getter(value)
            if info is not None and get is not None and info[0] in kinds:
                return get
            if info is not None:
                raise self.error(where, f"{value!r} has the wrong type here")
        raise self.error(where, f"unknown path or fact {value!r}")

    def _literal(
        self, value: object, kind: ValueKind, enum: type[Enum] | None, where: str
    ) -> object:
        if kind in (ValueKind.ENUM, ValueKind.ENUM_LIST) and enum is not None:
            return self._enum_literal(value, enum, where)
        if kind is ValueKind.BOOL:
            if isinstance(value, bool):
                return value
            raise self.error(where, "must be true or false")
        if kind is ValueKind.INT:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            raise self.error(where, "must be an integer")
        if kind is ValueKind.DATE:
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
            raise self.error(where, "must be a date written YYYY-MM-DD")
        if kind is ValueKind.TEXT and isinstance(value, str):
            return value
        raise self.error(where, "must be a string")

    def _enum_literal(self, value: object, enum: type[Enum], where: str) -> Enum:
        if isinstance(value, str):
            if issubclass(enum, IntEnum):
                member = enum.__members__.get(value.upper())
                if member is not None:
                    return member
            else:
                try:
                    return enum(value)
                except ValueError:
                    pass
        if issubclass(enum, IntEnum):
            allowed = [m.name.lower() for m in enum]
        else:
            allowed = [str(m.value) for m in enum]
        raise self.error(where, f"{value!r} is not one of {', '.join(allowed)}")


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return len(value) > 0
    return True


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _all(parts: tuple[Condition, ...]) -> Condition:
    if not parts:
        return _always
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)

    def all_n(f: Facts) -> bool:
        for p in parts:  # noqa: SIM110 - a plain loop is faster in this hot path
            if not p(f):
                return False
        return True

    return all_n


def _any(parts: tuple[Condition, ...]) -> Condition:
    if not parts:
        return _never
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) or b(f)

    def any_n(f: Facts) -> bool:
        for p in parts:  # noqa: SIM110 - a plain loop is faster in this hot path
            if p(f):
                return True
        return False

    return any_n


def _compare(op: str, get: Callable[[Facts], Any], lit: Any) -> Condition:
    if op == "gt":
        return lambda f: (v := get(f)) is not None and v > lit
    if op == "gte":
        return lambda f: (v := get(f)) is not None and v >= lit
    if op == "lt":
        return lambda f: (v := get(f)) is not None and v < lit
    return lambda f: (v := get(f)) is not None and v <= lit


def _compare_ref(op: str, get: Callable[[Facts], Any], other: Callable[[Facts], Any]) -> Condition:
    def both(f: Facts) -> tuple[Any, Any] | None:
        a, b = get(f), other(f)
        return None if a is None or b is None else (a, b)

    if op == "gt":
        return lambda f: (p := both(f)) is not None and p[0] > p[1]
    if op == "gte":
        return lambda f: (p := both(f)) is not None and p[0] >= p[1]
    if op == "lt":
        return lambda f: (p := both(f)) is not None and p[0] < p[1]
    return lambda f: (p := both(f)) is not None and p[0] <= p[1]
