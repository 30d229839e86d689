"""Finding, reading, merging and versioning policy files.

A policy file is YAML (see docs/POLICY.md). ``extends: NAME`` inherits another
policy: its named conditions, its rules (a rule with the same ``id`` replaces the
inherited one in place; new rules follow), its ``max_days`` unless given, and
each entry of its ``authority`` section the child does not give.

The version is ``"sha256:" + hex(sha256(canonical))`` where canonical is the JSON
(sorted keys, no whitespace, UTF-8) of ``{"offences": <offences.yaml as parsed>,
"policy": <this file as parsed, with "extends" replaced by the parent's own
canonical policy object>}``. The offence table is part of it because it changes
outcomes; the parent is part of it because inherited rules do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from covergate.errors import InvalidInput
from covergate.policy.engine import POLICY_KEYS, Policy, compile_policy
from covergate.policy.offences import OffenceTable, bundled_offences, parse_bundled_yaml

__all__ = [
    "DEFAULT_POLICY",
    "available_policies",
    "canonical_json",
    "load_policy",
    "load_policy_file",
]

DEFAULT_POLICY = "safeguards-2026"
_MAX_DEPTH = 8


def available_policies() -> list[str]:
    """Names of the bundled policies, sorted."""
    folder = resources.files("covergate.policy").joinpath("policies")
    return sorted(
        item.name.removesuffix(".yaml") for item in folder.iterdir() if item.name.endswith(".yaml")
    )


def load_policy(name: str) -> Policy:
    """A bundled policy by name; InvalidInput naming the available ones otherwise."""
    if name not in available_policies():
        raise InvalidInput(
            f"unknown policy {name!r}; available: {', '.join(available_policies())}",
            field="policy",
        )
    return _load_bundled(name)


@cache
def _load_bundled(name: str) -> Policy:
    return _build(_bundled_text(name), source=f"{name}.yaml", folder=None, depth=0)


def load_policy_file(path: Path) -> Policy:
    """A policy from a file; ``extends`` names a sibling file's stem or a bundled policy."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read policy file {path}: {exc}", field="FILE") from exc
    return _build(text, source=str(path), folder=path.parent, depth=0)


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8; dates as YYYY-MM-DD."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8")


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON data: {value!r}")


def _bundled_text(name: str) -> str:
    return (
        resources.files("covergate.policy")
        .joinpath("policies")
        .joinpath(f"{name}.yaml")
        .read_text("utf-8")
    )


def _parse(text: str, source: str, *, bundled: bool) -> dict[str, Any]:
    try:
        data = parse_bundled_yaml(text) if bundled else yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"policy {source}: not valid YAML: {exc}", field="FILE") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"policy {source}: must be a mapping", field="FILE")
    unknown = sorted(set(data) - POLICY_KEYS)
    if unknown:
        raise InvalidInput(
            f"policy {source}: {unknown[0]}: unknown key (known: {', '.join(sorted(POLICY_KEYS))})",
            field=unknown[0],
        )
    for key in ("name", "description", "rules"):
        if key not in data:
            raise InvalidInput(f"policy {source}: {key}: required field is missing", field=key)
    if not isinstance(data["name"], str) or not isinstance(data["description"], str):
        raise InvalidInput(f"policy {source}: name and description must be strings", field="name")
    if not isinstance(data["rules"], list):
        raise InvalidInput(f"policy {source}: rules: must be a list", field="rules")
    conditions = data.get("conditions", {})
    if not isinstance(conditions, dict) or not all(isinstance(k, str) for k in conditions):
        raise InvalidInput(f"policy {source}: conditions: must be a mapping", field="conditions")
    try:
        canonical_json(data)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"policy {source}: not plain data: {exc}", field="FILE") from exc
    return data


class _Merged:
    """A policy's content after ``extends``: what compile_policy needs."""

    def __init__(
        self,
        data: dict[str, Any],
        canonical: dict[str, Any],
        rules: list[tuple[Mapping[str, Any], str]],
        conditions: dict[str, object],
        max_days: object,
        authority: dict[str, object],
    ) -> None:
        self.data = data
        self.canonical = canonical
        self.rules = rules
        self.conditions = conditions
        self.max_days = max_days
        self.authority = authority


def _merge(text: str, source: str, folder: Path | None, depth: int) -> _Merged:
    if depth > _MAX_DEPTH:
        raise InvalidInput(
            f"policy {source}: extends is nested too deep (a cycle?)", field="extends"
        )
    data = _parse(text, source, bundled=folder is None)  # no folder: a bundled policy
    name = data["name"]
    own_rules: list[tuple[Mapping[str, Any], str]] = [(r, name) for r in data["rules"]]
    parent_name = data.get("extends")
    if parent_name is None:
        for key in ("max_days", "authority"):
            if key not in data:
                raise InvalidInput(f"policy {source}: {key}: required field is missing", field=key)
        return _Merged(
            data,
            data,
            own_rules,
            dict(data.get("conditions", {})),
            data["max_days"],
            _own_authority(data, source),
        )
    if not isinstance(parent_name, str):
        raise InvalidInput(f"policy {source}: extends: must be a policy name", field="extends")
    parent = _merge_parent(parent_name, source, folder, depth)
    rules = list(parent.rules)
    positions = {r.get("id"): i for i, (r, _) in enumerate(rules) if isinstance(r, dict)}
    for rule, origin in own_rules:
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if rule_id in positions:
            rules[positions[rule_id]] = (rule, origin)
        else:
            rules.append((rule, origin))
    seen: set[object] = set()
    for rule, _ in own_rules:
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if rule_id in seen:
            raise InvalidInput(f"policy {source}: rule {rule_id!r} is defined twice", field="rules")
        seen.add(rule_id)
    conditions = {**parent.conditions, **data.get("conditions", {})}
    max_days = data.get("max_days", parent.max_days)
    authority = {**parent.authority, **_own_authority(data, source)}
    canonical = {**data, "extends": parent.canonical}
    return _Merged(data, canonical, rules, conditions, max_days, authority)


def _own_authority(data: dict[str, Any], source: str) -> dict[str, object]:
    authority = data.get("authority", {})
    if not isinstance(authority, dict) or not all(isinstance(k, str) for k in authority):
        raise InvalidInput(f"policy {source}: authority: must be a mapping", field="authority")
    return dict(authority)


def _merge_parent(name: str, source: str, folder: Path | None, depth: int) -> _Merged:
    if folder is not None and (folder / f"{name}.yaml").is_file():
        path = folder / f"{name}.yaml"
        return _merge(path.read_text("utf-8"), str(path), folder, depth + 1)
    if name in available_policies():
        return _merge(_bundled_text(name), f"{name}.yaml", None, depth + 1)
    raise InvalidInput(
        f"policy {source}: extends: unknown policy {name!r}; "
        f"available: {', '.join(available_policies())}",
        field="extends",
    )


def _build(text: str, *, source: str, folder: Path | None, depth: int) -> Policy:
    merged = _merge(text, source, folder, depth)
    offences: OffenceTable = bundled_offences()
    ids = [r.get("id") if isinstance(r, dict) else None for r, _ in merged.rules]
    duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidInput(
            f"policy {source}: rule {duplicates[0]!r} is defined twice", field="rules"
        )
    canonical = {"offences": offences.raw, "policy": merged.canonical}
    version = "sha256:" + hashlib.sha256(canonical_json(canonical)).hexdigest()
    return compile_policy(
        merged.data,
        rules=merged.rules,
        conditions=merged.conditions,
        max_days=merged.max_days,
        authority=merged.authority,
        canonical=canonical,
        version=version,
        source=source,
        offences=offences,
    )
