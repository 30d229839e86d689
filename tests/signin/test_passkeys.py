"""The passkey service with a software authenticator, on SQLite and PostgreSQL.

Enrolment checks origin, relying party and challenge; the second factor checks
those, that the passkey is the session's user's, and that its counter moves on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.errors import AuthenticationFailed, InvalidInput, NotFound, TooManyAttempts
from covergate.signin import passkeys
from covergate.signin.models import Passkey, SignInEvent, WebSession
from covergate.signin.schemas import (
    LOCKOUT_FAILURES,
    SessionStage,
    SignInMethod,
    SignInOutcome,
)
from covergate.signin.sessions import digest, find_session, open_session
from tests.signin.authenticator import Authenticator, b64url
from tests.world import World

ORIGIN = "https://covergate.example:8443"
RP = passkeys.RelyingParty.of(ORIGIN + "/")
ADDRESS = "192.0.2.7"


def _open(world: World, who: str, stage: SessionStage = SessionStage.ACTIVE) -> tuple[int, str]:
    with world.tx() as s:
        opened = open_session(
            session=s,
            clock=world.clock,
            user=world.user(s, who),
            method=SignInMethod.LINK if stage is SessionStage.ACTIVE else SignInMethod.PASSWORD,
            stage=stage,
        )
        return opened.row.id, opened.token


@contextmanager
def _row(world: World, row_id: int) -> Iterator[tuple[Session, WebSession]]:
    with world.tx() as s:
        row = s.get(WebSession, row_id)
        assert row is not None
        yield s, row


def _enrol(world: World, who: str, label: str = "Blue key") -> Authenticator:
    """``who`` enrols a new software key in a fresh session."""
    key = Authenticator(origin=ORIGIN, rp_id=RP.id)
    row_id, _token = _open(world, who)
    with _row(world, row_id) as (s, row):
        options = passkeys.registration_options(session=s, clock=world.clock, rp=RP, row=row)
    with _row(world, row_id) as (s, row):
        passkeys.register(
            session=s,
            clock=world.clock,
            rp=RP,
            row=row,
            label=label,
            credential=key.create(options),
        )
    return key


def _sign_in(world: World, who: str, key: Authenticator, **lie: object) -> int:
    """A SECOND_FACTOR session of ``who`` answers with ``key`` (failures commit)."""
    row_id, _token = _open(world, who, SessionStage.SECOND_FACTOR)
    with _row(world, row_id) as (s, row):
        options = passkeys.authentication_options(session=s, clock=world.clock, rp=RP, row=row)
    answer = key.get(options, **lie)  # type: ignore[arg-type]
    failure: AuthenticationFailed | TooManyAttempts | None = None
    with _row(world, row_id) as (s, row):
        try:
            passkeys.second_factor(
                session=s, clock=world.clock, rp=RP, row=row, credential=answer, address=ADDRESS
            )
        except (AuthenticationFailed, TooManyAttempts) as exc:
            failure = exc
    if failure is not None:
        raise failure
    return row_id


def _events(world: World) -> list[tuple[SignInMethod, SignInOutcome, str]]:
    with world.tx() as s:
        rows = s.scalars(select(SignInEvent).order_by(SignInEvent.id))
        return [(e.method, e.outcome, e.detail) for e in rows]


def _keys(world: World, who: str) -> list[Passkey]:
    with world.tx() as s:
        rows = list(s.scalars(select(Passkey).where(Passkey.user_id == world.people[who].id)))
        s.expunge_all()
        return rows


def test_the_relying_party_is_the_public_url() -> None:
    assert (RP.id, RP.origin) == ("covergate.example", "https://covergate.example:8443")
    local = passkeys.RelyingParty.of("http://localhost:8000")
    assert (local.id, local.origin) == ("localhost", "http://localhost:8000")
    assert passkeys.RelyingParty.of("https://staff.example/").origin == "https://staff.example"
    with pytest.raises(InvalidInput, match="http"):
        passkeys.RelyingParty.of("ftp://staff.example")
    with pytest.raises(InvalidInput, match="http"):
        passkeys.RelyingParty.of("https://staff.example:99999")
    for address in ("http://127.0.0.1:8000", "https://[::1]/"):
        with pytest.raises(InvalidInput, match="not the IP address"):
            passkeys.RelyingParty.of(address)


def test_enrolment_stores_the_key_and_verifies_the_session(world: World) -> None:
    row_id, _token = _open(world, "chief")
    with _row(world, row_id) as (s, row):
        options = json.loads(
            passkeys.registration_options(session=s, clock=world.clock, rp=RP, row=row)
        )
        assert row.challenge is not None
        assert b64url(row.challenge) == options["challenge"]
    assert options["rp"] == {"name": "covergate", "id": "covergate.example"}
    assert options["user"]["name"] == "chief@test.example"
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["excludeCredentials"] == []

    key = Authenticator(origin=ORIGIN, rp_id=RP.id)
    with _row(world, row_id) as (s, row):
        assert row.passkey_verified is False  # a one-time link session
        enrolled = passkeys.register(
            session=s,
            clock=world.clock,
            rp=RP,
            row=row,
            label="  Blue   key ",
            credential=key.create(options),
        )
        assert enrolled.label == "Blue key"
        assert row.passkey_verified is True  # enrolling proved possession
        assert row.challenge is None
    (stored,) = _keys(world, "chief")
    assert stored.credential_id == key.credential_id
    assert stored.sign_count == 0
    assert stored.last_used_at is None

    # The next enrolment excludes it, and the same name is refused.
    with _row(world, row_id) as (s, row):
        again = json.loads(
            passkeys.registration_options(session=s, clock=world.clock, rp=RP, row=row)
        )
        assert again["excludeCredentials"] == [
            {"id": b64url(key.credential_id), "type": "public-key"}
        ]
        with pytest.raises(InvalidInput, match="already have a passkey named") as info:
            passkeys.check_label(session=s, user=row.user, label="blue KEY")
        assert info.value.field == "label"


@pytest.mark.parametrize(
    ("lie", "match"),
    [
        ({"origin": "https://covergate.example.evil"}, "origin"),
        ({"origin": "http://covergate.example:8443"}, "origin"),
        ({"rp_id": "evil.example"}, "RP ID"),
        ({"challenge": b"\x00" * 40}, "challenge"),
    ],
)
def test_enrolment_refuses_another_origin_site_or_challenge(
    world: World, lie: dict[str, object], match: str
) -> None:
    row_id, _token = _open(world, "chief")
    with _row(world, row_id) as (s, row):
        options = passkeys.registration_options(session=s, clock=world.clock, rp=RP, row=row)
    key = Authenticator(origin=ORIGIN, rp_id=RP.id)
    with _row(world, row_id) as (s, row):
        with pytest.raises(InvalidInput, match=match) as info:
            passkeys.register(
                session=s,
                clock=world.clock,
                rp=RP,
                row=row,
                label="Blue key",
                credential=key.create(options, **lie),  # type: ignore[arg-type]
            )
        assert info.value.field == "credential"
        assert row.passkey_verified is False
    assert _keys(world, "chief") == []


def test_enrolment_refuses_a_stale_spent_or_missing_answer(world: World) -> None:
    row_id, _token = _open(world, "chief")
    key = Authenticator(origin=ORIGIN, rp_id=RP.id)
    with _row(world, row_id) as (s, row):
        options = passkeys.registration_options(session=s, clock=world.clock, rp=RP, row=row)
    world.clock.advance(passkeys.CHALLENGE_LIFETIME)
    with _row(world, row_id) as (s, row), pytest.raises(InvalidInput, match="expired"):
        passkeys.register(
            session=s, clock=world.clock, rp=RP, row=row, label="k", credential=key.create(options)
        )
    with _row(world, row_id) as (s, row):
        with pytest.raises(InvalidInput, match="needs JavaScript"):
            passkeys.register(
                session=s, clock=world.clock, rp=RP, row=row, label="k", credential=""
            )
        with pytest.raises(InvalidInput, match="not valid JSON"):
            passkeys.register(
                session=s, clock=world.clock, rp=RP, row=row, label="k", credential="[" * 10_000
            )
        with pytest.raises(InvalidInput, match="name the passkey") as info:
            passkeys.register(
                session=s, clock=world.clock, rp=RP, row=row, label=" ", credential=""
            )
        assert info.value.field == "label"


def test_a_key_enrolled_by_one_user_cannot_be_enrolled_again(world: World) -> None:
    key = _enrol(world, "chief")
    row_id, _token = _open(world, "auditor")
    with _row(world, row_id) as (s, row):
        options = passkeys.registration_options(session=s, clock=world.clock, rp=RP, row=row)
    with _row(world, row_id) as (s, row), pytest.raises(InvalidInput, match="already enrolled"):
        passkeys.register(
            session=s, clock=world.clock, rp=RP, row=row, label="k", credential=key.create(options)
        )


def test_the_second_factor_activates_the_session_with_a_new_token(world: World) -> None:
    key = _enrol(world, "chief")
    row_id, token = _open(world, "chief", SessionStage.SECOND_FACTOR)
    with _row(world, row_id) as (s, row):
        options = json.loads(
            passkeys.authentication_options(session=s, clock=world.clock, rp=RP, row=row)
        )
    assert options["rpId"] == "covergate.example"
    assert options["allowCredentials"] == [{"id": b64url(key.credential_id), "type": "public-key"}]
    assert options["userVerification"] == "preferred"
    world.clock.advance(timedelta(seconds=30))
    with _row(world, row_id) as (s, row):
        new_token = passkeys.second_factor(
            session=s,
            clock=world.clock,
            rp=RP,
            row=row,
            credential=key.get(options),
            address=ADDRESS,
        )
        assert row.stage is SessionStage.ACTIVE
        assert row.passkey_verified
        assert row.challenge is None
        assert row.digest == digest(new_token) != digest(token)
        assert find_session(session=s, clock=world.clock, token=token) is None
        assert find_session(session=s, clock=world.clock, token=new_token) is row
    (stored,) = _keys(world, "chief")
    assert stored.sign_count == 1
    assert stored.last_used_at == world.clock.now()
    assert _events(world)[-1] == (
        SignInMethod.PASSKEY,
        SignInOutcome.SUCCEEDED,
        "signed in with a passkey",
    )


def test_a_replayed_or_older_counter_is_refused_and_recorded(world: World) -> None:
    key = _enrol(world, "chief")
    _sign_in(world, "chief", key)
    _sign_in(world, "chief", key)
    assert _keys(world, "chief")[0].sign_count == 2
    for count in (2, 1):
        with pytest.raises(AuthenticationFailed, match=f"counter went back \\({count}, last 2\\)"):
            _sign_in(world, "chief", key, sign_count=count)
    method, outcome, detail = _events(world)[-1]
    assert (method, outcome) == (SignInMethod.PASSKEY, SignInOutcome.FAILED)
    assert "counter went back" in detail
    assert _keys(world, "chief")[0].sign_count == 2
    _sign_in(world, "chief", key, sign_count=7)  # a jump forward is fine
    assert _keys(world, "chief")[0].sign_count == 7


def test_a_key_without_a_counter_keeps_zero(world: World) -> None:
    key = _enrol(world, "chief")
    _sign_in(world, "chief", key, counter_step=0)
    _sign_in(world, "chief", key, counter_step=0)
    assert _keys(world, "chief")[0].sign_count == 0


def test_another_users_key_is_refused(world: World) -> None:
    _enrol(world, "chief")
    auditors = _enrol(world, "auditor")
    with pytest.raises(AuthenticationFailed, match="not enrolled for your account"):
        _sign_in(world, "chief", auditors)
    with pytest.raises(AuthenticationFailed, match="not enrolled for your account"):
        _sign_in(world, "chief", Authenticator(origin=ORIGIN, rp_id=RP.id))  # never enrolled
    assert _events(world)[-1][1] is SignInOutcome.FAILED


@pytest.mark.parametrize(
    ("lie", "match"),
    [({"origin": "https://phish.example"}, "origin"), ({"rp_id": "phish.example"}, "RP ID")],
)
def test_the_second_factor_refuses_a_look_alike_site(
    world: World, lie: dict[str, object], match: str
) -> None:
    key = _enrol(world, "chief")
    with pytest.raises(AuthenticationFailed, match=match):
        _sign_in(world, "chief", key, **lie)


def test_a_forged_signature_and_a_spent_challenge_are_refused(world: World) -> None:
    key = _enrol(world, "chief")
    row_id, _token = _open(world, "chief", SessionStage.SECOND_FACTOR)
    with _row(world, row_id) as (s, row):
        options = passkeys.authentication_options(session=s, clock=world.clock, rp=RP, row=row)
    forged = Authenticator(origin=ORIGIN, rp_id=RP.id, credential_id=key.credential_id)
    with _row(world, row_id) as (s, row), pytest.raises(AuthenticationFailed, match="signature"):
        passkeys.second_factor(
            session=s,
            clock=world.clock,
            rp=RP,
            row=row,
            credential=forged.get(options),
            address=ADDRESS,
        )
    with _row(world, row_id) as (s, row):
        row.challenge = None  # as the failure above left it, once committed
    with _row(world, row_id) as (s, row), pytest.raises(AuthenticationFailed, match="expired"):
        passkeys.second_factor(
            session=s,
            clock=world.clock,
            rp=RP,
            row=row,
            credential=key.get(options),
            address=ADDRESS,
        )


def test_failed_passkeys_lock_the_account(world: World) -> None:
    key = _enrol(world, "chief")
    for _ in range(LOCKOUT_FAILURES):
        with pytest.raises(AuthenticationFailed):
            _sign_in(world, "chief", key, origin="https://phish.example")
    with pytest.raises(TooManyAttempts, match="locked"):
        _sign_in(world, "chief", key)
    assert _events(world)[-1][1] is SignInOutcome.LOCKED


def test_an_active_session_owes_no_passkey(world: World) -> None:
    key = _enrol(world, "chief")
    row_id, _token = _open(world, "chief")
    with _row(world, row_id) as (s, row), pytest.raises(AuthenticationFailed, match="owes no"):
        passkeys.second_factor(
            session=s,
            clock=world.clock,
            rp=RP,
            row=row,
            credential=key.get({"challenge": "x", "rpId": RP.id}),
            address=ADDRESS,
        )


def test_removal_keeps_the_last_key_a_role_must_have(world: World) -> None:
    _enrol(world, "chief", "Blue key")
    _enrol(world, "chief", "Green key")
    blue, green = _keys(world, "chief")
    with world.tx() as s:
        chief = world.user(s, "chief")
        assert (
            passkeys.remove(session=s, user=chief, passkey_id=blue.id, require_passkey=True).label
            == "Blue key"
        )
    with world.tx() as s:
        chief = world.user(s, "chief")
        with pytest.raises(InvalidInput, match="approvers must have a passkey") as info:
            passkeys.remove(session=s, user=chief, passkey_id=green.id, require_passkey=True)
        assert info.value.field == "remove"
        with pytest.raises(NotFound):
            passkeys.remove(
                session=s, user=world.user(s, "auditor"), passkey_id=green.id, require_passkey=False
            )
    with world.tx() as s:  # with the requirement off, the last one may go
        passkeys.remove(
            session=s, user=world.user(s, "chief"), passkey_id=green.id, require_passkey=False
        )
    assert _keys(world, "chief") == []


def test_a_requester_may_remove_their_only_key(world: World) -> None:
    _enrol(world, "fbi")
    (only,) = _keys(world, "fbi")
    with world.tx() as s:
        passkeys.remove(
            session=s, user=world.user(s, "fbi"), passkey_id=only.id, require_passkey=True
        )
    assert _keys(world, "fbi") == []
