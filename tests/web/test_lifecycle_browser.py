"""The staff web app end to end in a real headless Chromium (issue 10).

One mail cover goes its whole way only through the pages, each role in its own
browser context signed in with the sign-in form: the requester submits it, the
court confirms its order, the reviewer reviews, the approver approves, the observer
records a mail piece, the requester closes it, the reviewer produces the package,
the requester downloads and acknowledges it, and the auditor finds every read of
subject data in the access log. Then the session's guards: a stale CSRF token, an
idle session, signing out. SQLite and PostgreSQL; see tests/web/browser_flow.py.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState
from covergate.signin.models import Password, WebSession
from tests.factories import mail_cover_data
from tests.web.browser_flow import Roles, Tab, browser, fill_request, roles, server, site
from tests.web.staff import TODAY

__all__ = ["browser", "roles", "server", "site"]

NOTE = "Grounds and order check out against the policy."
WHY_RECORD = "Sorting today's mail on the subject's route."
WHY_PACKAGE = "Preparing the case file for the prosecutor."
PRODUCING = "producing the package for the requesting agency"  # the service's own reason
SUBJECT_DATA = "Subject data (name, address, facts)"


def _request_page(tab: Tab, rid: str) -> None:
    tab.page.goto(f"/app/requests/{rid}")
    assert tab.page.get_by_role("heading", level=1).inner_text() == f"Request {rid}"


def _state(tab: Tab) -> str:
    return tab.page.locator("#request-state").inner_text()


def _submit(fbi: Tab) -> str:
    page = fbi.page
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="Start a mail cover request").click()
    page.wait_for_url("**/app/requests/new?kind=mail_cover")
    fill_request(page, mail_cover_data(TODAY))
    page.get_by_role("button", name="Check against the policy").click()
    findings = page.get_by_role("region", name="Findings of the policy check")
    findings.wait_for()
    assert "Policy check: admissible" in page.locator("#policy-check h2").inner_text()
    citations = findings.locator("tbody td:last-child").all_inner_texts()
    assert any("39 CFR 233.3" in c for c in citations), citations
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_url(re.compile(r"/app/requests/[0-9a-f]{16,}$"))
    rid = page.url.rsplit("/", 1)[1]
    assert f"{rid} submitted" in fbi.flash()
    assert _state(fbi) == "Submitted"
    return rid


def _not_found(tab: Tab, path: str) -> None:
    """``path`` is the not-found page, exactly as for a request that does not exist."""
    answer = tab.page.goto(path)
    assert answer is not None
    assert answer.status == 404
    assert tab.page.get_by_role("heading", level=1).inner_text() == "Not found"
    base, rid = path.rsplit("/", 1)
    shown = tab.page.locator("#error-message").inner_text()
    assert shown == f"no request {rid}"
    tab.allow(404, path)
    none = "0" * len(rid)
    tab.page.goto(f"{base}/{none}")
    assert tab.page.locator("#error-message").inner_text() == f"no request {none}"
    tab.allow(404, f"{base}/{none}")


def _not_seen_by_others(roles: Roles, rid: str) -> None:
    observer = roles.open("observer")
    assert observer.page.locator(f'a[href="/app/covers/{rid}"]').count() == 0
    _not_found(observer, f"/app/covers/{rid}")

    dea = roles.open("dea")
    assert rid not in dea.page.locator("main").inner_text()
    _not_found(dea, f"/app/requests/{rid}")


def _confirm(court: Tab, rid: str) -> None:
    page = court.page
    page.get_by_role("link", name=rid, exact=True).click()
    page.get_by_role("button", name="Confirm the order").click()
    page.locator("#flash").wait_for()
    assert court.flash().startswith("Order confirmed")
    assert page.locator("#decided").inner_text().startswith("The court confirmed this order")


def _review(reviewer: Tab, rid: str) -> None:
    page = reviewer.page
    page.get_by_role("link", name=f"Open request {rid}").click()
    page.get_by_label("Reviewer's note").fill(NOTE)
    page.get_by_role("button", name=f"Mark {rid} as reviewed").click()
    page.wait_for_url("**/app/queue")
    assert reviewer.flash() == f"Request {rid} is reviewed: it now awaits a decision."


def _approve(osg: Tab, rid: str) -> None:
    page = osg.page
    page.get_by_role("link", name=f"Open request {rid}").click()
    page.get_by_role("link", name=f"Open the decision form for {rid}").click()
    page.get_by_role("radio", name=re.compile(r"^Approve as asked")).check()
    justifications = page.locator("#decision-justifications textarea")
    for i in range(justifications.count()):
        justifications.nth(i).fill("Looked at the record; the order and the grounds hold up.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url("**/app/queue")
    assert osg.flash().startswith(f"Request {rid} is approved: 30 days from {TODAY}")
    _request_page(osg, rid)
    assert _state(osg) == "Active"


def _record(observer: Tab, rid: str) -> None:
    page = observer.page
    page.goto("/app/covers")
    page.get_by_role("link", name=rid, exact=True).click()
    page.get_by_label("Why you need them").fill(WHY_RECORD)
    page.get_by_role("button", name="Show what to record").click()
    assert "12 Elm Street" in page.locator("#recording-view").inner_text()
    subject = mail_cover_data()["subject"]
    page.locator("#mail_date").fill(TODAY.isoformat())
    page.locator("#mail_class").select_option("first_class")
    for who, name, address in (
        ("sender", "Pat Sender", {"line1": "9 Far Road", "city": "Peoria", "state": "IL"}),
        ("addressee", subject["name"], subject["address"]),
    ):
        page.locator(f"#{who}_name").fill(name)
        for part in ("line1", "city", "state"):
            page.locator(f"#{who}_{part}").fill(address[part])
        page.locator(f"#{who}_zip").fill(address.get("zip", "61602"))
    page.get_by_label("Postmark").fill("Peoria IL 61602")
    page.get_by_role("button", name="Record this mail piece").click()
    page.wait_for_url(f"**/app/covers/{rid}")
    assert observer.flash().startswith("Recorded: observation")
    assert page.locator("#recorded").inner_text() == "1"


def _produce(reviewer: Tab, rid: str) -> None:
    _request_page(reviewer, rid)
    reviewer.page.get_by_role("button", name=re.compile(rf"^Produce the package of {rid}")).click()
    reviewer.page.locator("#flash").wait_for()
    assert reviewer.flash().startswith(
        "Package produced for Federal Bureau of Investigation: 1 item"
    )
    assert _state(reviewer) == "Produced"


def _download_and_acknowledge(fbi: Tab, rid: str, tmp_path: Path) -> None:
    page = fbi.page
    _request_page(fbi, rid)
    sha = page.locator("#manifest-sha256").inner_text()
    panel = page.get_by_role("region", name="The package")
    page.get_by_label("Why do you need the package?").fill(WHY_PACKAGE)
    with page.expect_download() as event:
        panel.get_by_role("button", name="Download the package (JSON)").click()
    download = event.value
    assert download.suggested_filename == f"covergate-package-{rid}.json"
    download.save_as(tmp_path / download.suggested_filename)
    package = json.loads((tmp_path / download.suggested_filename).read_text())
    assert package["manifest_sha256"] == sha
    assert package["manifest"]["items"] == 1
    page.get_by_role("button", name="Acknowledge receipt of the package").click()
    page.locator("#flash").wait_for()
    assert fbi.flash() == f"Receipt of the package of {rid} is recorded."
    assert _state(fbi) == "Acknowledged"


def test_a_mail_cover_from_request_to_acknowledged_receipt(roles: Roles, tmp_path: Path) -> None:
    server = roles.server
    server.runtime.integrate_log()
    log_before = server.log_size()
    fbi = roles.open("fbi")
    rid = _submit(fbi)
    _not_seen_by_others(roles, rid)
    _confirm(roles.open("court"), rid)
    reviewer = roles.open("reviewer")
    _review(reviewer, rid)
    _approve(roles.open("osg"), rid)
    _record(roles.open("observer"), rid)

    _request_page(fbi, rid)
    fbi.page.get_by_role("button", name="Close the request").click()
    fbi.page.locator("#flash").wait_for()
    assert fbi.flash() == f"Request {rid} is closed (requested)."
    assert _state(fbi) == "Closed"
    _produce(reviewer, rid)
    _download_and_acknowledge(fbi, rid, tmp_path)

    auditor = roles.open("auditor")
    auditor.page.get_by_role("link", name="Access log").click()
    table = auditor.page.get_by_role("table", name="Reads of subject data")
    reads = [r.split("\t") for r in table.locator("tbody tr").all_inner_texts()]
    assert all(r[0].startswith(f"{TODAY} ") for r in reads)
    assert [r[1:] for r in reads] == [  # newest first
        ["fbi@test.example", "Requester", rid, "Production package", WHY_PACKAGE, "WEB"],
        ["reviewer@test.example", "Reviewer", rid, "Observations", PRODUCING, "WEB"],
        ["observer@test.example", "Observer", rid, SUBJECT_DATA, WHY_RECORD, "WEB"],
    ]

    with server.runtime.transaction() as session:
        request = session.scalars(select(Request).where(Request.public_id == rid)).one()
        assert request.state is RequestState.ACKNOWLEDGED
    server.runtime.integrate_log()
    assert server.log_size() > log_before


def _password_and_session(roles: Roles) -> tuple[str, object, object]:
    with roles.server.runtime.transaction() as session:
        password = session.scalars(select(Password)).one()
        web = session.scalars(select(WebSession)).one()
        return password.hash, web.revoked_at, web.csrf


def _password_form(tab: Tab) -> None:
    page = tab.page
    page.goto("/app/account")
    page.get_by_label("New password").fill("a whole new passphrase")
    page.get_by_label("The same again").fill("a whole new passphrase")


def test_a_form_with_a_stale_csrf_token_changes_nothing(roles: Roles) -> None:
    fbi = roles.open("fbi")
    before = _password_and_session(roles)
    _password_form(fbi)
    form = fbi.page.locator('form[action="/app/account/password"]')
    form.locator('input[name="csrf"]').evaluate("e => { e.value = 'forged-token' }")
    with fbi.page.expect_response("**/app/account/password") as answer:
        form.get_by_role("button", name="Change password").click()
    assert answer.value.status == 403
    fbi.page.wait_for_load_state()
    assert fbi.page.get_by_role("heading", level=1).inner_text() == "Forbidden"
    assert fbi.page.locator("#error-message").inner_text() == (
        "the form's security token is missing or stale; reload the page and try again"
    )
    fbi.allow(403, "/app/account/password")
    assert _password_and_session(roles) == before  # same password, same live session
    # Still signed in: the page again, with its token, works.
    _password_form(fbi)
    fbi.page.get_by_role("button", name="Change password").click()
    fbi.page.locator("#flash").wait_for()
    assert fbi.flash() == "Your password is changed."
    assert _password_and_session(roles)[0] != before[0]


def test_an_idle_session_expires(roles: Roles) -> None:
    fbi = roles.open("fbi")
    roles.server.clock.advance(timedelta(minutes=31))
    fbi.page.reload()
    fbi.page.wait_for_url(re.compile(r"/sign-in\?next=%2Fapp%2Frequests&why=expired$"))
    assert fbi.page.get_by_role("heading", level=1).inner_text() == "Staff sign-in"
    assert "expired" in fbi.page.locator("#why").inner_text()


def test_sign_out_from_a_work_page(roles: Roles) -> None:
    reviewer = roles.open("reviewer")
    page = reviewer.page
    page.get_by_role("link", name="All requests").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in\?why="))
    assert page.locator("#why").inner_text() == "You are signed out."
    page.goto("/app")
    page.wait_for_url(re.compile(r"/sign-in"))
    assert page.get_by_role("heading", level=1).inner_text() == "Staff sign-in"
    with roles.server.runtime.transaction() as session:
        assert session.scalars(select(WebSession)).one().revoked_at is not None
