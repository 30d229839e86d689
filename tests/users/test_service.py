"""Users, their bearer tokens and authentication, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from covergate.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from covergate.users import service as users
from covergate.users.models import ApiToken, User
from covergate.users.schemas import Delegation, Role, with_article
from tests.world import COURT, FBI, OTHER_COURT, World


def user_count(world: World) -> int:
    with world.tx() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def add(world: World, **kw: Any) -> User:
    fields: dict[str, Any] = {"email": "new@test.example", "name": "New Person"}
    fields.update(kw)
    with world.tx() as s:
        agency = kw.pop("agency", None)
        if agency == "fbi":
            fields["agency"] = world.user(s, "fbi").agency
        return users.add_user(session=s, clock=world.clock, **fields)


def authenticate(world: World, token: str | None) -> User:
    with world.tx() as s:
        return users.authenticate(session=s, token=token, clock=world.clock)


# --- adding users ---


def test_a_user_is_added_with_a_stripped_name(world: World) -> None:
    user = add(world, name="  Robin Roe  ", role=Role.REQUESTER, agency="fbi")
    with world.tx() as s:
        stored = users.get_by_email(session=s, email="new@test.example")
        assert stored.id == user.id
        assert stored.name == "Robin Roe"
        assert stored.role is Role.REQUESTER
        assert stored.delegation is None
        assert stored.agency is not None
        assert stored.agency.name == FBI
        assert stored.created_at.replace(tzinfo=UTC) == world.clock.now()
        assert stored.disabled_at is None


def test_an_approver_keeps_its_delegation(world: World) -> None:
    add(world, role=Role.APPROVER, delegation=Delegation.HEADQUARTERS_DESIGNEE)
    with world.tx() as s:
        stored = users.get_by_email(session=s, email="new@test.example")
        assert stored.delegation is Delegation.HEADQUARTERS_DESIGNEE
        assert stored.agency_id is None


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"email": "not-an-email", "role": Role.REVIEWER}, "email", "not an email address: 'not-"),
        ({"email": "a b@x.example", "role": Role.REVIEWER}, "email", "not an email address"),
        ({"email": "a@localhost", "role": Role.REVIEWER}, "email", "not an email address"),
        ({"name": "   ", "role": Role.REVIEWER}, "name", "name must not be empty"),
        ({"role": Role.REQUESTER}, "agency", "a requester must belong to an agency"),
        ({"role": Role.REVIEWER, "agency": "fbi"}, "agency", "does not belong to an agency"),
        ({"role": Role.APPROVER}, "delegation", r"needs a written delegation.*233\.3\(d\)"),
        (
            {"role": Role.REVIEWER, "delegation": Delegation.INSPECTOR_IN_CHARGE},
            "delegation",
            "cannot hold a delegation",
        ),
        (
            {
                "role": Role.REQUESTER,
                "agency": "fbi",
                "delegation": Delegation.HEADQUARTERS_DESIGNEE,
            },
            "delegation",
            "cannot hold a delegation",
        ),
    ],
)
def test_invalid_users_are_refused(
    world: World, kw: dict[str, Any], field: str, message: str
) -> None:
    before = user_count(world)
    with pytest.raises(InvalidInput, match=message) as caught:
        add(world, **kw)
    assert caught.value.field == field
    assert user_count(world) == before


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"role": Role.AUDITOR, "agency": "fbi"}, "an auditor does not belong to an agency"),
        (
            {"role": Role.OBSERVER, "delegation": Delegation.INSPECTOR_IN_CHARGE},
            "an observer cannot hold a delegation",
        ),
    ],
)
def test_refusal_messages_use_the_right_article(
    world: World, kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        add(world, **kw)
    assert str(caught.value) == message


def test_an_email_is_taken_only_once(world: World) -> None:
    before = user_count(world)
    with pytest.raises(
        Conflict, match=re.escape("a user with email reviewer@test.example already exists")
    ):
        add(world, email="reviewer@test.example", role=Role.AUDITOR)
    assert user_count(world) == before


def test_get_by_email_finds_only_an_exact_address(world: World) -> None:
    with world.tx() as s:
        assert users.get_by_email(session=s, email="osg@test.example").role is Role.APPROVER
        with pytest.raises(NotFound, match=re.escape("no user with email nobody@test.example")):
            users.get_by_email(session=s, email="nobody@test.example")


def test_with_article() -> None:
    assert [with_article(r) for r in Role] == [
        "a requester",
        "a reviewer",
        "an approver",
        "an observer",
        "an auditor",
        "an admin",
        "a court",
    ]


# --- tokens ---


def test_a_token_is_shown_once_and_stored_only_as_its_digest(world: World) -> None:
    with world.tx() as s:
        user = world.user(s, "auditor")
        token = users.create_token(session=s, clock=world.clock, user=user, label="laptop")
    assert token.startswith(users.TOKEN_PREFIX)
    assert len(token) > 40
    with world.tx() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.label == "laptop"))
        assert row is not None
        assert row.digest == hashlib.sha256(token.encode()).digest() == users.token_digest(token)
        assert row.user_id == world.people["auditor"].id
        assert row.revoked_at is None
        every_value = [v for t in s.scalars(select(ApiToken)) for v in vars(t).values()]
    assert not any(isinstance(v, str) and token in v for v in every_value)
    assert not any(isinstance(v, bytes) and token.encode() in v for v in every_value)


def test_each_token_is_new_and_every_one_authenticates(world: World) -> None:
    with world.tx() as s:
        user = world.user(s, "reviewer")
        fresh = [users.create_token(session=s, clock=world.clock, user=user) for _ in range(3)]
    tokens = [world.tokens["reviewer"], *fresh]
    assert len(set(tokens)) == 4
    for token in tokens:
        assert authenticate(world, token).id == world.people["reviewer"].id


def test_every_user_authenticates_as_themselves(world: World) -> None:
    for key, token in world.tokens.items():
        user = authenticate(world, token)
        assert (user.id, user.email) == (world.people[key].id, f"{key}@test.example")


def test_surrounding_whitespace_is_ignored(world: World) -> None:
    token = world.tokens["fbi"]
    assert authenticate(world, f"  {token}\n").id == world.people["fbi"].id


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_is_refused(world: World, token: str | None) -> None:
    with pytest.raises(AuthenticationFailed, match="a bearer token is required"):
        authenticate(world, token)


def test_an_unknown_or_altered_token_is_refused(world: World) -> None:
    token = world.tokens["auditor"]
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in ("cg_nothing", altered, token[len(users.TOKEN_PREFIX) :], token.upper()):
        with pytest.raises(AuthenticationFailed, match="the token is not valid"):
            authenticate(world, bad)


def test_a_revoked_token_is_refused_and_others_still_work(world: World) -> None:
    with world.tx() as s:
        user = world.user(s, "fbi")
        spare = users.create_token(session=s, clock=world.clock, user=user, label="spare")
    with world.tx() as s:
        row = s.scalar(
            select(ApiToken).where(ApiToken.digest == users.token_digest(world.tokens["fbi"]))
        )
        assert row is not None
        row.revoked_at = datetime(2026, 1, 3, tzinfo=UTC)
    with pytest.raises(AuthenticationFailed, match="the token is not valid"):
        authenticate(world, world.tokens["fbi"])
    assert authenticate(world, spare).id == world.people["fbi"].id
    assert authenticate(world, world.tokens["fbi2"]).id == world.people["fbi2"].id


def test_a_disabled_user_is_refused_with_every_token(world: World) -> None:
    with world.tx() as s:
        user = world.user(s, "osg")
        spare = users.create_token(session=s, clock=world.clock, user=user)
        user.disabled_at = world.clock.now()
    for token in (world.tokens["osg"], spare):
        with pytest.raises(AuthenticationFailed, match="the token is not valid"):
            authenticate(world, token)
    assert authenticate(world, world.tokens["chief"]).role is Role.APPROVER


# --- managing accounts: listing, revoking, disabling, expiry ---


def token_row(world: World, key: str) -> ApiToken:
    with world.tx() as s:
        row = s.scalar(
            select(ApiToken).where(ApiToken.digest == users.token_digest(world.tokens[key]))
        )
        assert row is not None
        s.expunge(row)
        return row


def test_tokens_are_listed_by_a_short_id_never_by_their_secret(world: World) -> None:
    with world.tx() as s:
        listed = [
            users.token_as_dict(t, clock=world.clock)
            for t in users.list_tokens(session=s, clock=world.clock)
        ]
    assert len(listed) == len(world.tokens)
    fbi = next(t for t in listed if t["user"] == "fbi@test.example")
    digest = users.token_digest(world.tokens["fbi"])
    assert fbi["id"] == digest.hex()[:12]
    assert fbi == {
        "id": fbi["id"],
        "user": "fbi@test.example",
        "label": "cli",
        "created": "2026-01-02T09:00:00+00:00",
        "expires": None,
        "revoked": None,
        "status": "active",
    }
    text = repr(listed)
    assert not any(token in text or token[-8:] in text for token in world.tokens.values())


def test_a_revoked_token_is_refused_at_once_and_says_so(world: World) -> None:
    tid = users.token_id(token_row(world, "fbi"))
    world.clock.advance(timedelta(hours=1))
    with world.tx() as s:
        revoked = users.revoke_token(session=s, clock=world.clock, token_id=tid)
        assert revoked.revoked_at == world.clock.now()
    with pytest.raises(AuthenticationFailed, match="the token is not valid: it was revoked"):
        authenticate(world, world.tokens["fbi"])
    assert authenticate(world, world.tokens["fbi2"]).id == world.people["fbi2"].id
    with world.tx() as s:
        (row,) = [
            t for t in users.list_tokens(session=s, clock=world.clock) if users.token_id(t) == tid
        ]
        assert users.token_as_dict(row, clock=world.clock)["status"] == "revoked"
        with pytest.raises(Conflict, match=f"token {tid} was already revoked"):
            users.revoke_token(session=s, clock=world.clock, token_id=tid)


def test_a_token_can_be_revoked_by_its_own_text(world: World) -> None:
    with world.tx() as s:
        users.revoke_token(session=s, clock=world.clock, token_id=world.tokens["dea"])
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticate(world, world.tokens["dea"])


@pytest.mark.parametrize("bad", ["0000000000ff", "zz", ""])
def test_revoking_an_unknown_token_is_refused(world: World, bad: str) -> None:
    with world.tx() as s, pytest.raises((NotFound, InvalidInput)):
        users.revoke_token(session=s, clock=world.clock, token_id=bad)
    with world.tx() as s:
        assert all(t.revoked_at is None for t in s.scalars(select(ApiToken)))


def test_a_disabled_user_is_refused_with_every_token_until_enabled(world: World) -> None:
    with world.tx() as s:
        user = world.user(s, "osg")
        spare = users.create_token(session=s, clock=world.clock, user=user)
        users.disable_user(session=s, clock=world.clock, user=user)
        assert user.disabled_at == world.clock.now()
    for token in (world.tokens["osg"], spare):
        with pytest.raises(AuthenticationFailed, match=r"the account \S+ is disabled"):
            authenticate(world, token)
    with world.tx() as s:
        with pytest.raises(Conflict, match=re.escape("osg@test.example is already disabled")):
            users.disable_user(session=s, clock=world.clock, user=world.user(s, "osg"))
        listed = {
            u["email"]: u
            for u in (users.user_as_dict(v, clock=world.clock) for v in users.list_users(session=s))
        }
        assert listed["osg@test.example"]["disabled"] == "2026-01-02T09:00:00+00:00"
        assert listed["chief@test.example"]["disabled"] is None
        assert listed["osg@test.example"]["role"] == "approver"
        assert listed["osg@test.example"]["tokens"] == 2
        users.enable_user(session=s, user=world.user(s, "osg"))
    for token in (world.tokens["osg"], spare):
        assert authenticate(world, token).id == world.people["osg"].id
    with world.tx() as s, pytest.raises(Conflict, match="is not disabled"):
        users.enable_user(session=s, user=world.user(s, "osg"))


def test_a_court_user_is_shown_with_its_court_and_no_one_else_with_one(world: World) -> None:
    with world.tx() as s:
        listed = {
            u["email"]: u
            for u in (users.user_as_dict(v, clock=world.clock) for v in users.list_users(session=s))
        }
    assert listed["court@test.example"]["court"] == COURT
    assert listed["court2@test.example"]["court"] == OTHER_COURT
    assert {e for e, u in listed.items() if u["court"] is not None} == {
        "court@test.example",
        "court2@test.example",
    }


def test_an_expired_token_is_refused_with_a_message_saying_so(world: World) -> None:
    with world.tx() as s:
        user = world.user(s, "reviewer")
        expires = users.expiry(2, clock=world.clock)
        token = users.create_token(session=s, clock=world.clock, user=user, expires_at=expires)
    assert expires == world.clock.now() + timedelta(days=2)

    def check() -> User:
        with world.tx() as s:
            return users.authenticate(session=s, token=token, clock=world.clock)

    assert check().id == world.people["reviewer"].id
    world.clock.advance(timedelta(days=2) - timedelta(seconds=1))
    assert check().id == world.people["reviewer"].id
    world.clock.advance(timedelta(seconds=1))
    with pytest.raises(
        AuthenticationFailed, match="the token is not valid: it expired on 2026-01-04 09:00 UTC"
    ):
        check()
    with world.tx() as s:
        (row,) = [
            t for t in users.list_tokens(session=s, clock=world.clock) if t.expires_at is not None
        ]
        shown = users.token_as_dict(row, clock=world.clock)
        assert shown["status"] == "expired"
        assert shown["expires"] == "2026-01-04T09:00:00+00:00"
        active = users.list_tokens(session=s, active_only=True, clock=world.clock)
        assert row.id not in {t.id for t in active}


def test_an_expiry_is_days_or_a_date_through_its_end(world: World) -> None:
    now = world.clock.now()
    assert users.parse_expiry("30", clock=world.clock) == now + timedelta(days=30)
    assert users.parse_expiry("30d", clock=world.clock) == now + timedelta(days=30)
    assert users.parse_expiry("2026-01-02", clock=world.clock) == datetime(2026, 1, 3, tzinfo=UTC)
    assert users.parse_expiry("2027-06-30", clock=world.clock) == datetime(2027, 7, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "at least 1 day"),
        ("-3", "days or a date"),
        ("soon", "days or a date"),
        ("2026-01-01", "2026-01-01 is in the past"),
        ("99999", "at most 3650 days"),
    ],
)
def test_a_bad_expiry_is_refused(world: World, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        users.parse_expiry(text, clock=world.clock)
    assert caught.value.field == "expires"


def test_a_token_cannot_be_issued_already_expired(world: World) -> None:
    with world.tx() as s, pytest.raises(InvalidInput, match="expiry must be in the future"):
        users.create_token(
            session=s,
            clock=world.clock,
            user=world.user(s, "auditor"),
            expires_at=world.clock.now(),
        )


def test_the_tokens_of_some_users_are_revoked_together(world: World) -> None:
    with world.tx() as s:
        chosen = [world.user(s, "fbi"), world.user(s, "dea")]
        assert users.revoke_tokens_of(session=s, clock=world.clock, users=chosen) == 2
        assert users.revoke_tokens_of(session=s, clock=world.clock, users=chosen) == 0
    for key in ("fbi", "dea"):
        with pytest.raises(AuthenticationFailed):
            authenticate(world, world.tokens[key])
    assert authenticate(world, world.tokens["fbi2"]).id == world.people["fbi2"].id
