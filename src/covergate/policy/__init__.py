"""covergate's policy engine: the law as data, checked with citations.

A pure library: no database, no web. Policies are YAML files (``policies/``)
written in a small declarative condition language (docs/POLICY.md); they are
compiled once when loaded and evaluated many thousands of times a second.

Example::

    from covergate.policy import DEFAULT_POLICY, evaluate, load_policy

    result = evaluate(document, load_policy(DEFAULT_POLICY))
    result.admissible, result.to_json()
"""

from __future__ import annotations

from covergate.policy.authority import Authority, DayLimit, Delegations, Duty, Retention
from covergate.policy.engine import Policy, Rule, evaluate
from covergate.policy.evaluation import Evaluation, Finding, Obligation, Outcome
from covergate.policy.loader import (
    DEFAULT_POLICY,
    available_policies,
    load_policy,
    load_policy_file,
)
from covergate.policy.redaction import REDACTED, redact
from covergate.policy.simulate import (
    DecisionOutcome,
    SimulationReport,
    StoredRequest,
    simulate,
)

__all__ = [
    "DEFAULT_POLICY",
    "REDACTED",
    "Authority",
    "DayLimit",
    "DecisionOutcome",
    "Delegations",
    "Duty",
    "Evaluation",
    "Finding",
    "Obligation",
    "Outcome",
    "Policy",
    "Retention",
    "Rule",
    "SimulationReport",
    "StoredRequest",
    "available_policies",
    "evaluate",
    "load_policy",
    "load_policy_file",
    "redact",
    "simulate",
]
