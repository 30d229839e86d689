"""The ``authority`` section: parsing, inheritance, versions and refusals that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from covergate.document import RequestDocument, request_document_from_data
from covergate.errors import InvalidInput
from covergate.policy import evaluate, load_policy, load_policy_file
from covergate.users.schemas import Delegation
from tests.factories import mail_cover_data

STRICT = Path(__file__).parent / "policies" / "strict-test.yaml"
DELEGATIONS = {d.value for d in Delegation}


def doc(**changes: Any) -> RequestDocument:
    return request_document_from_data(mail_cover_data(**changes))


def test_usps_2017_authority_with_citations() -> None:
    authority = load_policy("usps-2017").authority
    assert set(authority.order.allowed) == DELEGATIONS
    assert authority.order.citation == "39 CFR 233.3(d), (g)(4)"
    assert authority.national_security.allowed == (
        "chief_postal_inspector",
        "headquarters_designee",
    )
    assert authority.national_security.citation == "39 CFR 233.3(d)(1)-(2)"
    assert authority.emergency_only.allowed == ("inspector_in_charge",)
    assert authority.emergency_only.citation == "39 CFR 233.3(d)(3)"
    assert (authority.extension.days, authority.extension.citation) == (30, "39 CFR 233.3(g)(5)")
    assert (authority.continuous.days, authority.continuous.citation) == (
        120,
        "39 CFR 233.3(g)(6)",
    )
    assert authority.continuous.exceeded_by == ("chief_postal_inspector", "headquarters_designee")


def test_extension_exemption_is_the_policys_condition() -> None:
    usps = load_policy("usps-2017")
    crime = usps.extension_limit(doc())
    assert crime is not None
    assert crime.days == 30
    for ground in ("fugitive", "national_security"):
        assert usps.extension_limit(doc(purpose__ground=ground)) is None


def test_safeguards_inherits_the_authority_and_every_name_is_a_delegation() -> None:
    usps, safeguards = load_policy("usps-2017"), load_policy("safeguards-2026")
    assert safeguards.authority.order == usps.authority.order
    assert safeguards.authority.continuous == usps.authority.continuous
    for policy in (usps, safeguards, load_policy_file(STRICT)):
        a = policy.authority
        names = {*a.order.allowed, *a.national_security.allowed, *a.emergency_only.allowed}
        assert names | set(a.continuous.exceeded_by) <= DELEGATIONS


def test_a_child_replaces_only_the_entries_it_gives() -> None:
    strict, usps = load_policy_file(STRICT), load_policy("usps-2017")
    assert strict.authority.extension.days == 20
    assert strict.authority.continuous.days == 90
    assert strict.authority.continuous.exceeded_by == ("chief_postal_inspector",)
    assert strict.authority.national_security.allowed == ("chief_postal_inspector",)
    assert strict.authority.order == usps.authority.order  # inherited
    assert strict.authority.emergency_only == usps.authority.emergency_only  # inherited
    assert strict.version != usps.version
    assert "authority" in strict.canonical["policy"]
    assert strict.canonical["policy"]["extends"]["authority"]["extension"]["max_days"] == 30


def test_rules_and_max_days_use_the_authority_days() -> None:
    strict, usps = load_policy_file(STRICT), load_policy("usps-2017")
    extension = {"scope__prior_days": 30, "scope__extension_benefit": "Two more letters."}
    assert evaluate(doc(**extension, scope__days=25), usps).admissible
    result = evaluate(doc(**extension, scope__days=25), strict)
    assert [f.rule for f in result.failed] == ["extension-period"]
    assert result.failed[0].message == "Each extension is for at most 20 days."
    assert result.max_days == 20
    long = evaluate(doc(scope__prior_days=80, scope__extension_benefit="More."), strict)
    assert "continuous-120-days" in {f.rule for f in long.failed}  # 80 + 30 > 90
    assert strict.rule("continuous-120-days").title.startswith("90 continuous days")
    assert usps.rule("continuous-120-days").title.startswith("120 continuous days")


def test_changing_a_limit_changes_the_version(tmp_path: Path) -> None:
    text = STRICT.read_text()
    changed = tmp_path / "strict-test.yaml"
    changed.write_text(text.replace("max_days: 90", "max_days: 91"))
    assert load_policy_file(changed).version != load_policy_file(STRICT).version


BROKEN = [
    ("unknown entry", "  extension:\n", "  extensions:\n", "authority.extensions: unknown key"),
    ("days not a number", "max_days: 20", "max_days: twenty",
     "authority.extension.max_days: must be a whole number"),
    ("zero days", "max_days: 90", "max_days: 0",
     "authority.continuous.max_days: must be a whole number of days, at least 1"),
    ("missing citation", "    citation: strict-test, extensions (39 CFR 233.3(g)(5))\n", "",
     "authority.extension.citation: required field is missing"),
    ("unknown delegation", "exceeded_by: [chief_postal_inspector]",
     "exceeded_by: [chief_postal_inspektor]",
     "authority.continuous.exceeded_by: 'chief_postal_inspektor' is not in"),
    ("delegations not a list", "delegations: [chief_postal_inspector]",
     "delegations: chief_postal_inspector",
     "authority.national_security.delegations: must be a list"),
    ("bad exemption", "unless: {use: exempt_from_30_days}", "unless: {use: exempt}",
     "authority.extension.unless.use: unknown condition name 'exempt'"),
    ("unknown entry key", "    exceeded_by:", "    exceeded:",
     "authority.continuous.exceeded: unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_bad_authority_names_the_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = STRICT.read_text()
    assert old in text
    path = tmp_path / "strict-test.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InvalidInput, match=message) as info:
        load_policy_file(path)
    assert info.value.field is not None
    assert info.value.field.startswith("authority")


def test_authority_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text("name: child\nextends: usps-2017\ndescription: d\nrules: []\nauthority: [1]\n")
    with pytest.raises(InvalidInput, match="authority: must be a mapping"):
        load_policy_file(path)


def test_a_root_policy_needs_an_authority(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/covergate/policy/policies/usps-2017.yaml").read_text()
    start = text.index("authority:\n")
    end = text.index("\nconditions:")
    path = tmp_path / "root.yaml"
    path.write_text(text[:start] + text[end:])
    with pytest.raises(InvalidInput, match="authority: required field is missing"):
        load_policy_file(path)
