"""A compiled policy and the evaluation of one request document under it.

Compilation happens once, when the policy loads: every condition becomes a
closure, every finding a pre-built immutable value, and rules are grouped by the
request kind they can apply to. Evaluation then only runs closures over the
document, reads no clock and no files, and returns the same result for the same
document and policy version, every time.

Example::

    policy = load_policy("usps-2017")
    result = evaluate(document, policy)
    result.admissible, [f.rule for f in result.failed]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from covergate.document import RequestDocument, RequestKind
from covergate.errors import InvalidInput
from covergate.policy.authority import (
    Authority,
    DayLimit,
    authority_constants,
    compile_authority,
)
from covergate.policy.conditions import Condition, ConditionCompiler
from covergate.policy.evaluation import Evaluation, Finding, Obligation, Outcome
from covergate.policy.facts import Facts, ValueKind
from covergate.policy.limits import MaxDays, compile_max_days
from covergate.policy.offences import OffenceTable

__all__ = ["Policy", "Rule", "compile_policy", "evaluate"]

POLICY_KEYS = frozenset(
    {"name", "description", "extends", "conditions", "rules", "max_days", "authority"}
)
RULE_KEYS = frozenset(
    {"id", "title", "citation", "applies", "fail_when", "review_when", "messages", "obligations"}
)
OBLIGATION_KEYS = frozenset({"when", "what", "due", "citation"})
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule as written: its citation, its messages and its conditions (raw)."""

    id: str
    title: str
    citation: str
    messages: Mapping[str, str]
    defined_in: str
    raw: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _CompiledObligation:
    when: Condition | None
    what: str
    citation: str
    base: Callable[[Facts], object]
    plus: tuple[Callable[[Facts], object], ...]
    plus_days: int
    base_field: str  # the path or fact the due date counts from, named in errors

    def due(self, f: Facts) -> date | None:
        """The due date; InvalidInput naming the field if it would not be a date.

        The document's dates are bounded (``document.MAX_DATE``), so this only fires
        for documents built without validation or for a policy adding centuries.
        An obligation is never dropped silently: refusing is safer than a request
        whose notice or confirmation deadline nobody would see.
        """
        base = self.base(f)
        if not isinstance(base, date):
            return None
        days = self.plus_days
        for get in self.plus:
            value = get(f)
            if not isinstance(value, int):
                return None
            days += value
        try:
            return base + timedelta(days=days)
        except OverflowError:  # beyond year 9999, or more days than timedelta holds
            raise InvalidInput(
                f"{self.base_field}: {base} plus {days} days, when {self.what!r} is due, "
                "is not a date",
                field=self.base_field,
            ) from None


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    applies: Condition | None
    fail: Condition | None
    review: Condition | None
    passed: Finding
    failed: Finding | None
    reviewed: Finding | None
    obligations: tuple[_CompiledObligation, ...]


@dataclass(frozen=True)
class Policy:
    """A loaded, compiled policy. ``version`` is ``sha256:`` + hex of its canonical form."""

    name: str
    version: str
    description: str
    extends: str | None
    rules: tuple[Rule, ...]
    canonical: Mapping[str, Any] = field(repr=False)
    source: str = field(repr=False)
    offences: OffenceTable = field(repr=False)
    authority: Authority = field(repr=False)
    _by_kind: Mapping[RequestKind, tuple[_CompiledRule, ...]] = field(repr=False)
    _max_days: MaxDays = field(repr=False)

    def extension_limit(self, document: RequestDocument) -> DayLimit | None:
        """The most days of one extension of this cover; None when it is exempt."""
        limit = self.authority.extension
        if limit.exempt is not None and limit.exempt(Facts(document, self.offences)):
            return None
        return limit

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        known = ", ".join(r.id for r in self.rules)
        raise InvalidInput(
            f"policy {self.name} has no rule {rule_id!r}; its rules are: {known}", field="RULE"
        )

    def evaluate(self, document: RequestDocument) -> Evaluation:
        f = Facts(document, self.offences)
        findings: list[Finding] = []
        obligations: list[Obligation] = []
        admissible = True
        for r in self._by_kind[document.kind]:
            if r.applies is not None and not r.applies(f):
                continue
            if r.fail is not None and r.fail(f):
                findings.append(r.failed)  # type: ignore[arg-type]  # set with fail
                admissible = False
                continue
            if r.review is not None and r.review(f):
                findings.append(r.reviewed)  # type: ignore[arg-type]  # set with review
            else:
                findings.append(r.passed)
            for ob in r.obligations:
                if ob.when is None or ob.when(f):
                    due = ob.due(f)
                    if due is not None:
                        obligations.append(Obligation(ob.what, due, ob.citation))
        return Evaluation(
            policy=self.name,
            policy_version=self.version,
            admissible=admissible,
            findings=tuple(findings),
            obligations=tuple(obligations),
            max_days=self._max_days.compute(f),
        )


