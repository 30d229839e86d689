"""A policy that changes a limit changes what the lifecycle accepts (SQLite and PostgreSQL).

The limits (days of one extension, continuous days, who decides national security)
come from the policy in force, ``ctx.policy``; a third policy file
(tests/policy/policies/strict-test.yaml: extensions of 20 days, 90 continuous days)
changes them. National security without a foreign power fails 39 CFR 233.3(c)(9).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from covergate.document import request_document_from_data
from covergate.errors import Forbidden, RuleViolation
from covergate.lifecycle.states import RequestState
from covergate.policy import Policy, load_policy, load_policy_file
from covergate.requests import decisions
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from tests.conftest import Database
from tests.factories import extension_data, mail_cover_data, records_data
from tests.world import World, build_world

START = date(2026, 1, 5)
STRICT = Path(__file__).parents[1] / "policy" / "policies" / "strict-test.yaml"
ARREST_WARRANT = {"type": "criminal_arrest", "issued_by": "D. Ill.", "date": "2025-12-01"}
FUGITIVE: dict[str, Any] = {
    "purpose__ground": "fugitive",
    "purpose__fugitive_warrant": ARREST_WARRANT,
}
NS: dict[str, Any] = {
    "purpose__ground": "national_security",
    "purpose__statute": None,
    "purpose__max_imprisonment_months": None,
    "purpose__national_security": {
        "threat": "international_terrorism",
        "foreign_power": "Foreign Power A",
        "approved_by_agency_head": True,
    },
}


@pytest.fixture
def world(database: Database) -> World:
    world = build_world(database.sessions)
    world.clock.set_date(START)
    return world


def policy(name: str) -> Policy:
    return load_policy_file(STRICT) if name == "strict-test" else load_policy(name)


def under(world: World, name: str) -> World:
    """The world with ``name`` as the policy in force."""
    world.ctx = world.ctx.with_policy(policy(name))
    return world


def extend(world: World, rid: str, days: int, **changes: Any) -> str:
    return world.extend(rid, extension_data(scope__days=days, **changes)).request.public_id


def decide(world: World, rid: str, who: str, **kw: Any) -> None:
    justifications = world.justifications(rid)
    with world.tx() as s:
        decisions.decide(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            decision=DecisionInput(justifications=justifications, **kw),
        )


# --- one extension: 30 days under usps-2017 (g)(5), 20 under the third policy ---


def test_usps_2017_extension_limit_exempts_fugitives(world: World) -> None:
    under(world, "usps-2017")
    crime = world.active_cover()
    with pytest.raises(RuleViolation, match=r"at most 30 days, 39 CFR 233\.3\(g\)\(5\)"):
        extend(world, crime, 31)
    assert extend(world, crime, 25)
    fugitive = world.active_cover(mail_cover_data(**FUGITIVE))
    ext = extend(world, fugitive, 45, **FUGITIVE)  # (g)(5): no 30-day limit for fugitives
    world.review(ext)
    world.approve(ext)
    with world.tx() as s:
        assert world.request(s, ext).authorised_days == 45


def test_a_third_policy_shortens_extensions(world: World) -> None:
    under(world, "strict-test")
    crime = world.active_cover()
    with pytest.raises(
        RuleViolation, match=r"at most 20 days, strict-test, extensions \(39 CFR 233\.3\(g\)\(5\)\)"
    ):
        extend(world, crime, 25)
    ext = extend(world, crime, 20)
    with world.tx() as s:
        assert world.request(s, ext).admissible
    fugitive = world.active_cover(mail_cover_data(**FUGITIVE))
    assert extend(world, fugitive, 45, **FUGITIVE)  # the exemption is the policy's too


# --- continuous days: 120 under usps-2017 (g)(6), 90 under the third policy ---


@pytest.mark.parametrize(("name", "cap"), [("usps-2017", 120), ("strict-test", 90)])
def test_continuous_cap_binds_the_approver(world: World, name: str, cap: int) -> None:
    under(world, name)
    long = mail_cover_data(**FUGITIVE, scope__days=cap + 10)
    rid = world.submit(long)
    world.review(rid)
    with world.tx() as s:
        assert not world.request(s, rid).admissible  # continuous-120-days fails
    approved = world.submit(
        mail_cover_data(
            **FUGITIVE, scope__days=cap + 10, scope__chief_inspector_personal_approval=True
        )
    )
    world.review(approved)
    with pytest.raises(Forbidden, match=f"more than {cap} continuous days needs"):
        decide(world, approved, "osg", outcome=DecisionOutcome.APPROVE)
    decide(world, approved, "chief", outcome=DecisionOutcome.APPROVE)
    within = world.submit(mail_cover_data(**FUGITIVE, scope__days=100))
    world.review(within)
    if cap >= 100:
        decide(world, within, "osg", outcome=DecisionOutcome.APPROVE)
    else:
        with pytest.raises(RuleViolation, match="continuous-120-days"):
            decide(world, within, "chief", outcome=DecisionOutcome.APPROVE)


def test_delegation_limits_come_from_the_policy() -> None:
    from covergate.users.models import User
    from covergate.users.schemas import Delegation, Role

    doc = request_document_from_data(mail_cover_data())
    ns_doc = request_document_from_data(mail_cover_data(**NS))
    hq = User(email="h@x.example", name="H", role=Role.APPROVER,
              delegation=Delegation.HEADQUARTERS_DESIGNEE)  # fmt: skip
    osg = User(email="o@x.example", name="O", role=Role.APPROVER,
               delegation=Delegation.OPERATIONS_SUPPORT_GROUP_MANAGER)  # fmt: skip
    usps, strict = policy("usps-2017"), policy("strict-test")
    decisions.check_delegation(osg, doc, total_days=100, policy=usps)
    decisions.check_delegation(hq, doc, total_days=90, policy=strict)
    with pytest.raises(
        Forbidden,
        match=r"more than 90 continuous days needs the Chief Postal Inspector personally, "
        r"strict-test, continuous days \(39 CFR 233\.3\(g\)\(6\)\); you are",
    ):
        decisions.check_delegation(osg, doc, total_days=100, policy=strict)
    decisions.check_delegation(hq, doc, total_days=121, policy=usps)
    with pytest.raises(Forbidden, match="more than 90 continuous days"):
        decisions.check_delegation(hq, doc, total_days=100 - 9, policy=strict)
    decisions.check_delegation(hq, ns_doc, total_days=30, policy=usps)
    with pytest.raises(
        Forbidden,
        match=r"decided only by the Chief Postal Inspector, strict-test, national security "
        r"\(39 CFR 233\.3\(d\)\(1\)\); you are headquarters_designee",
    ):
        decisions.check_delegation(hq, ns_doc, total_days=30, policy=strict)
    with pytest.raises(Forbidden, match=r"the Chief Postal Inspector or a headquarters designee"):
        decisions.check_delegation(osg, ns_doc, total_days=30, policy=usps)


# --- 39 CFR 233.3(c)(9): national security means a foreign power or its agents ---

NOT_NATIONAL_SECURITY = [
    pytest.param({"threat": "other", "foreign_power": "Foreign Power A"}, id="threat-other"),
    pytest.param({"threat": "international_terrorism", "foreign_power": None}, id="no-power"),
    pytest.param({"threat": "attack", "foreign_power": None}, id="attack-no-power"),
]


@pytest.mark.parametrize("name", ["usps-2017", "safeguards-2026"])
@pytest.mark.parametrize("kind", ["mail_cover", "records"])
@pytest.mark.parametrize("threat", NOT_NATIONAL_SECURITY)
def test_national_security_without_a_foreign_power_cannot_be_approved(
    world: World, name: str, kind: str, threat: dict[str, Any]
) -> None:
    under(world, name)
    factory = mail_cover_data if kind == "mail_cover" else records_data
    ns = {**NS, "purpose__national_security": {**NS["purpose__national_security"], **threat}}
    rid = world.submit(factory(**ns))
    with world.tx() as s:
        request = world.request(s, rid)
        assert not request.admissible
        failed = decisions.stored_evaluation(request).failed
    assert [(f.rule, f.citation) for f in failed] == [
        ("national-security-definition", "39 CFR 233.3(c)(9)")
    ]
    assert "foreign power" in failed[0].message
    world.review(rid)
    with pytest.raises(
        RuleViolation, match=r"national-security-definition \(39 CFR 233\.3\(c\)\(9\)\)"
    ):
        decide(world, rid, "chief", outcome=DecisionOutcome.APPROVE)
    with world.tx() as s:
        assert world.request(s, rid).state is RequestState.IN_REVIEW


@pytest.mark.parametrize("name", ["usps-2017", "safeguards-2026"])
def test_national_security_with_a_foreign_power_is_approved(world: World, name: str) -> None:
    under(world, name)
    rid = world.submit(mail_cover_data(**NS))
    world.review(rid)
    decide(world, rid, "chief", outcome=DecisionOutcome.APPROVE)
    with world.tx() as s:
        assert world.request(s, rid).state in {RequestState.APPROVED, RequestState.ACTIVE}
