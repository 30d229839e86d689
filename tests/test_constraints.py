"""constraints.txt pins what pyproject.toml asks for, at versions it allows.

``make install`` installs with ``--constraint constraints.txt`` (README,
"Developing"), so a dependency added to pyproject.toml without ``make constraints``
would install at whatever version is newest that day: that is what these tests
refuse, before CI installs anything unpinned.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"constraints.txt line {number} is not 'name==version': {line!r}"
        name = canonicalize_name(match[1])
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = Version(match[2])
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        listed += extra
    return [Requirement(each) for each in listed]


def test_every_requirement_is_pinned_at_a_version_pyproject_allows() -> None:
    pins = _pins()
    problems = []
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement.name} is not in constraints.txt")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{name}=={pins[name]} does not satisfy {requirement}")
    assert problems == [], "run `make constraints`: " + "; ".join(problems)


def test_covergate_itself_is_not_pinned() -> None:
    # The editable install of this tree must never be constrained to a release.
    assert "covergate" not in _pins()