def evaluate(document: RequestDocument, policy: Policy) -> Evaluation:
    """Evaluate one request document under ``policy`` (pure and deterministic)."""
    return policy.evaluate(document)


# -- compilation -----------------------------------------------------------------------


def compile_policy(
    resolved: Mapping[str, Any],
    *,
    rules: list[tuple[Mapping[str, Any], str]],
    conditions: Mapping[str, object],
    max_days: object,
    authority: object,
    canonical: Mapping[str, Any],
    version: str,
    source: str,
    offences: OffenceTable,
) -> Policy:
    """Compile an already merged policy (``loader`` merges ``extends``)."""
    constants = authority_constants(authority, source)
    cc = ConditionCompiler(source, conditions, constants)
    compiled_authority = compile_authority(cc, authority)
    for name in conditions:
        cc.compile_named(name, f"conditions.{name}")
    public: list[Rule] = []
    by_kind: dict[RequestKind, list[_CompiledRule]] = {k: [] for k in RequestKind}
    for index, (raw, defined_in) in enumerate(rules):
        rule, compiled = _compile_rule(cc, raw, index, defined_in)
        public.append(rule)
        for kind in _kinds(raw.get("applies"), conditions) or set(RequestKind):
            by_kind[kind].append(compiled)
    extends = resolved.get("extends")
    return Policy(
        name=str(resolved["name"]),
        version=version,
        description=str(resolved["description"]).strip(),
        extends=extends if isinstance(extends, str) else None,
        rules=tuple(public),
        canonical=canonical,
        source=source,
        offences=offences,
        authority=compiled_authority,
        _by_kind={k: tuple(v) for k, v in by_kind.items()},
        _max_days=compile_max_days(cc, max_days),
    )


def _text(cc: ConditionCompiler, raw: Mapping[str, Any], key: str, where: str) -> str:
    """The text, whitespace folded, with ``{authority.X.max_days}`` replaced by its days."""
    value = raw.get(key)
    if value is None:
        raise cc.error(f"{where}.{key}", "required field is missing")
    if not isinstance(value, str) or not value.strip():
        raise cc.error(f"{where}.{key}", "must be a non-empty string")
    text = " ".join(value.split())
    for name, days in cc.constants.items():
        text = text.replace("{" + name + "}", str(days))
    return text


