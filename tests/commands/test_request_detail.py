"""``request show``'s text: values as people read them, not Python's reprs."""

from __future__ import annotations

from typing import Any

import pytest

from covergate.commands.common import console
from covergate.commands.request_detail import show_detail

ID = "fa8c2ed66debff4dc0e1105264fc53d5"


def _detail(**changes: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "id": ID,
        "kind": "mail_cover",
        "state": "active",
        "admissible": True,
        "extends": None,
        "authorised": {
            "days": 30,
            "active_from": "2026-12-03",
            "active_until": "2027-01-01",
            "categories": ["mail_exterior", "postmark"],
        },
        "observations": 4,
        "refused_observations": {"outside_window": 2, "wrong_address": 1},
        "policy": {
            "policy": "safeguards-2026",
            "findings": [
                {"rule": "r1", "outcome": "pass", "citation": "c", "message": "m"},
                {"rule": "r2", "outcome": "pass", "citation": "c", "message": "m"},
            ],
            "obligations": [],
        },
    }
    return detail | changes


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # One row per line whatever the terminal running the tests (Rich's own width slot,
    # so that the console is as it was afterwards).
    monkeypatch.setattr(console, "_width", 200)


def _lines(capsys: pytest.CaptureFixture[str], detail: dict[str, Any]) -> list[str]:
    show_detail(detail, as_json=False)
    return [line.strip() for line in capsys.readouterr().out.splitlines()]


def _row(lines: list[str], key: str) -> str:
    return next(line for line in lines if line.split()[0] == key).removeprefix(key).strip()


def test_values_are_words_not_reprs(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(capsys, _detail())
    assert _row(lines, "admissible") == "yes"
    assert _row(lines, "extends") == "-"
    assert _row(lines, "authorised") == (
        "30 days, window 2026-12-03 to 2027-01-01, mail_exterior, postmark"
    )
    assert _row(lines, "observations") == (
        "4 recorded, 3 refused (outside_window 2, wrong_address 1)"
    )
    assert not any(mark in line for line in lines for mark in ("None", "{", "["))


def test_no_refusals_and_no_failed_rule_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(capsys, _detail(refused_observations={}))
    assert _row(lines, "observations") == "4 recorded, 0 refused"
    assert "safeguards-2026: all 2 rules passed" in lines
    assert not any("┃ rule" in line for line in lines)  # no empty findings table


def test_a_failed_rule_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    policy = _detail()["policy"] | {
        "findings": [{"rule": "r9", "outcome": "fail", "citation": "39 CFR", "message": "no"}]
    }
    lines = _lines(capsys, _detail(policy=policy))
    assert any(line.startswith("│ r9") and "fail" in line for line in lines)
    assert not any("rules passed" in line for line in lines)
