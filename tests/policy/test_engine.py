"""The engine's properties: never crashes, deterministic, tightening only tightens,
obligations and day limits from the document's own dates, the JSON contract."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings

from covergate.document import RequestDocument, request_document_from_data
from covergate.policy import (
    DEFAULT_POLICY,
    Evaluation,
    Outcome,
    available_policies,
    evaluate,
    load_policy,
)
from tests.factories import mail_cover_data, records_data
from tests.policy.strategies import documents

USPS = load_policy("usps-2017")
SAFEGUARDS = load_policy("safeguards-2026")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def doc(data: dict[str, Any]) -> RequestDocument:
    return request_document_from_data(data)


@FAST
@given(documents)
def test_never_crashes_and_is_consistent(document: RequestDocument) -> None:
    for policy in (USPS, SAFEGUARDS):
        result = evaluate(document, policy)
        assert result.admissible == all(f.outcome is not Outcome.FAIL for f in result.findings)
        assert len({f.rule for f in result.findings}) == len(result.findings)
        assert result.max_days is None or result.max_days >= 0
        json.dumps(result.to_json())


@FAST
@given(documents)
def test_deterministic(document: RequestDocument) -> None:
    first = evaluate(document, SAFEGUARDS)
    again = evaluate(document.model_copy(deep=True), load_policy("safeguards-2026"))
    assert first == again
    assert first.to_json() == again.to_json()


@FAST
@given(documents)
def test_tightening_never_turns_a_refusal_into_an_admission(document: RequestDocument) -> None:
    if not evaluate(document, USPS).admissible:
        assert not evaluate(document, SAFEGUARDS).admissible
    # and every usps-2017 failure is still a failure under safeguards-2026
    usps_fails = {f.rule for f in evaluate(document, USPS).failed}
    assert usps_fails <= {f.rule for f in evaluate(document, SAFEGUARDS).failed}


@FAST
@given(documents)
def test_json_round_trip(document: RequestDocument) -> None:
    result = evaluate(document, SAFEGUARDS)
    text = json.dumps(result.to_json())
    assert Evaluation.from_json(json.loads(text)) == result


def test_json_contract_shape() -> None:
    emergency = {"kind": "loss_of_evidence", "description": "Parcel leaves tomorrow."}
    result = evaluate(doc(mail_cover_data(legal_process=None, emergency=emergency)), SAFEGUARDS)
    data = result.to_json()
    assert list(data) == [
        "policy", "policy_version", "admissible", "findings", "obligations", "max_days",
    ]  # fmt: skip
    assert data["policy"] == "safeguards-2026"
    assert isinstance(data["policy_version"], str)
    assert data["policy_version"].startswith("sha256:")
    assert len(data["policy_version"]) == 71
    for finding in data["findings"]:  # type: ignore[attr-defined]
        assert list(finding) == ["rule", "outcome", "citation", "message"]
        assert finding["outcome"] in {"pass", "fail", "review"}
    for obligation in data["obligations"]:  # type: ignore[attr-defined]
        assert list(obligation) == ["what", "due", "citation"]
        date.fromisoformat(obligation["due"])


def test_every_finding_cites_law() -> None:
    for name in available_policies():
        for rule in load_policy(name).rules:
            assert rule.citation.startswith(("39 CFR", "safeguards-2026")), rule
            assert rule.messages["pass"]


def test_default_policy() -> None:
    assert DEFAULT_POLICY == "safeguards-2026"
    assert DEFAULT_POLICY in available_policies()


# -- obligations: dates come from the document, never the clock ------------------------


def obligations(data: dict[str, Any], policy: Any = SAFEGUARDS) -> dict[str, date]:
    return {o.what.split(" ")[0]: o.due for o in evaluate(doc(data), policy).obligations}


def test_oral_request_confirmation_due_in_three_days() -> None:
    data = mail_cover_data(received__via="oral", emergency={"kind": "physical_harm",
                                                              "description": "x"})  # fmt: skip
    assert obligations(data, USPS) == {"Written": date(2026, 1, 5)}  # received 2026-01-02


def test_no_confirmation_obligation_once_confirmed() -> None:
    data = mail_cover_data(received__via="oral", received__written_confirmation_date="2026-01-03")
    assert obligations(data, USPS) == {}


def test_emergency_court_order_due_and_notice() -> None:
    data = mail_cover_data(legal_process=None, emergency={"kind": "physical_harm",
                                                          "description": "x"})  # fmt: skip
    assert obligations(data) == {"Court": date(2026, 1, 5), "Notify": date(2026, 5, 5)}


def test_notice_due_90_days_after_the_cover_ends() -> None:
    data = mail_cover_data(date(2026, 3, 1), scope__days=10)
    assert obligations(data) == {"Notify": date(2026, 6, 9)}
    assert obligations(records_data(date(2026, 3, 1), scope__days=1)) == {
        "Notify": date(2026, 5, 31)
    }


def test_no_obligations_from_a_failing_rule() -> None:
    data = mail_cover_data(received__via="oral", received__written_confirmation_date="2026-01-09")
    assert obligations(data, USPS) == {}


# -- max_days ----------------------------------------------------------------------


def max_days(policy: Any = USPS, **changes: Any) -> int | None:
    return evaluate(doc(mail_cover_data(**changes)), policy).max_days


def test_max_days() -> None:
    fugitive = {"purpose__ground": "fugitive", "purpose__fugitive_warrant": {
        "type": "bench", "issued_by": "A court", "date": "2025-11-01"}}  # fmt: skip
    benefit = {"scope__extension_benefit": "Two new addresses."}
    assert max_days() == 30
    assert max_days(scope__longer_period_justification="Monthly statements.") == 120
    assert max_days(**fugitive) == 120  # no 30-day limit, but the 120-day cap holds
    assert max_days(**fugitive, scope__chief_inspector_personal_approval=True) is None
    assert max_days(scope__prior_days=30, **benefit) == 30
    assert max_days(scope__prior_days=100, **benefit) == 20
    assert max_days(scope__prior_days=130, **benefit) == 0
    assert max_days(scope__prior_days=100, scope__chief_inspector_personal_approval=True) == 30
    assert evaluate(doc(records_data()), USPS).max_days is None


def test_max_days_never_beyond_the_order() -> None:
    order = mail_cover_data()["legal_process"] | {"expires": "2026-01-24"}  # start 2026-01-05
    assert max_days(SAFEGUARDS, legal_process=order) == 20
    assert max_days(USPS, legal_process=order) == 30
