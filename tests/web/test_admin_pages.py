"""The admins' pages: users, adding one, disabling, sessions, tokens, links, passkeys."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from covergate.errors import AuthenticationFailed
from covergate.signin.models import Passkey, SignInEvent
from covergate.signin.schemas import SignInOutcome
from covergate.users import service as users
from covergate.users.models import User
from tests.web.staff import StaffClient, StaffSite, text_of


def uid(staff: StaffSite, key: str) -> int:
    return staff.world.people[key].id


def add_passkey(staff: StaffSite, key: str, label: str) -> int:
    """A passkey row as enrolment leaves it (the key material is not used here)."""
    with staff.runtime.transaction() as session:
        row = Passkey(
            user_id=uid(staff, key),
            credential_id=label.encode() * 4,
            public_key=b"\x01" * 77,
            sign_count=0,
            label=label,
            created_at=staff.runtime.clock.now(),
            last_used_at=None,
        )
        session.add(row)
        session.flush()
        return row.id


def secret_of(page: str) -> str:
    match = re.search(r'<code class="wrap" id="secret">([^<]+)</code>', page)
    assert match, page
    return html.unescape(match.group(1))


def authenticate(staff: StaffSite, token: str) -> User:
    with staff.runtime.transaction() as session:
        user = users.authenticate(session=session, token=token, clock=staff.runtime.clock)
        session.expunge(user)
        return user


def count_users(staff: StaffSite) -> int:
    with staff.runtime.transaction() as session:
        return session.scalar(select(func.count(User.id))) or 0


def test_the_list_shows_every_user_with_role_unit_and_credentials(staff: StaffSite) -> None:
    add_passkey(staff, "osg", "Desk key")
    staff.set_password("osg")
    admin = staff.as_user("admin")
    page = admin.get("/app/admin/users")
    assert "no-store" in page.headers["cache-control"]
    text = text_of(page.text)
    assert "13 user(s)" in text
    assert (
        "Fbi fbi@test.example Requester Federal Bureau of Investigation — Active 1 0 None" in text
    )
    assert "Osg osg@test.example Approver — Operations support group manager Active 1 1 Set" in text
    assert "Court court@test.example Court U.S. District Court, C.D. Ill." in text
    assert f'href="/app/admin/users/{uid(staff, "osg")}"' in page.text


def test_adding_a_user_and_its_errors_next_to_the_field(staff: StaffSite) -> None:
    admin = staff.as_user("admin")
    before = count_users(staff)
    form = {"email": "not-an-email", "name": "Dana Doe", "role": "requester", "agency": ""}
    bad = admin.post("/app/admin/users", form, status=422)
    assert 'aria-describedby="f-email-error"' in bad.text
    assert re.search(r'id="f-email-error">not an email address: &#39;not-an-email&#39;<', bad.text)
    assert 'value="Dana Doe"' in bad.text  # what was typed is kept
    assert count_users(staff) == before

    no_agency = {**form, "email": "dana@test.example"}
    missing = admin.post("/app/admin/users", no_agency, status=422)
    assert re.search(r'id="f-agency-error">a requester must belong to an agency', missing.text)
    fbi = {**no_agency, "agency": "Federal Bureau of Investigation"}
    taken = admin.post("/app/admin/users", {**fbi, "email": "fbi@test.example"}, status=409)
    assert re.search(r'id="f-email-error">a user with email fbi@test.example already', taken.text)
    wrong = {**fbi, "delegation": "judge"}
    assert "choose a delegation" in text_of(admin.post("/app/admin/users", wrong, 422).text)
    assert count_users(staff) == before

    done = admin.post("/app/admin/users", fbi)
    page = admin.follow(done)
    assert "User dana@test.example added." in text_of(page.text)
    assert "Dana Doe" in text_of(page.text)
    assert count_users(staff) == before + 1
    court = {"email": "clerk@test.example", "name": "A Clerk", "role": "court",
             "court": "U.S. District Court, N.D. Ill."}  # fmt: skip
    admin.post("/app/admin/users", court)
    assert "A Clerk" in text_of(admin.get("/app/admin/users").text)


def test_disabling_ends_the_users_sessions_and_refuses_their_tokens(staff: StaffSite) -> None:
    reviewer = staff.as_user("reviewer")
    reviewer.get("/app/account")
    admin = staff.as_user("admin")
    path = f"/app/admin/users/{uid(staff, 'reviewer')}"
    page = admin.follow(admin.post(f"{path}/disable"))
    assert "reviewer@test.example is disabled" in text_of(page.text)
    assert "1 session(s) ended" in text_of(page.text)
    assert "Disabled since" in text_of(page.text)
    assert reviewer.get("/app/account", status=303).headers["location"].startswith("/sign-in")
    with pytest.raises(AuthenticationFailed, match="disabled"):
        authenticate(staff, staff.world.tokens["reviewer"])
    admin.post(f"{path}/sign-in-link", status=422)  # no link for a disabled account
    admin.post(f"{path}/disable", status=409)  # already disabled: the API's Conflict

    admin.post(f"{path}/enable")
    assert authenticate(staff, staff.world.tokens["reviewer"]).email == "reviewer@test.example"
    reviewer.get("/app/account", status=303)  # the ended session stays ended
    own = f"/app/admin/users/{uid(staff, 'admin')}/disable"
    assert "your own account" in text_of(admin.post(own, status=422).text)


def test_ending_all_sessions_of_a_user(staff: StaffSite) -> None:
    fbi, again = staff.as_user("fbi"), staff.as_user("fbi")
    admin = staff.as_user("admin")
    path = f"/app/admin/users/{uid(staff, 'fbi')}"
    assert text_of(admin.get(path).text).count("Open sessions 2") == 1
    page = admin.follow(admin.post(f"{path}/end-sessions"))
    assert "2 session(s) of fbi@test.example ended." in text_of(page.text)
    for client in (fbi, again):
        location = client.get("/app/requests", status=303).headers["location"]
        assert location.startswith("/sign-in")
        assert "ended" in location
    with staff.runtime.transaction() as session:
        event = session.scalars(select(SignInEvent).order_by(SignInEvent.id.desc())).first()
        assert event is not None
        assert event.outcome is SignInOutcome.REVOKED
        assert event.detail == "2 session(s) ended by admin@test.example"


def test_a_token_is_shown_once_and_a_revoked_one_fails(staff: StaffSite) -> None:
    admin = staff.as_user("admin")
    path = f"/app/admin/users/{uid(staff, 'observer')}"
    bad = admin.post(f"{path}/tokens", {"label": "ci", "expires": "yesterday"}, status=422)
    assert 'aria-describedby="f-expires-error"' in bad.text
    assert "an expiry is a number of days or a date" in text_of(bad.text)
    empty = admin.post(f"{path}/tokens", {"label": "", "expires": ""}, status=422)
    assert 'aria-describedby="f-label-error"' in empty.text

    issued = admin.post(f"{path}/tokens", {"label": "ci runner", "expires": "30"}, status=200)
    secret = secret_of(issued.text)
    assert secret.startswith("cg_")
    assert "only time the token is shown" in text_of(issued.text)
    assert authenticate(staff, secret).email == "observer@test.example"
    api = staff.anonymous()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page = admin.get(path)
    assert secret not in page.text
    assert "ci runner" in text_of(page.text)
    with staff.runtime.transaction() as session:
        token_id = users.token_id(users.get_token(session=session, token_id=secret))
    assert f"Revoke token {token_id}" in text_of(page.text)

    other = f"/app/admin/users/{uid(staff, 'fbi')}/tokens/{token_id}/revoke"
    admin.post(other, status=404)  # not that user's token
    done = admin.follow(admin.post(f"{path}/tokens/{token_id}/revoke"))
    assert f"Token {token_id} of observer@test.example is revoked." in text_of(done.text)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticate(staff, secret)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    admin.post(f"{path}/tokens/{token_id}/revoke", status=409)


def test_a_sign_in_link_for_recovery_works_once(staff: StaffSite) -> None:
    admin = staff.as_user("admin")
    issued = admin.post(f"/app/admin/users/{uid(staff, 'reviewer')}/sign-in-link", status=200)
    assert "valid for 15 minutes and works once" in text_of(issued.text)
    url = secret_of(issued.text)
    base = staff.runtime.settings.public_url
    assert url.startswith(f"{base}/sign-in/link/")
    path = url.removeprefix(base)
    user = staff.anonymous()
    used = user.post(path, follow_redirects=False)
    assert used.status_code == 303
    assert used.headers["location"] == "/app/queue"
    assert staff.anonymous().post(path, follow_redirects=False).status_code == 401


def test_removing_a_passkey_of_that_user_only(staff: StaffSite) -> None:
    mine = add_passkey(staff, "chief", "Chief's YubiKey")
    theirs = add_passkey(staff, "hq", "HQ laptop")
    admin = staff.as_user("admin")
    path = f"/app/admin/users/{uid(staff, 'chief')}"
    page = text_of(admin.get(path).text)
    assert "Chief's YubiKey" in page
    assert "Never" in page
    admin.post(f"{path}/passkeys/{theirs}/remove", status=404)
    done = admin.follow(admin.post(f"{path}/passkeys/{mine}/remove"))
    assert "is removed" in text_of(done.text)
    assert "None enrolled." in text_of(done.text)
    with staff.runtime.transaction() as session:
        assert session.get(Passkey, mine) is None
        assert session.get(Passkey, theirs) is not None
        event = session.scalars(select(SignInEvent).order_by(SignInEvent.id.desc())).first()
        assert event is not None
        assert (event.outcome, event.email, event.detail) == (
            SignInOutcome.PASSKEY_REMOVED,
            "chief@test.example",
            "passkey “Chief's YubiKey” removed by admin@test.example",
        )


def admin_paths(staff: StaffSite) -> tuple[list[str], list[str]]:
    target = f"/app/admin/users/{uid(staff, 'fbi')}"
    gets = ["/app/admin/users", target]
    posts = [
        "/app/admin/users",
        f"{target}/disable",
        f"{target}/enable",
        f"{target}/end-sessions",
        f"{target}/tokens",
        f"{target}/tokens/0123456789ab/revoke",
        f"{target}/sign-in-link",
        f"{target}/passkeys/1/remove",
    ]
    return gets, posts


@pytest.mark.parametrize("who", ["fbi", "reviewer", "osg", "observer", "auditor", "court"])
def test_everyone_but_admins_gets_403_on_every_admin_page(staff: StaffSite, who: str) -> None:
    client: StaffClient = staff.as_user(who)
    gets, posts = admin_paths(staff)
    for path in gets:
        assert "only an admin may manage accounts" in text_of(client.get(path, status=403).text)
    before = count_users(staff)
    for path in posts:
        form = {"email": "x@test.example", "name": "X", "role": "admin", "label": "x"}
        client.post(path, form, status=403)
    assert count_users(staff) == before
    assert authenticate(staff, staff.world.tokens["fbi"]).email == "fbi@test.example"
