"""Every rule of both policies, case by case, each derived from a cited LAW.md section.

A case is (id, LAW.md section, policy, base document, overrides, rule, expected
outcome). ``None`` as the outcome means the rule must not apply at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from covergate.document import request_document_from_data
from covergate.policy import Outcome, evaluate, load_policy
from tests.factories import mail_cover_data, records_data

U, S = "usps-2017", "safeguards-2026"
MAIL, RECORDS = "mail", "records"

ADMIN_WARRANT = {"type": "administrative_immigration", "issued_by": "ICE", "date": "2025-12-01"}
ARREST_WARRANT = {"type": "criminal_arrest", "issued_by": "D. Ill.", "date": "2025-12-01"}
OTHER_WARRANT = {"type": "other", "issued_by": "Someone", "date": "2025-12-01"}
NS_OK = {
    "threat": "international_terrorism",
    "foreign_power": "Foreign Power A",
    "approved_by_agency_head": True,
}
EMERGENCY = {"kind": "physical_harm", "description": "A threat to a witness's life."}


def ns(**changes: Any) -> dict[str, Any]:
    return {**NS_OK, **changes}


PASS, FAIL, REVIEW = Outcome.PASS, Outcome.FAIL, Outcome.REVIEW
SAF = "specific_and_articulable_facts"


def process(
    kind: str, standard: str, issued: str = "2026-01-04", expires: Any = None
) -> dict[str, Any]:
    return {"type": kind, "standard": standard, "court": None, "docket": "D-1", "judge": None,
            "issued": issued, "expires": expires}  # fmt: skip


FUGITIVE = {"purpose__ground": "fugitive", "purpose__fugitive_warrant": ARREST_WARRANT}
NATSEC = {"purpose__ground": "national_security", "purpose__national_security": NS_OK}
EXTENSION = {"scope__prior_days": 30, "scope__extension_benefit": "Found two co-conspirators."}
ORAL = {"received__via": "oral"}  # received 2026-01-02 in the factory

# (case id, LAW.md section, policy, base, overrides, rule, expected outcome)
CASES: list[tuple[str, str, str, str, dict[str, Any], str, Outcome | None]] = [
    # -- 233.3(c)(1) permitted purposes
    ("crime-ground-permitted", "233.3(c)(1)", U, MAIL, {}, "ground-permitted", PASS),
    ("civil-ground-refused", "233.3(c)(1)", U, MAIL,
     {"purpose__ground": "civil_enforcement"}, "ground-permitted", FAIL),
    # -- (c)(8) law enforcement agency
    ("civil-only-agency", "233.3(c)(8)", U, MAIL,
     {"agency__functions": ["civil_enforcement"]}, "law-enforcement-agency", FAIL),
    ("postal-inspection-agency", "233.3(c)(8)", U, MAIL,
     {"agency__functions": ["postal_inspection"]}, "law-enforcement-agency", PASS),
    ("national-security-agency", "233.3(c)(8)", U, MAIL,
     {"agency__functions": ["national_security"]}, "law-enforcement-agency", PASS),
    # -- (e)(1)-(2) postal statute only for postal inspectors
    ("postal-statute-outside-agency", "233.3(e)(1)-(2)", U, MAIL,
     {"purpose__ground": "postal_statute"}, "postal-statute-inspectors-only", FAIL),
    ("postal-statute-inspector", "233.3(e)(1)-(2)", U, MAIL,
     {"purpose__ground": "postal_statute", "agency__functions": ["postal_inspection"]},
     "postal-statute-inspectors-only", PASS),
    ("postal-statute-any-term", "233.3(c)(7)", U, MAIL,
     {"purpose__ground": "postal_statute", "agency__functions": ["postal_inspection"],
      "purpose__statute": "18 U.S.C. 1701", "purpose__max_imprisonment_months": 6},
     "crime-felony", None),
    # -- (c)(6) crime: more than one year
    ("first-improper-entry-not-crime", "233.3(c)(6)", U, MAIL,
     {"purpose__statute": "8 U.S.C. 1325(a)", "purpose__max_imprisonment_months": 6},
     "crime-felony", FAIL),
    ("reentry-is-crime", "233.3(c)(6)", U, MAIL,
     {"purpose__statute": "8 U.S.C. 1326(a)", "purpose__max_imprisonment_months": 24},
     "crime-felony", PASS),
    ("no-term-no-statute", "233.3(c)(6)", U, MAIL,
     {"purpose__statute": None, "purpose__max_imprisonment_months": None},
     "crime-felony", REVIEW),
    ("table-overrides-inflated-claim", "233.3(c)(6)", U, MAIL,
     {"purpose__statute": "18 U.S.C. 1701", "purpose__max_imprisonment_months": 24},
     "crime-felony", FAIL),
    ("twelve-months-is-not-more-than-one-year", "233.3(c)(6)", U, MAIL,
     {"purpose__statute": "Cal. Penal Code 484", "purpose__max_imprisonment_months": 12},
     "crime-felony", FAIL),
    # -- offence table (LAW.md reference facts)
    ("table-agrees", "Reference facts", U, MAIL, {}, "offence-table", PASS),
    ("table-says-misdemeanour", "Reference facts", U, MAIL,
     {"purpose__statute": "18 U.S.C. 1701", "purpose__max_imprisonment_months": 24},
     "offence-table", FAIL),
    ("unknown-statute", "Reference facts", U, MAIL,
     {"purpose__statute": "18 U.S.C. 9999", "purpose__max_imprisonment_months": 36},
     "offence-table", REVIEW),
    ("higher-tier-needs-element", "Reference facts", U, MAIL,
     {"purpose__max_imprisonment_months": 360}, "offence-table", REVIEW),
    ("claim-disagrees", "Reference facts", U, MAIL,
     {"purpose__max_imprisonment_months": 100}, "offence-table", REVIEW),
    ("subsequent-entry-claim", "Reference facts", U, MAIL,
     {"purpose__statute": "8 U.S.C. 1325(a)", "purpose__max_imprisonment_months": 24},
     "offence-table", REVIEW),
    ("citation-spelled-differently", "Reference facts", U, MAIL,
     {"purpose__statute": "18 USC § 1956", "purpose__max_imprisonment_months": 240},
     "offence-table", PASS),
    # -- (c)(5) fugitive
    ("administrative-warrant-not-fugitive", "233.3(c)(5)", U, MAIL,
     {"purpose__ground": "fugitive", "purpose__fugitive_warrant": ADMIN_WARRANT},
     "fugitive-definition", FAIL),
    ("arrest-warrant-fugitive", "233.3(c)(5)", U, MAIL, FUGITIVE, "fugitive-definition", PASS),
    ("fugitive-without-warrant", "233.3(c)(5)", U, MAIL,
     {"purpose__ground": "fugitive"}, "fugitive-definition", REVIEW),
    ("fugitive-other-warrant", "233.3(c)(5)", U, MAIL,
     {"purpose__ground": "fugitive", "purpose__fugitive_warrant": OTHER_WARRANT},
     "fugitive-definition", REVIEW),
    # -- (c)(9) national security, (g)(8) approval
    ("national-security-undescribed", "233.3(c)(9)", U, MAIL,
     {"purpose__ground": "national_security"}, "national-security-definition", FAIL),
    ("terrorism-is-national-security", "233.3(c)(9)", U, MAIL, NATSEC,
     "national-security-definition", PASS),
    ("other-threat", "233.3(c)(9)", U, MAIL,
     {**NATSEC, "purpose__national_security": ns(threat="other")},
     "national-security-definition", FAIL),
    ("attack-without-foreign-power", "233.3(c)(9)", U, MAIL,
     {**NATSEC, "purpose__national_security": ns(threat="attack", foreign_power=None)},
     "national-security-definition", FAIL),
    ("terrorism-without-foreign-power", "233.3(c)(9)", U, MAIL,
     {**NATSEC, "purpose__national_security": ns(foreign_power=None)},
     "national-security-definition", FAIL),
    ("other-threat-safeguards", "233.3(c)(9)", S, MAIL,
     {**NATSEC, "purpose__national_security": ns(threat="other")},
     "national-security-definition", FAIL),
    ("no-foreign-power-safeguards", "233.3(c)(9)", S, MAIL,
     {**NATSEC, "purpose__national_security": ns(foreign_power=None)},
     "national-security-definition", FAIL),
    ("records-national-security", "233.3(c)(9)", U, RECORDS, NATSEC,
     "national-security-definition", PASS),
    ("records-other-threat", "233.3(c)(9)", U, RECORDS,
     {**NATSEC, "purpose__national_security": ns(threat="other")},
     "national-security-definition", FAIL),
    ("records-no-foreign-power", "233.3(c)(9)", U, RECORDS,
     {**NATSEC, "purpose__national_security": ns(foreign_power=None)},
     "national-security-definition", FAIL),
    ("records-no-foreign-power-safeguards", "233.3(c)(9)", S, RECORDS,
     {**NATSEC, "purpose__national_security": ns(foreign_power=None)},
     "national-security-definition", FAIL),
    ("records-undescribed-safeguards", "233.3(c)(9)", S, RECORDS,
     {"purpose__ground": "national_security"}, "national-security-definition", FAIL),
    ("no-agency-head-approval", "233.3(g)(8)", U, MAIL,
     {**NATSEC, "purpose__national_security": ns(approved_by_agency_head=False)},
     "national-security-approval", FAIL),
    ("agency-head-approved", "233.3(g)(8)", U, MAIL, NATSEC, "national-security-approval", PASS),
    # -- (e)(3) oral requests
    ("oral-no-emergency", "233.3(e)(3)", U, MAIL, ORAL, "oral-request", REVIEW),
    ("oral-late-confirmation", "233.3(e)(3)", U, MAIL,
     {**ORAL, "received__written_confirmation_date": "2026-01-06"}, "oral-request", FAIL),
    ("oral-confirmed-on-day-3", "233.3(e)(3)", U, MAIL,
     {**ORAL, "received__written_confirmation_date": "2026-01-05"}, "oral-request", PASS),
    ("oral-emergency", "233.3(e)(3)", U, MAIL, {**ORAL, "emergency": EMERGENCY},
     "oral-request", PASS),
    ("written-request", "233.3(e)(1)-(2)", U, MAIL, {}, "oral-request", None),
    # -- (g)(5)-(7) time limits
    ("sixty-days-unjustified", "233.3(g)(5)-(7)", U, MAIL, {"scope__days": 60},
     "thirty-day-limit", FAIL),
    ("sixty-days-justified", "233.3(g)(5)-(7)", U, MAIL,
     {"scope__days": 60, "scope__longer_period_justification": "Mail arrives monthly."},
     "thirty-day-limit", REVIEW),
    ("thirty-days", "233.3(g)(5)-(7)", U, MAIL, {}, "thirty-day-limit", PASS),
    ("fugitive-exempt-from-30", "233.3(g)(5)-(7)", U, MAIL, {**FUGITIVE, "scope__days": 90},
     "thirty-day-limit", None),
    ("national-security-exempt-from-30", "233.3(g)(5)-(7)", U, MAIL, {**NATSEC, "scope__days": 90},
     "thirty-day-limit", None),
    ("extension-without-benefit", "233.3(g)(5)-(7)", U, MAIL, {"scope__prior_days": 30},
     "extension-benefit", FAIL),
    ("extension-with-benefit", "233.3(g)(5)-(7)", U, MAIL, EXTENSION, "extension-benefit", PASS),
    ("extension-of-45-days", "233.3(g)(5)-(7)", U, MAIL,
     {**EXTENSION, "scope__days": 45, "scope__longer_period_justification": "Because."},
     "extension-period", FAIL),
    ("extension-of-30-days", "233.3(g)(5)-(7)", U, MAIL, EXTENSION, "extension-period", PASS),
    ("beyond-120-days", "233.3(g)(5)-(7)", U, MAIL, {**EXTENSION, "scope__prior_days": 100},
     "continuous-120-days", FAIL),
    ("beyond-120-with-chief", "233.3(g)(5)-(7)", U, MAIL,
     {**EXTENSION, "scope__prior_days": 100, "scope__chief_inspector_personal_approval": True},
     "continuous-120-days", PASS),
    ("fugitive-still-capped-at-120", "233.3(g)(5)-(7)", U, MAIL,
     {**FUGITIVE, "scope__days": 150}, "continuous-120-days", FAIL),
    ("exactly-120-days", "233.3(g)(5)-(7)", U, MAIL, {**EXTENSION, "scope__prior_days": 90},
     "continuous-120-days", PASS),
    ("indictment-ends-cover", "233.3(g)(5)-(7)", U, MAIL,
     {"purpose__indictment_or_information_filed": True}, "indictment-ends-cover", FAIL),
    ("indictment-fugitive-exception", "233.3(g)(5)-(7)", U, MAIL,
     {**FUGITIVE, "purpose__indictment_or_information_filed": True},
     "indictment-ends-cover", PASS),
    # -- (g)(1)-(3) never included
    ("sealed-contents", "233.3(g)(1)-(3)", U, MAIL,
     {"scope__data_categories": ["mail_exterior", "sealed_contents"]}, "sealed-contents", FAIL),
    ("sealed-contents-with-warrant", "233.3(g)(1)-(3); safeguards judge first", S, MAIL,
     {"scope__data_categories": ["sealed_contents"],
      "legal_process": process("search_warrant", "probable_cause")},
     "sealed-contents", FAIL),
    ("attorney-mail-usps", "233.3(g)(1)-(3)", U, MAIL, {"scope__include_attorney_mail": True},
     "attorney-mail", FAIL),
    ("attorney-mail-safeguards", "233.3(g)(1)-(3)", S, MAIL, {"scope__include_attorney_mail": True},
     "attorney-mail", FAIL),
    # -- 266.3 records
    ("records-without-process", "266.3(b)(2)(viii),(xi)", U, RECORDS, {"legal_process": None},
     "records-disclosure-basis", FAIL),
    ("records-plain-written-request", "266.3(b)(2)(viii)", U, RECORDS,
     {"legal_process": process("written_request", "none")}, "records-disclosure-basis", FAIL),
    ("records-subpoena", "266.3(b)(2)(viii),(xi)", U, RECORDS, {}, "records-disclosure-basis",
     REVIEW),
    ("records-head-of-agency", "266.3(b)(2)(viii)", U, RECORDS,
     {"legal_process": process("head_of_agency_request", "none")},
     "records-disclosure-basis", PASS),
    ("records-head-of-agency-oral", "266.3(b)(2)(viii)", U, RECORDS,
     {**ORAL, "legal_process": process("head_of_agency_request", "none")},
     "records-disclosure-basis", REVIEW),
    ("records-court-order", "266.3(b)(2)(xi)", U, RECORDS,
     {"legal_process": process("court_order", "relevance")}, "records-disclosure-basis", PASS),
    ("records-first-amendment", "266.3(a)(3)", U, RECORDS, {}, "records-first-amendment", REVIEW),
    ("records-civil-allowed-in-2017", "266.3(b)(2)(viii)", U, RECORDS,
     {"purpose__ground": "civil_enforcement"}, "ground-permitted", None),
    ("records-order-expired", "266.3(b)(2)(xi)", U, RECORDS,
     {"legal_process": process("court_order", "relevance", expires="2026-01-04")},
     "process-in-force", FAIL),
    # -- safeguards-2026: judge first
    ("no-order-no-emergency", "safeguards: judge first", S, MAIL, {"legal_process": None},
     "judge-first", FAIL),
    ("order-on-relevance-only", "safeguards: judge first", S, MAIL,
     {"legal_process": process("court_order", "relevance")}, "judge-first", FAIL),
    ("subpoena-is-not-an-order", "safeguards: judge first", S, MAIL,
     {"legal_process": process("subpoena", "relevance")}, "judge-first", FAIL),
    ("national-security-needs-order", "safeguards: judge first", S, MAIL,
     {**NATSEC, "legal_process": None}, "judge-first", FAIL),
    ("order-on-facts", "safeguards: judge first", S, MAIL, {}, "judge-first", PASS),
    ("usps-needs-no-judge", "233.3 (no judge)", U, MAIL, {"legal_process": None},
     "judge-first", None),
    ("order-after-start", "safeguards: judge first", S, MAIL,
     {"legal_process": process("court_order", SAF, issued="2026-01-09")},
     "order-precedes-start", FAIL),
    ("order-expired-before-start", "safeguards: judge first", S, MAIL,
     {"legal_process": process("court_order", SAF, expires="2026-01-04")},
     "process-in-force", FAIL),
    ("order-in-force", "safeguards: judge first", S, MAIL,
     {"legal_process": process("court_order", SAF, expires="2026-03-01")},
     "process-in-force", PASS),
    # -- safeguards-2026: emergency exception
    ("emergency-without-order", "safeguards: emergency exception", S, MAIL,
     {"legal_process": None, "emergency": EMERGENCY}, "judge-first", PASS),
    ("emergency-order-to-follow", "safeguards: emergency exception", S, MAIL,
     {"legal_process": None, "emergency": EMERGENCY}, "emergency-exception", PASS),
    ("emergency-order-too-late", "safeguards: emergency exception", S, MAIL,
     {"emergency": EMERGENCY,
      "legal_process": process("court_order", SAF, issued="2026-01-07")},
     "emergency-exception", FAIL),
    # -- safeguards-2026: criminal purpose only
    ("civil-records-refused", "safeguards: criminal purpose only", S, RECORDS,
     {"purpose__ground": "civil_enforcement"}, "criminal-purpose-only", FAIL),
    ("civil-cover-refused", "safeguards: criminal purpose only", S, MAIL,
     {"purpose__ground": "civil_enforcement"}, "criminal-purpose-only", FAIL),
    ("immigration-warrant-records", "safeguards: criminal purpose only", S, RECORDS,
     {"purpose__ground": "fugitive", "purpose__fugitive_warrant": ADMIN_WARRANT},
     "criminal-purpose-only", FAIL),
    ("civil-agency-records", "safeguards: criminal purpose only", S, RECORDS,
     {"agency__functions": ["civil_enforcement"]}, "criminal-purpose-only", FAIL),
    ("criminal-records", "safeguards: criminal purpose only", S, RECORDS, {},
     "criminal-purpose-only", PASS),
    # -- safeguards-2026: records tiers
    ("subscriber-subpoena", "safeguards: records tiers", S, RECORDS, {}, "records-tier", PASS),
    ("subscriber-head-of-agency", "safeguards: records tiers", S, RECORDS,
     {"legal_process": process("head_of_agency_request", "none")}, "records-tier", FAIL),
    ("session-ip-no-process", "safeguards: records tiers", S, RECORDS,
     {"scope__data_categories": ["session_ip", "payment"], "legal_process": None},
     "records-tier", FAIL),
    ("tracking-subpoena", "safeguards: records tiers", S, RECORDS,
     {"scope__data_categories": ["subscriber", "tracking"]}, "records-tier", FAIL),
    ("tracking-order-on-facts", "safeguards: records tiers", S, RECORDS,
     {"scope__data_categories": ["tracking"],
      "legal_process": process("court_order", SAF)},
     "records-tier", PASS),
    ("change-of-address-relevance-order", "safeguards: records tiers", S, RECORDS,
     {"scope__data_categories": ["change_of_address"],
      "legal_process": process("court_order", "relevance")}, "records-tier", FAIL),
    ("box-application-warrant", "safeguards: records tiers", S, RECORDS,
     {"scope__data_categories": ["box_application"],
      "legal_process": process("search_warrant", "probable_cause")}, "records-tier", PASS),
    ("records-emergency", "safeguards: emergency exception", S, RECORDS,
     {"scope__data_categories": ["tracking"], "emergency": EMERGENCY}, "records-tier", PASS),
    ("unsealed-contents-without-warrant", "safeguards: records tiers (contents)", S, MAIL,
     {"scope__data_categories": ["mail_exterior", "unsealed_contents"]},
     "unsealed-contents", REVIEW),
    ("unsealed-contents-with-warrant", "safeguards: records tiers (contents)", S, MAIL,
     {"scope__data_categories": ["unsealed_contents"],
      "legal_process": process("search_warrant", "probable_cause")},
     "unsealed-contents", PASS),
    # -- safeguards-2026: notice
    ("notice-for-covers", "safeguards: notice", S, MAIL, {}, "subject-notice", PASS),
    ("notice-for-records", "safeguards: notice", S, RECORDS, {}, "subject-notice", PASS),
    ("no-notice-in-2017", "233.3(j) (no notice)", U, MAIL, {}, "subject-notice", None),
]  # fmt: skip


def build(base: str, overrides: dict[str, Any]) -> Any:
    data = (mail_cover_data if base == MAIL else records_data)(**overrides)
    return request_document_from_data(data)


@pytest.mark.parametrize(
    ("section", "policy", "base", "overrides", "rule", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rule(
    section: str,
    policy: str,
    base: str,
    overrides: dict[str, Any],
    rule: str,
    expected: Outcome | None,
) -> None:  # one case of CASES
    result = evaluate(build(base, overrides), load_policy(policy))
    outcomes = {f.rule: f.outcome for f in result.findings}
    assert outcomes.get(rule) == expected, (section, outcomes)
    assert result.admissible == (FAIL not in outcomes.values())


def test_every_rule_of_both_policies_has_a_case() -> None:
    for name in (U, S):
        covered = {case[5] for case in CASES if case[2] == name and case[6] is not None}
        # rules inherited unchanged are covered by the usps-2017 cases
        if name == S:
            covered |= {case[5] for case in CASES if case[2] == U}
        missing = {r.id for r in load_policy(name).rules} - covered
        assert not missing, f"{name}: no case for {sorted(missing)}"


def test_enough_cases_each_cites_law() -> None:
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)
    assert all(c[1] for c in CASES)


def test_factory_documents_are_admissible_under_both() -> None:
    for policy in (U, S):
        assert evaluate(build(MAIL, {}), load_policy(policy)).admissible
        assert evaluate(build(RECORDS, {}), load_policy(policy)).admissible
