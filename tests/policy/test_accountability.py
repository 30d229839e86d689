"""The accountability entries of ``authority``: values, inheritance, constants, refusals."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from covergate.document import request_document_from_data
from covergate.errors import InvalidInput
from covergate.policy import Duty, Retention, evaluate, load_policy, load_policy_file
from covergate.policy.authority import AUTHORITY_KEYS
from tests.factories import mail_cover_data

STRICT = Path(__file__).parent / "policies" / "strict-test.yaml"
USPS_FILE = Path(__file__).parents[2] / "src/covergate/policy/policies/usps-2017.yaml"
EMERGENCY = {"kind": "physical_harm", "description": "x"}
ACCOUNTABILITY = ("court_confirmation", "emergency_order", "notice", "notice_delay", "retention")


def child(tmp_path: Path, authority: str, extends: str = "usps-2017") -> Path:
    """A child policy in a tmp folder giving only ``authority`` (YAML, indented two)."""
    path = tmp_path / "child.yaml"
    path.write_text(
        f"name: child\nextends: {extends}\ndescription: d\nrules: []\nauthority:\n{authority}"
    )
    return path


def test_the_authority_keys() -> None:
    limits = ("order", "national_security", "emergency_only", "extension", "continuous")
    assert sorted(AUTHORITY_KEYS) == sorted((*limits, *ACCOUNTABILITY))


def test_usps_2017_owes_no_court_and_no_notice() -> None:
    a = load_policy("usps-2017").authority
    assert a.court_confirmation == Duty(
        False, None, "39 CFR 233.3(e)(2) (a written request; the rule requires no judge)"
    )
    assert a.emergency_order == Duty(False, 3, "39 CFR 233.3(c)(10)")
    assert a.notice == Duty(False, 90, "39 CFR 233.3 (the rule requires no notice to the subject)")
    assert a.notice_delay == Duty(False, 90, "39 CFR 233.3 (no notice, so no delay of notice)")
    assert a.retention == Retention(8, "39 CFR 233.3(h)")


def test_safeguards_2026_requires_the_duties() -> None:
    a = load_policy("safeguards-2026").authority
    assert a.court_confirmation == Duty(
        True, None, "safeguards-2026, judge first (model 18 U.S.C. 2703(d))"
    )
    assert a.emergency_order == Duty(
        True, 3, "39 CFR 233.3(c)(10); safeguards-2026, emergency exception"
    )
    assert a.notice == Duty(True, 90, "safeguards-2026, notice (models 18 U.S.C. 2518(8)(d), 2705)")
    assert a.notice_delay == Duty(
        True,
        90,
        "safeguards-2026, notice (model 18 U.S.C. 2705(a)(1), (a)(4)): "
        "each delay a new court order",
    )
    assert a.retention == load_policy("usps-2017").authority.retention  # inherited


def test_the_test_policy_inherits_every_accountability_entry() -> None:
    strict, usps = load_policy_file(STRICT).authority, load_policy("usps-2017").authority
    for key in ACCOUNTABILITY:
        assert getattr(strict, key) == getattr(usps, key), key


def test_a_child_overriding_one_entry_keeps_the_others(tmp_path: Path) -> None:
    path = child(
        tmp_path,
        "  notice: {required: true, max_days: 60, citation: 'child, notice'}\n",
        extends="safeguards-2026",
    )
    a, parent = load_policy_file(path).authority, load_policy("safeguards-2026").authority
    assert a.notice == Duty(True, 60, "child, notice")
    for key in ("court_confirmation", "emergency_order", "notice_delay", "retention"):
        assert getattr(a, key) == getattr(parent, key), key
    assert a.order == parent.order
    assert load_policy_file(path).version != load_policy("safeguards-2026").version


def test_the_rules_use_the_childs_day_counts(tmp_path: Path) -> None:
    path = child(
        tmp_path,
        "  emergency_order: {required: true, max_days: 5, citation: 'child, emergency'}\n"
        "  notice: {required: true, max_days: 60, citation: 'child, notice'}\n"
        "  notice_delay: {required: true, max_days: 30, citation: 'child, delay'}\n",
        extends="safeguards-2026",
    )
    mine, safeguards = load_policy_file(path), load_policy("safeguards-2026")
    exception = mine.rule("emergency-exception")
    assert exception.title == "An emergency may start first; the order must follow within 5 days"
    assert "Without the order within 5 days the cover ends" in exception.messages["pass"]
    assert "more than 5 days after the emergency request" in exception.messages["fail"]
    notice = mine.rule("subject-notice").messages["pass"]
    assert "within 60 days after the cover ends" in notice
    assert "(30 days at a time)" in notice
    assert "within 3 days" in safeguards.rule("emergency-exception").title
    assert "within 90 days" in safeguards.rule("subject-notice").messages["pass"]

    # received 2026-01-02; the cover runs 30 days from 2026-01-05
    pending = request_document_from_data(mail_cover_data(legal_process=None, emergency=EMERGENCY))
    due = {o.what.split(" ")[0]: o.due for o in evaluate(pending, mine).obligations}
    assert due == {"Court": date(2026, 1, 7), "Notify": date(2026, 4, 5)}
    due = {o.what.split(" ")[0]: o.due for o in evaluate(pending, safeguards).obligations}
    assert due == {"Court": date(2026, 1, 5), "Notify": date(2026, 5, 5)}

    late = request_document_from_data(  # issued 4 days after received.date
        mail_cover_data(legal_process__issued="2026-01-06", emergency=EMERGENCY)
    )
    assert "emergency-exception" not in {f.rule for f in evaluate(late, mine).failed}
    assert "emergency-exception" in {f.rule for f in evaluate(late, safeguards).failed}


BROKEN: list[tuple[str, str, str, str]] = [
    ("unknown key", "  court_confirmation: {required: true, max_days: 3, citation: c}\n",
     "authority.court_confirmation.max_days", "unknown key (known: citation, required)"),
    ("unknown retention key", "  retention: {years: 8, days: 3, citation: c}\n",
     "authority.retention.days", "unknown key (known: citation, years)"),
    ("required missing", "  notice: {max_days: 90, citation: c}\n",
     "authority.notice.required", "required field is missing"),
    ("required not a bool", "  notice: {required: 'true', max_days: 90, citation: c}\n",
     "authority.notice.required", "must be true or false"),
    ("required a number", "  court_confirmation: {required: 1, citation: c}\n",
     "authority.court_confirmation.required", "must be true or false"),
    ("max_days missing", "  emergency_order: {required: true, citation: c}\n",
     "authority.emergency_order.max_days", "required field is missing"),
    ("max_days zero", "  emergency_order: {required: true, max_days: 0, citation: c}\n",
     "authority.emergency_order.max_days", "must be a whole number of days, from 1 to 3650"),
    ("max_days too many", "  notice: {required: true, max_days: 3651, citation: c}\n",
     "authority.notice.max_days", "must be a whole number of days, from 1 to 3650"),
    ("max_days a fraction", "  notice_delay: {required: false, max_days: 2.5, citation: c}\n",
     "authority.notice_delay.max_days", "must be a whole number of days"),
    ("max_days a bool", "  notice_delay: {required: false, max_days: true, citation: c}\n",
     "authority.notice_delay.max_days", "must be a whole number of days"),
    ("max_days a word", "  notice: {required: true, max_days: ninety, citation: c}\n",
     "authority.notice.max_days", "must be a whole number of days"),
    ("years missing", "  retention: {citation: c}\n",
     "authority.retention.years", "required field is missing"),
    ("years zero", "  retention: {years: 0, citation: c}\n",
     "authority.retention.years", "must be a whole number of years, from 1 to 100"),
    ("years too many", "  retention: {years: 101, citation: c}\n",
     "authority.retention.years", "must be a whole number of years, from 1 to 100"),
    ("years a word", "  retention: {years: eight, citation: c}\n",
     "authority.retention.years", "must be a whole number of years"),
    ("citation missing", "  notice_delay: {required: false, max_days: 90}\n",
     "authority.notice_delay.citation", "required field is missing"),
    ("citation empty", "  retention: {years: 8, citation: '  '}\n",
     "authority.retention.citation", "must be a non-empty string"),
    ("citation not text", "  court_confirmation: {required: true, citation: [a]}\n",
     "authority.court_confirmation.citation", "must be a non-empty string"),
    ("entry not a mapping", "  notice: 90\n", "authority.notice", "must be a mapping"),
    ("delay without notice", "  notice_delay: {required: true, max_days: 90, citation: c}\n",
     "authority.notice_delay.required", "cannot be true when authority.notice.required is false"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "field", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_bad_entry_names_the_field(tmp_path: Path, entry: str, field: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"child.yaml: {field}: {message}")) as info:
        load_policy_file(child(tmp_path, entry))
    assert info.value.field == field


@pytest.mark.parametrize("key", ACCOUNTABILITY)
def test_a_root_policy_gives_every_entry(tmp_path: Path, key: str) -> None:
    text = USPS_FILE.read_text()
    start = text.index(f"\n  {key}:")
    end = text.index("\n", text.index("citation:", start))  # each is one line
    path = tmp_path / "root.yaml"
    path.write_text(text[:start] + text[end:])
    assert f"  {key}:" not in path.read_text()
    with pytest.raises(InvalidInput, match=f"authority.{key}: required field is missing") as info:
        load_policy_file(path)
    assert info.value.field == f"authority.{key}"


def test_the_day_counts_are_constants_for_conditions(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(
        "name: child\nextends: safeguards-2026\ndescription: d\n"
        "rules:\n"
        "  - id: quick\n"
        "    title: Within {authority.notice_delay.max_days} days\n"
        "    citation: safeguards-2026, notice\n"
        "    fail_when: {gt: [scope.days, {ref: authority.notice.max_days}]}\n"
        "    messages: {pass: ok, fail: 'more than {authority.notice.max_days} days'}\n"
        "authority:\n"
        "  notice: {required: true, max_days: 20, citation: c}\n"
    )
    policy = load_policy_file(path)
    assert policy.rule("quick").title == "Within 90 days"
    assert policy.rule("quick").messages["fail"] == "more than 20 days"
    long = evaluate(request_document_from_data(mail_cover_data(scope__days=25)), policy)
    assert [f.message for f in long.failed if f.rule == "quick"] == ["more than 20 days"]