def _compile_rule(
    cc: ConditionCompiler, raw: object, index: int, defined_in: str
) -> tuple[Rule, _CompiledRule]:
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise cc.error(where, "a rule is a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise cc.error(f"{where}.id", "required: lower-case letters, digits and dashes")
    where = f"rule {rule_id!r}"
    unknown = sorted(set(raw) - RULE_KEYS)
    if unknown:
        raise cc.error(
            f"{where}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(RULE_KEYS))})"
        )
    title = _text(cc, raw, "title", where)
    citation = _text(cc, raw, "citation", where)
    messages_raw = raw.get("messages")
    if not isinstance(messages_raw, dict):
        raise cc.error(f"{where}.messages", "required: a mapping with pass, fail, review")
    for key in messages_raw:
        if key not in ("pass", "fail", "review"):
            raise cc.error(f"{where}.messages.{key}", "unknown key (known: pass, fail, review)")
    need = (
        ["pass"]
        + (["fail"] if "fail_when" in raw else [])
        + (["review"] if "review_when" in raw else [])
    )
    messages = {k: _text(cc, messages_raw, k, f"{where}.messages") for k in need}
    for key in messages_raw:
        if key not in messages:
            raise cc.error(f"{where}.messages.{key}", f"given, but the rule has no {key}_when")

    def cond(key: str) -> Condition | None:
        return cc.compile(raw[key], f"{where}.{key}") if key in raw else None

    def finding(outcome: Outcome) -> Finding:
        return Finding(rule_id, outcome, citation, messages[outcome.value])

    obligations_raw = raw.get("obligations", [])
    if not isinstance(obligations_raw, list):
        raise cc.error(f"{where}.obligations", "must be a list")
    obligations = tuple(
        _compile_obligation(cc, ob, f"{where}.obligations[{i}]", citation)
        for i, ob in enumerate(obligations_raw)
    )
    compiled = _CompiledRule(
        applies=cond("applies"),
        fail=cond("fail_when"),
        review=cond("review_when"),
        passed=finding(Outcome.PASS),
        failed=finding(Outcome.FAIL) if "fail_when" in raw else None,
        reviewed=finding(Outcome.REVIEW) if "review_when" in raw else None,
        obligations=obligations,
    )
    rule = Rule(rule_id, title, citation, messages, defined_in, raw)
    return rule, compiled


def _compile_obligation(
    cc: ConditionCompiler, raw: object, where: str, citation: str
) -> _CompiledObligation:
    if not isinstance(raw, dict):
        raise cc.error(where, "an obligation is a mapping with what, due and optionally when")
    unknown = sorted(set(raw) - OBLIGATION_KEYS)
    if unknown:
        raise cc.error(f"{where}.{unknown[0]}", "unknown key (known: when, what, due, citation)")
    what = _text(cc, raw, "what", where)
    due = raw.get("due")
    if not isinstance(due, dict) or "from" not in due or set(due) - {"from", "plus"}:
        raise cc.error(f"{where}.due", "must be {from: DATE_PATH, plus: [DAYS, ...]}")
    base = cc.number_operand(due["from"], f"{where}.due.from", {ValueKind.DATE})
    plus_raw = due.get("plus", [])
    if not isinstance(plus_raw, list):
        raise cc.error(f"{where}.due.plus", "must be a list of day counts or integer paths")
    plus_days = 0
    plus: list[Callable[[Facts], object]] = []
    for i, item in enumerate(plus_raw):
        if isinstance(item, int) and not isinstance(item, bool):
            plus_days += item
        else:
            plus.append(cc.number_operand(item, f"{where}.due.plus[{i}]", {ValueKind.INT}))
    return _CompiledObligation(
        when=cc.compile(raw["when"], f"{where}.when") if "when" in raw else None,
        what=what,
        citation=_text(cc, raw, "citation", where) if "citation" in raw else citation,
        base=base,
        plus=tuple(plus),
        plus_days=plus_days,
        base_field=str(due["from"]),
    )


def _kinds(raw: object, named: Mapping[str, object], depth: int = 0) -> set[RequestKind] | None:
    """The request kinds a rule's ``applies`` can hold for; None when not evident."""
    if not isinstance(raw, dict) or len(raw) != 1 or depth > 20:
        return None
    ((op, arg),) = raw.items()
    if op == "use" and isinstance(arg, str):
        return _kinds(named.get(arg), named, depth + 1)
    if op == "eq" and isinstance(arg, list) and len(arg) == 2 and arg[0] == "kind":
        return {RequestKind(arg[1])}
    if op == "in" and isinstance(arg, list) and len(arg) == 2 and arg[0] == "kind":
        return {RequestKind(v) for v in arg[1]}
    if op == "all" and isinstance(arg, list):
        found: set[RequestKind] | None = None
        for item in arg:
            kinds = _kinds(item, named, depth + 1)
            if kinds is not None:
                found = kinds if found is None else found & kinds
        return found
    return None
