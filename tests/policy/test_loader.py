"""Loading, inheriting, versioning and validating policy files."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml

from covergate.document import request_document_from_data
from covergate.errors import InvalidInput
from covergate.policy import available_policies, evaluate, load_policy, load_policy_file
from covergate.policy.loader import canonical_json
from covergate.policy.offences import parse_bundled_yaml
from tests.factories import mail_cover_data

MINIMAL = """
name: {name}
description: A test policy.
rules:
  - id: thirty
    title: Thirty days
    citation: 39 CFR 233.3(g)(5)-(7)
    fail_when: {{gt: [scope.days, 30]}}
    messages:
      pass: Fine.
      fail: Too long.
max_days:
  cases:
    - days: 30
authority:
  order: {{delegations: [chief_postal_inspector], citation: "39 CFR 233.3(d), (g)(4)"}}
  national_security: {{delegations: [chief_postal_inspector], citation: 39 CFR 233.3(d)(1)-(2)}}
  emergency_only: {{delegations: [], citation: 39 CFR 233.3(d)(3)}}
  extension: {{max_days: 30, citation: 39 CFR 233.3(g)(5)}}
  continuous:
    max_days: 120
    exceeded_by: [chief_postal_inspector]
    citation: 39 CFR 233.3(g)(6)
  court_confirmation: {{required: false, citation: 39 CFR 233.3(e)(2)}}
  emergency_order: {{required: false, max_days: 3, citation: 39 CFR 233.3(c)(10)}}
  notice: {{required: false, max_days: 90, citation: 39 CFR 233.3}}
  notice_delay: {{required: false, max_days: 90, citation: 39 CFR 233.3}}
  retention: {{years: 8, citation: 39 CFR 233.3(h)}}
"""


def write(tmp_path: Path, text: str, name: str = "third.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bundled_policies() -> None:
    assert available_policies() == ["safeguards-2026", "usps-2017"]
    safeguards = load_policy("safeguards-2026")
    assert safeguards.extends == "usps-2017"
    inherited = {r.id for r in load_policy("usps-2017").rules}
    assert inherited <= {r.id for r in safeguards.rules}
    assert safeguards.rule("sealed-contents").defined_in == "safeguards-2026"  # overridden
    assert safeguards.rule("crime-felony").defined_in == "usps-2017"


def test_unknown_policy_names_the_available_ones() -> None:
    with pytest.raises(InvalidInput, match="unknown policy 'nope'; available: safeguards-2026"):
        load_policy("nope")


def test_version_is_sha256_of_canonical_content() -> None:
    policy = load_policy("safeguards-2026")
    digest = hashlib.sha256(canonical_json(policy.canonical)).hexdigest()
    assert policy.version == "sha256:" + digest
    # the parent's content is inside the child's canonical form
    inner = policy.canonical["policy"]["extends"]
    assert inner["name"] == "usps-2017"
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()
    assert load_policy("usps-2017").version != policy.version


def test_third_policy_as_a_file(tmp_path: Path) -> None:
    policy = load_policy_file(write(tmp_path, MINIMAL.format(name="third")))
    document = request_document_from_data(mail_cover_data(scope__days=45))
    result = evaluate(document, policy)
    assert not result.admissible
    assert result.findings[0].rule == "thirty"
    assert result.policy == "third"
    assert result.max_days == 30


def test_a_file_may_extend_a_bundled_policy_and_override(tmp_path: Path) -> None:
    text = """
name: stricter
extends: safeguards-2026
description: No records at all.
rules:
  - id: no-records
    title: No records
    citation: safeguards-2026, records tiers
    applies: {eq: [kind, records]}
    fail_when: {eq: [kind, records]}
    messages: {pass: Fine., fail: No records.}
"""
    policy = load_policy_file(write(tmp_path, text))
    assert policy.rules[-1].id == "no-records"
    assert len(policy.rules) == len(load_policy("safeguards-2026").rules) + 1
    changed = write(tmp_path, text.replace("No records.}", "None.}"), "changed.yaml")
    assert load_policy_file(changed).version != policy.version


BROKEN = [
    ("unknown top-level key", "max_days:", "max_dayz:", "max_dayz: unknown key"),
    ("unknown rule key", "    title: Thirty days", "    titel: Thirty days",
     "rule 'thirty'.titel: unknown key"),
    ("unknown operator", "{gt:", "{greater:",
     "rule 'thirty'.fail_when: unknown operator 'greater'"),
    ("unknown path", "scope.days", "scope.dayz",
     "rule 'thirty'.fail_when.gt: unknown path or fact 'scope.dayz'"),
    ("missing citation", "    citation: 39 CFR 233.3(g)(5)-(7)\n", "",
     "rule 'thirty'.citation: required field is missing"),
    ("bad value", "[scope.days, 30]", "[scope.days, thirty]",
     r"rule 'thirty'.fail_when.gt\[1\]: must be an integer"),
    ("missing fail message", "      fail: Too long.\n", "",
     "rule 'thirty'.messages.fail: required field is missing"),
    ("redacted text compared", "{gt: [scope.days, 30]}",
     "{eq: [purpose.reasonable_grounds, secret]}", "is redacted in stored requests"),
    ("enum value not a member", "{gt: [scope.days, 30]}", "{eq: [purpose.ground, felony]}",
     "'felony' is not one of national_security, fugitive"),
    ("not yaml", "rules:", "rules: [", "not valid YAML"),
    ("default case missing", "    - days: 30", "    - {when: {present: emergency}, days: 30}",
     "the last case must have no 'when'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_validate_names_rule_and_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = MINIMAL.format(name="third")
    assert old in text
    with pytest.raises(InvalidInput, match=message):
        load_policy_file(write(tmp_path, text.replace(old, new)))


def test_unknown_named_condition_and_parent(tmp_path: Path) -> None:
    text = MINIMAL.format(name="third").replace("{gt: [scope.days, 30]}", "{use: too_long}")
    with pytest.raises(InvalidInput, match="unknown condition name 'too_long'"):
        load_policy_file(write(tmp_path, text))
    with pytest.raises(InvalidInput, match="extends: unknown policy 'nothing'"):
        load_policy_file(write(tmp_path, "extends: nothing\n" + MINIMAL.format(name="x")))


def test_self_extension_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "extends: loop\n" + MINIMAL.format(name="loop"), "loop.yaml")
    with pytest.raises(InvalidInput, match="nested too deep"):
        load_policy_file(path)


def test_policy_data_is_json_plain() -> None:
    for name in available_policies():
        json.loads(canonical_json(load_policy(name).canonical))


def test_bundled_yaml_parses_the_same_with_libyaml_and_pure_python() -> None:
    """``parse_bundled_yaml`` (libyaml when present) builds what ``yaml.safe_load`` does."""
    folder = resources.files("covergate.policy")
    texts = [folder.joinpath("offences.yaml").read_text("utf-8")]
    texts += [
        folder.joinpath("policies", f"{name}.yaml").read_text("utf-8")
        for name in available_policies()
    ]
    for text in texts:
        assert parse_bundled_yaml(text) == yaml.safe_load(text)
