"""Sealed entries: what they show, and that they open to one text only."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covergate.errors import InvalidInput, MalformedLogData
from covergate.lifecycle.sealing import (
    details_key_sha256,
    is_sealed,
    new_details_key,
    open_fields,
    seal_fields,
)
from covergate.transparency.schemas import check_public_fields

INNER = {
    "event": "decided",
    "request": "ab" * 16,
    "date": "2026-03-05",
    "agency": "Smallville PD",
    "kind": "mail_cover",
    "ground": "crime",
    "legal_process": "court_order",
    "policy": "safeguards-2026",
    "policy_version": "sha256:00",
    "outcome": "approved",
    "state": "approved",
}


class _Record:
    def __init__(self, fields: dict[str, object]) -> None:
        self.fields = fields

    def public_fields(self) -> dict[str, object]:
        return self.fields


def test_a_sealed_entry_shows_month_level_event_and_the_decision_only() -> None:
    key = new_details_key()
    outer = seal_fields(INNER, key=key, level="local")
    assert is_sealed(outer)
    visible = {k: v for k, v in outer.items() if k != "sealed"}
    assert visible == {
        "details_key_sha256": details_key_sha256(key),
        "event": "decided",
        "level": "local",
        "month": "2026-03",
        "outcome": "approved",
        "request": "ab" * 16,
    }
    text = json.dumps(outer)
    for secret in ("Smallville", "2026-03-05", "crime", "court_order", "mail_cover"):
        assert secret not in text
    # The log's own guard accepts it (the long ciphertext is the one allowed long field).
    check_public_fields(_Record(dict(outer)))  # type: ignore[arg-type]
    assert open_fields(outer, key) == INNER


def test_only_a_decision_shows_its_outcome() -> None:
    outer = seal_fields({**INNER, "event": "notice_served", "outcome": "late"},
                        key=new_details_key(), level="state")  # fmt: skip
    assert outer["outcome"] is None


def test_the_nonce_is_fresh_each_time() -> None:
    key = new_details_key()
    assert seal_fields(INNER, key=key, level="local") != seal_fields(INNER, key=key, level="local")


def test_another_key_does_not_open_it() -> None:
    outer = seal_fields(INNER, key=new_details_key(), level="local")
    with pytest.raises(MalformedLogData, match="does not match the sealed entry's commitment"):
        open_fields(outer, new_details_key())


@pytest.mark.parametrize(
    ("field", "value"),
    [("month", "2026-04"), ("level", "federal"), ("event", "started"), ("outcome", "denied"),
     ("request", "cd" * 16)],
)  # fmt: skip
def test_a_changed_visible_field_does_not_open(field: str, value: str) -> None:
    key = new_details_key()
    outer = {**seal_fields(INNER, key=key, level="local"), field: value}
    with pytest.raises(MalformedLogData, match="does not open with its details key"):
        open_fields(outer, key)


def test_a_changed_ciphertext_byte_does_not_open() -> None:
    key = new_details_key()
    outer = seal_fields(INNER, key=key, level="local")
    blob = bytearray(base64.b64decode(str(outer["sealed"])))
    blob[20] ^= 1
    outer["sealed"] = base64.b64encode(bytes(blob)).decode()
    with pytest.raises(MalformedLogData, match="does not open"):
        open_fields(outer, key)


def test_an_entry_sealed_for_another_event_is_refused_when_opened() -> None:
    # Visible fields that disagree with what was sealed (a log that wrote them so).
    key = new_details_key()
    outer = seal_fields({**INNER, "date": "2026-04-01"}, key=key, level="local")
    assert outer["month"] == "2026-04"
    forged = seal_fields(INNER, key=key, level="local")
    forged_visible = {**outer, "sealed": forged["sealed"]}
    with pytest.raises(MalformedLogData):
        open_fields(forged_visible, key)


@pytest.mark.parametrize(
    "outer",
    [{}, {"sealed": "!!"}, {"month": "2026-13"}, {"sealed": "AAAA"}],
)
def test_malformed_sealed_entries_are_refused(outer: dict[str, object]) -> None:
    key = new_details_key()
    base = dict(seal_fields(INNER, key=key, level="local"))
    with pytest.raises(MalformedLogData):
        open_fields({**base, **outer} if outer else {}, key)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInput, match="jurisdiction level"):
        seal_fields(INNER, key=new_details_key(), level="county")
    with pytest.raises(InvalidInput, match="32 bytes"):
        details_key_sha256(b"short")
    with pytest.raises(InvalidInput, match="names its event, request and date"):
        seal_fields({"event": "submitted"}, key=new_details_key(), level="local")


_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=100)


@given(
    agency=_TEXT,
    day=st.dates().map(lambda d: d.isoformat()),
    extra=st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True), _TEXT, max_size=5),
    level=st.sampled_from(["federal", "state", "local"]),
)
def test_whatever_is_sealed_opens_back_exactly(
    agency: str, day: str, extra: dict[str, str], level: str
) -> None:
    inner = {**extra, "event": "submitted", "request": "ef" * 16, "date": day, "agency": agency}
    key = new_details_key()
    outer = seal_fields(inner, key=key, level=level)
    assert outer["month"] == day[:7]
    assert open_fields(outer, key) == inner
