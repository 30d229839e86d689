"""The entry format: only typed public fields, and a commitment to the rest."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from covergate.document import Ground, ProcessType, RequestKind
from covergate.errors import InvalidInput
from covergate.lifecycle.events import REQUEST_EVENTS, PublicEvent
from covergate.tlog.bundles import MAX_ENTRY_SIZE
from covergate.transparency.entries import (
    COMMITMENT_TAG,
    canonical_record,
    check_commitment,
    commitment,
    encode_entry,
    new_salt,
)
from tests.transparency.factories import event

ENTRY_KEYS = {
    "event", "request", "date", "agency", "kind", "ground", "legal_process",
    "policy", "policy_version", "outcome", "state", "commitment",
}  # fmt: skip

# Distinctive private strings: a marker no public field can contain, plus noise.
private_text = st.builds(
    lambda noise: "Zq" + noise, st.text(min_size=3, max_size=40).filter(lambda s: s.strip())
)
private_values = st.recursive(
    st.one_of(private_text, st.integers(-(2**53) + 1, 2**53 - 1), st.booleans(), st.none()),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(private_text, children, max_size=3)
    ),
    max_leaves=10,
)
private_records = st.dictionaries(private_text, private_values, min_size=1, max_size=6)

public_events = st.builds(
    PublicEvent,
    event=st.sampled_from(sorted(REQUEST_EVENTS)),
    request_id=st.text("0123456789abcdef", min_size=32, max_size=32),
    day=st.dates(),
    # An agency is public free text: it must not hold the private marker itself.
    agency=st.from_regex(r"[A-Za-z][A-Za-z0-9.,&'()/-]{0,40}", fullmatch=True).filter(
        lambda s: "Zq" not in s
    ),
    kind=st.sampled_from(RequestKind),
    ground=st.sampled_from(Ground),
    legal_process=st.none() | st.sampled_from(ProcessType),
    policy=st.none() | st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True),
    policy_version=st.none() | st.just("sha256:" + "0" * 64),
    outcome=st.none() | st.sampled_from(["approved", "denied", "modified"]),
    state=st.none() | st.sampled_from(["submitted", "active", "closed"]),
)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@settings(max_examples=300, deadline=None)
@given(public_events, private_records)
def test_no_private_string_reaches_an_entry(e: PublicEvent, record: dict[str, object]) -> None:
    salt = new_salt()
    canonical = canonical_record(record)
    entry = encode_entry(e, commitment(salt, canonical))
    parsed = json.loads(entry)
    # Only the public fields, in canonical form.
    assert set(parsed) == ENTRY_KEYS
    assert rfc8785.dumps(parsed) == entry
    assert len(entry) <= MAX_ENTRY_SIZE
    # No private string, nor its JSON-escaped form, appears anywhere in the entry.
    for s in _strings(record):
        assert s.encode() not in entry
        assert json.dumps(s)[1:-1].encode() not in entry
    assert b"Zq" not in entry
    # And the commitment opens with the salt and the canonical private record.
    assert check_commitment(entry, salt, canonical)
    assert not check_commitment(entry, new_salt(), canonical)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_agency_must_be_a_short_name(agency: str) -> None:
    try:
        event(agency=agency)
    except InvalidInput:
        return
    assert len(agency) <= 80
    assert "\n" not in agency
    assert agency == agency.strip()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("request_id", "0" * 31),
        ("request_id", "G" * 32),
        ("request_id", "0" * 32 + "\n"),
        ("agency", "Jordan Example, 12 Elm Street, Springfield IL 62704 " * 3),
        ("agency", "FBI\nsubject: Jordan"),
        ("agency", "  FBI"),
        ("day", datetime(2026, 1, 5, 9, 30)),
        ("day", "2026-01-05"),
        ("kind", "mail_cover"),
        ("ground", "crime"),
        ("legal_process", "subpoena"),
        ("policy", "Safeguards 2026 with notes"),
        ("outcome", "denied because the subject lives at 12 Elm Street"),
        ("state", "Active"),
    ],
)
def test_public_event_rejects_anything_but_its_typed_fields(field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        event(**{field: value})


def test_commitment_is_sha256_of_tag_salt_and_canonical_record() -> None:
    import hashlib

    record = {"b": [1, "é"], "a": date(2026, 1, 5)}
    canonical = canonical_record(record)
    assert canonical == '{"a":"2026-01-05","b":[1,"é"]}'.encode()
    salt = bytes(range(32))
    assert commitment(salt, canonical) == hashlib.sha256(COMMITMENT_TAG + salt + canonical).digest()


def test_entry_is_canonical_json_of_the_public_fields() -> None:
    e = event(request_id="0f" * 16, agency="FBI", outcome="approved", state="active")
    entry = encode_entry(e, commitment(bytes(32), b"{}"))
    parsed = json.loads(entry)
    assert parsed["request"] == "0f" * 16
    assert parsed["date"] == "2026-01-05"
    assert parsed["kind"] == "mail_cover"
    assert parsed["ground"] == "crime"
    assert parsed["legal_process"] == "court_order"
    assert len(parsed["commitment"]) == 64
    assert entry.startswith(b'{"agency":"FBI","commitment":"')


def test_private_record_must_be_json() -> None:
    with pytest.raises(InvalidInput):
        canonical_record({"x": object()})
    with pytest.raises(InvalidInput):
        canonical_record({"x": 2**60})


_json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json_values = st.recursive(
    _json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=5))
def test_canonical_record_is_exactly_rfc8785(record: dict[str, object]) -> None:
    """The fast path must give the reference's bytes, or the reference's refusal."""
    try:
        expected: bytes | None = bytes(rfc8785.dumps(record))
    except rfc8785.CanonicalizationError:
        expected = None
    if expected is None:
        with pytest.raises(InvalidInput):
            canonical_record(record)
    else:
        assert canonical_record(record) == expected


def test_canonical_record_orders_keys_by_utf16_like_rfc8785() -> None:
    record = {"\U0001f600": 1, "\uffff": 2, "a": 3, "\u00e9": 4}  # non-BMP key: reference path
    assert canonical_record(record) == bytes(rfc8785.dumps(record))
