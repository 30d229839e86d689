"""The offence table: LAW.md's list exactly, lookups by normalised citation."""

from __future__ import annotations

import pytest

from covergate.errors import InvalidInput
from covergate.policy.offences import (
    OffenceMatch,
    OffenceTable,
    bundled_offences,
    normalise_statute,
)

LAW_MD = {  # LAW.md, "Reference facts for offences"
    "18 U.S.C. 1341": 240,
    "18 U.S.C. 1708": 60,
    "26 U.S.C. 7201": 60,
    "8 U.S.C. 1324(a)": 60,
    "8 U.S.C. 1325(a)": 6,
    "8 U.S.C. 1326(a)": 24,
    "21 U.S.C. 841(b)(1)(C)": 240,
    "18 U.S.C. 1956": 240,
}


def test_law_md_list_is_in_the_table() -> None:
    table = bundled_offences()
    for statute, months in LAW_MD.items():
        offence = table.find(statute)
        assert offence is not None, statute
        assert offence.max_months == months, statute
    assert table.find("18 U.S.C. 1341").higher_max_months == (360,)  # type: ignore[union-attr]
    assert table.find("8 U.S.C. 1325(a)").higher_max_months == (24,)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("18 U.S.C. 1341", "18usc1341"),
        ("18 USC § 1341(a)", "18usc1341(a)"),
        ("18 U.S. Code § 1343", "18usc1343"),
        ("8 u.s.c. sec. 1326(a)", "8usc1326(a)"),
        ("Cal. Penal Code 484", "calpenalcode484"),
    ],
)
def test_normalise(text: str, key: str) -> None:
    assert normalise_statute(text) == key


def test_lookup_falls_back_to_the_listed_section() -> None:
    table = bundled_offences()
    assert table.find("18 U.S.C. 1341(a)").statute == "18 U.S.C. 1341"  # type: ignore[union-attr]
    wider = table.find("8 U.S.C. 1326")
    assert wider is not None
    assert wider.open_ended
    assert table.find("18 U.S.C. 9999") is None


def test_match_and_effective_months() -> None:
    mail_fraud = bundled_offences().find("18 U.S.C. 1341")
    assert mail_fraud is not None
    assert mail_fraud.match(240) is OffenceMatch.AGREES
    assert mail_fraud.match(360) is OffenceMatch.HIGHER_TIER
    assert mail_fraud.match(6) is OffenceMatch.DISAGREES
    assert mail_fraud.match(None) is OffenceMatch.NO_CLAIM
    assert mail_fraud.effective_months(None) == 240
    assert mail_fraud.effective_months(1000) == 360
    assert mail_fraud.effective_months(6) == 6


def test_bad_table_is_rejected() -> None:
    with pytest.raises(InvalidInput, match=r"offences\[0\]\.max_months: required"):
        OffenceTable.from_data(
            {"offences": [{"statute": "x", "description": "y", "source": "z"}]}, source="t"
        )
