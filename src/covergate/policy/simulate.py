"""Re-run a policy over stored requests: what would it have admitted or refused?

This answers questions like "of the requests approved under the old rules, how
many would a judge-first policy have stopped, and by which rule?". Stored
requests carry the redacted document (``covergate.policy.redaction``), which
evaluates exactly like the original.

Example::

    report = simulate(rows, load_policy("safeguards-2026"))
    report.approved_would_refuse, report.stopped_by_rule
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from covergate.document import Ground, RequestDocument, RequestKind
from covergate.policy.engine import Policy
from covergate.policy.evaluation import Outcome

__all__ = ["DecisionOutcome", "SimulationReport", "StoredRequest", "Tally", "simulate"]

PROGRESS_EVERY = 1_000


class DecisionOutcome(StrEnum):
    """What was decided on a stored request (``None`` or PENDING: not yet decided)."""

    APPROVED = "approved"
    DENIED = "denied"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class StoredRequest:
    public_id: str
    agency: str
    kind: RequestKind
    ground: Ground
    outcome: DecisionOutcome | None
    document: RequestDocument  # redacted


@dataclass(slots=True)
class Tally:
    total: int = 0
    would_admit: int = 0
    would_refuse: int = 0
    approved: int = 0
    approved_would_refuse: int = 0
    denied: int = 0
    denied_would_admit: int = 0

    def add(self, admissible: bool, outcome: DecisionOutcome | None) -> None:
        self.total += 1
        if admissible:
            self.would_admit += 1
        else:
            self.would_refuse += 1
        if outcome is DecisionOutcome.APPROVED:
            self.approved += 1
            if not admissible:
                self.approved_would_refuse += 1
        elif outcome is DecisionOutcome.DENIED:
            self.denied += 1
            if admissible:
                self.denied_would_admit += 1

    @property
    def changed(self) -> int:
        return self.approved_would_refuse + self.denied_would_admit

    def to_json(self) -> dict[str, int]:
        return {
            "total": self.total,
            "would_admit": self.would_admit,
            "would_refuse": self.would_refuse,
            "approved": self.approved,
            "approved_would_refuse": self.approved_would_refuse,
            "denied": self.denied,
            "denied_would_admit": self.denied_would_admit,
            "changed": self.changed,
        }


CSV_HEADER = [
    "section", "key", "total", "would_admit", "would_refuse", "approved",
    "approved_would_refuse", "denied", "denied_would_admit", "changed",
]  # fmt: skip


@dataclass(frozen=True)
class SimulationReport:
    """Counts for one policy version over a set of stored requests.

    ``by_rule`` counts, for every rule, the refused requests it failed (a request
    failed by two rules counts under both); ``stopped_by_rule`` does the same for
    requests that were approved but would now be refused.
    """

    policy: str
    policy_version: str
    overall: Tally
    by_rule: Mapping[str, int] = field(default_factory=dict)
    stopped_by_rule: Mapping[str, int] = field(default_factory=dict)
    by_agency: Mapping[str, Tally] = field(default_factory=dict)
    by_ground: Mapping[Ground, Tally] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.overall.total

    @property
    def would_admit(self) -> int:
        return self.overall.would_admit

    @property
    def would_refuse(self) -> int:
        return self.overall.would_refuse

    @property
    def approved_would_refuse(self) -> int:
        return self.overall.approved_would_refuse

    @property
    def denied_would_admit(self) -> int:
        return self.overall.denied_would_admit

    @property
    def changed(self) -> int:
        return self.overall.changed

    def to_json(self) -> dict[str, object]:
        return {
            "policy": self.policy,
            "policy_version": self.policy_version,
            **self.overall.to_json(),
            "by_rule": dict(self.by_rule),
            "stopped_by_rule": dict(self.stopped_by_rule),
            "by_agency": {k: v.to_json() for k, v in self.by_agency.items()},
            "by_ground": {k.value: v.to_json() for k, v in self.by_ground.items()},
        }

    def to_csv_rows(self) -> list[list[str]]:
        """A header row, then one row per total, agency, ground and rule."""

        def row(section: str, key: str, t: Tally) -> list[str]:
            return [section, key, *(str(v) for v in t.to_json().values())]

        rows = [list(CSV_HEADER), row("all", "all", self.overall)]
        rows += [row("agency", k, v) for k, v in self.by_agency.items()]
        rows += [row("ground", k.value, v) for k, v in self.by_ground.items()]
        for rule, refusals in self.by_rule.items():
            stopped = self.stopped_by_rule.get(rule, 0)
            rows.append(["rule", rule, "", "", str(refusals), "", str(stopped), "", "", ""])
        return rows


def simulate(
    requests: Iterable[StoredRequest],
    policy: Policy,
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    """Evaluate every stored request; ``progress(n)`` gets the count done so far."""
    overall = Tally()
    by_agency: dict[str, Tally] = {}
    by_ground: dict[Ground, Tally] = {}
    by_rule: Counter[str] = Counter()
    stopped: Counter[str] = Counter()
    evaluate = policy.evaluate
    approved = DecisionOutcome.APPROVED
    fail = Outcome.FAIL
    n = 0
    for req in requests:
        result = evaluate(req.document)
        admissible = result.admissible
        outcome = req.outcome
        overall.add(admissible, outcome)
        agency = by_agency.get(req.agency)
        if agency is None:
            agency = by_agency[req.agency] = Tally()
        agency.add(admissible, outcome)
        ground = by_ground.get(req.ground)
        if ground is None:
            ground = by_ground[req.ground] = Tally()
        ground.add(admissible, outcome)
        if not admissible:
            for finding in result.findings:
                if finding.outcome is fail:
                    by_rule[finding.rule] += 1
                    if outcome is approved:
                        stopped[finding.rule] += 1
        n += 1
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
    if progress is not None:
        progress(n)
    return SimulationReport(
        policy=policy.name,
        policy_version=policy.version,
        overall=overall,
        by_rule=dict(by_rule.most_common()),
        stopped_by_rule=dict(stopped.most_common()),
        by_agency=dict(sorted(by_agency.items())),
        by_ground=dict(sorted(by_ground.items(), key=lambda kv: kv[0].value)),
    )
