"""The requester's intake pages: a new request, its policy pre-check, and extensions.

Each form is filled in like a browser would: from the page's own fields (every
field the document needs must be on the page), then posted (SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import func, select

from covergate.document import RequestDocument, request_document_from_data
from covergate.lifecycle import documents
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import OrderState
from covergate.web.intake_pages import extend_panel, why_not_extendable
from covergate.web.panels import Panel
from covergate.web.render import templates
from covergate.web.request_form import COURT, COURT_OTHER, FormValues, document_fields
from tests.factories import mail_cover_data, records_data
from tests.web.staff import TODAY, StaffClient, StaffSite, text_of

NEW = "/app/requests/new"
START = TODAY + timedelta(days=7)


class _Form(HTMLParser):
    """The fields of the form posting to ``action``: what a browser would send, and
    every name and choice the form has."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.sent: FormValues = {}
        self.names: set[str] = set()
        self.choices: dict[str, set[str]] = {}
        self._select: str | None = None
        self._selected: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if tag == "option" and self._select is not None:
            self.choices[self._select].add(a.get("value", ""))
            if "selected" in a:
                self._selected = a.get("value", "")
        if not self.inside or "name" not in a:
            return
        name = a["name"]
        self.names.add(name)
        if tag == "input" and a.get("type") in ("checkbox", "radio"):
            self.choices.setdefault(name, set()).add(a["value"])
            if "checked" in a:
                self.sent.setdefault(name, []).append(a["value"])
        elif tag == "input" and a.get("type") != "submit":
            self.sent[name] = [a.get("value", "")]
        elif tag == "select":
            self._select, self._selected = name, None
            self.choices[name] = set()
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            self.sent[self._select] = [self._selected or ""]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.sent[self._textarea] = [self._text.removeprefix("\n")]
            self._textarea = None


def form_of(html: str, action: str) -> _Form:
    form = _Form(action)
    form.feed(html)
    assert form.names, f"no form posting to {action}"
    return form


def fill(html: str, action: str, values: FormValues, what: str = "submit") -> list[tuple[str, str]]:
    """The form as the page shows it, with ``values`` typed in: each must be a field
    of the page (and a choice it offers), unless it is blank or the default."""
    form = form_of(html, action)
    sent = {k: v for k, v in form.sent.items() if k != "csrf"}
    values = dict(values)
    court = values.get(COURT, [""])
    if court[0] not in form.choices[COURT]:  # a court not registered is typed in
        values[COURT], values[COURT_OTHER] = [""], court
    for name, typed in values.items():
        if name not in form.names:
            assert typed in ([], [""], ["0"]), f"{name}={typed} is not on the form"
            continue
        for value in typed:
            assert name not in form.choices or value in form.choices[name], (name, value)
        sent[name] = typed
    return [(k, v) for k, vs in sent.items() for v in vs] + [("action", what)]


def requests_in_db(staff: StaffSite) -> list[Request]:
    with staff.world.tx() as s:
        rows = list(s.scalars(select(Request).order_by(Request.id)))
        s.expunge_all()
    return rows


def stored_document(staff: StaffSite, public_id: str) -> RequestDocument:
    with staff.world.tx() as s:
        return documents.decrypt_document(staff.world.ctx, staff.world.request(s, public_id))


def typed(fbi: StaffClient, data: dict[str, Any], what: str = "submit") -> list[tuple[str, str]]:
    """The new request form of ``data``'s kind, with ``data`` typed in."""
    page = fbi.get(f"{NEW}?kind={data['kind']}")
    return fill(page.text, NEW, document_fields(request_document_from_data(data)), what)


def submit(
    fbi: StaffClient, data: dict[str, Any], what: str = "submit", status: int = 303
) -> httpx.Response:
    return fbi.post(NEW, typed(fbi, data, what), status=status)


def test_the_kind_comes_first_and_each_form_offers_its_own_categories(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    chooser = fbi.get(NEW)
    assert 'href="/app/requests/new?kind=mail_cover"' in chooser.text
    assert 'href="/app/requests/new?kind=records"' in chooser.text
    mail = form_of(fbi.get(f"{NEW}?kind=mail_cover").text, NEW)
    records = form_of(fbi.get(f"{NEW}?kind=records").text, NEW)
    assert mail.choices["scope.data_categories"] == {
        "mail_exterior",
        "unsealed_contents",
        "sealed_contents",
    }
    assert "subscriber" in records.choices["scope.data_categories"]
    assert "mail_exterior" not in records.choices["scope.data_categories"]
    # prefilled from the user's agency and account, with a fresh idempotency key
    assert mail.sent["agency.name"] == ["Federal Bureau of Investigation"]
    assert mail.sent["agency.functions"] == ["criminal_investigation", "national_security"]
    assert mail.sent["requester.email"] == ["fbi@test.example"]
    assert mail.sent["received.date"] == [TODAY.isoformat()]
    assert len(mail.sent["idempotency_key"][0]) >= 16
    # the court is chosen from the registered courts
    assert mail.choices["legal_process.court"] == {
        "",
        "U.S. District Court, C.D. Ill.",
        "U.S. District Court, N.D. Ill.",
    }
    fbi.get(f"{NEW}?kind=parcel", status=422)


def test_a_mail_cover_submitted_through_the_form_is_the_factory_document(
    staff: StaffSite,
) -> None:
    data = mail_cover_data(START)
    response = submit(staff.as_user("fbi"), data)
    [request] = requests_in_db(staff)
    assert response.headers["location"] == f"/app/requests/{request.public_id}"
    assert stored_document(staff, request.public_id) == request_document_from_data(data)
    assert request.admissible
    assert staff.world.order_state(request.public_id) is OrderState.FILED  # filed at intake


def test_a_records_request_submitted_through_the_form_is_the_factory_document(
    staff: StaffSite,
) -> None:
    data = records_data(START)
    response = submit(staff.as_user("fbi"), data)
    [request] = requests_in_db(staff)
    assert response.headers["location"] == f"/app/requests/{request.public_id}"
    assert stored_document(staff, request.public_id) == request_document_from_data(data)


def test_a_bad_field_is_shown_beside_it_and_nothing_is_written(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    data = mail_cover_data(START, requester__email="not an address", scope__days=0)
    page = fbi.get(f"{NEW}?kind=mail_cover")
    fields = document_fields(request_document_from_data(mail_cover_data(START)))
    fields["requester.email"] = ["not an address"]
    fields["scope.days"] = ["0"]
    fields["purpose.max_imprisonment_months"] = ["twenty"]
    before = staff.world.snapshot()
    response = fbi.post(NEW, fill(page.text, NEW, fields), status=422)
    assert staff.world.snapshot() == before
    html = response.text
    assert re.search(
        r'id="f-requester-email" name="requester.email" value="not an address"[^>]*'
        r'aria-describedby="f-requester-email-error" aria-invalid="true"',
        html,
    )
    assert 'id="f-requester-email-error">must be an email address, such as' in html
    assert 'id="f-scope-days-error">Input should be greater than or equal to 1<' in html
    assert 'id="f-purpose-max-imprisonment-months-error">Input should be a valid integer<' in html
    assert 'value="twenty"' in html  # kept as typed
    text = text_of(html)
    assert "3 fields need your attention" in text
    assert re.search(r"Your email\s*: must be an email address", text)
    assert f'value="{data["subject"]["name"]}"' in html  # everything else is kept


def test_a_service_refusal_naming_a_field_is_shown_beside_it(staff: StaffSite) -> None:
    data = mail_cover_data(START, legal_process__court="U.S. District Court, D. Nowhere")
    fbi = staff.as_user("fbi")
    items = typed(fbi, data)
    before = staff.world.snapshot()
    response = fbi.post(NEW, items, status=422)
    assert staff.world.snapshot() == before
    assert 'id="f-legal-process-court-error">' in response.text
    assert "is not a registered court" in text_of(response.text)
    # the court not registered is kept, as another court
    assert 'value="U.S. District Court, D. Nowhere"' in response.text


def test_the_policy_check_shows_findings_with_citations_and_writes_nothing(
    staff: StaffSite,
) -> None:
    fbi = staff.as_user("fbi")
    fbi.get(NEW)
    before = staff.world.snapshot()
    good = text_of(submit(fbi, mail_cover_data(START), "check", status=200).text)
    assert "Policy check: admissible" in good
    assert "Pass judge-first" in good
    assert "safeguards-2026, judge first (model 18 U.S.C. 2703(d))" in good
    assert "The court order will be filed with U.S. District Court, C.D. Ill." in good
    bad = text_of(
        submit(
            fbi,
            mail_cover_data(START, legal_process=None, scope__data_categories=["sealed_contents"]),
            "check",
            status=200,
        ).text
    )
    assert "Policy check: not admissible" in bad
    assert "Fail judge-first Every mail cover, national security covers included" in bad
    assert "Fail sealed-contents" in bad
    assert "39 CFR 233.3(g)(1)-(3)" in bad
    assert "Nothing has been saved" in bad
    assert staff.world.snapshot() == before


def test_only_requesters_may_use_the_form(staff: StaffSite) -> None:
    reviewer = staff.as_user("reviewer")
    page = reviewer.get(NEW, status=403)
    assert "only a requester may submit requests" in text_of(page.text)
    reviewer.get(f"{NEW}?kind=mail_cover", status=403)
    reviewer.post(NEW, {"kind": "mail_cover", "action": "submit"}, status=403)
    assert requests_in_db(staff) == []


def test_a_double_submit_creates_one_request(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    page = fbi.get(f"{NEW}?kind=mail_cover")
    fields = document_fields(request_document_from_data(mail_cover_data(START)))
    items = fill(page.text, NEW, fields)
    first = fbi.post(NEW, items)
    second = fbi.post(NEW, items)
    assert first.headers["location"] == second.headers["location"]
    assert len(requests_in_db(staff)) == 1
    # the same form changed and sent again: a new key, the form shown again
    changed = [(k, "20" if k == "scope.days" else v) for k, v in items]
    again = fbi.post(NEW, changed, status=409)
    assert "already used to submit a different request" in text_of(again.text)
    new_key = form_of(again.text, NEW).sent["idempotency_key"]
    assert new_key != [v for k, v in items if k == "idempotency_key"]
    assert len(requests_in_db(staff)) == 1


def test_an_extension_through_the_form(staff: StaffSite) -> None:
    parent = staff.world.active_cover(mail_cover_data(TODAY))
    fbi = staff.as_user("fbi")
    path = f"/app/requests/{parent}/extend"
    page = fbi.get(path)
    form = form_of(page.text, path)
    assert not any(name.startswith("subject.") for name in form.names)
    assert "covergate carries the cover's own subject" in text_of(page.text)
    assert form.sent["scope.start"] == [(TODAY + timedelta(days=30)).isoformat()]
    assert form.sent["scope.prior_days"] == ["30"]
    assert form.sent["scope.days"] == ["30"]
    assert form.sent["purpose.reasonable_grounds"] == [""]  # sealed: written again
    assert form.sent["legal_process.court"] == ["U.S. District Court, C.D. Ill."]
    typed = {
        "purpose.reasonable_grounds": ["Checks still arrive at the address."],
        "scope.extension_benefit": ["Identified two co-conspirators; expect the supplier."],
    }
    before = staff.world.snapshot()
    checked = text_of(fbi.post(path, fill(page.text, path, typed, "check"), status=200).text)
    assert staff.world.snapshot() == before
    assert "Policy check: admissible" in checked
    assert "Pass extension-benefit" in checked
    items = fill(page.text, path, typed)
    response = fbi.post(path, items)
    assert fbi.post(path, items).headers["location"] == response.headers["location"]
    [_, child] = requests_in_db(staff)  # one extension for two clicks
    assert response.headers["location"] == f"/app/requests/{child.public_id}"
    assert child.parent_id is not None
    doc = stored_document(staff, child.public_id)
    assert doc.subject == stored_document(staff, parent).subject
    assert doc.scope.extension_benefit == typed["scope.extension_benefit"][0]
    assert doc.scope.start == TODAY + timedelta(days=30)


def test_an_extension_refused_by_the_service_is_shown_beside_the_field(staff: StaffSite) -> None:
    parent = staff.world.active_cover(mail_cover_data(TODAY))
    fbi = staff.as_user("fbi")
    path = f"/app/requests/{parent}/extend"
    page = fbi.get(path)
    typed = {
        "purpose.reasonable_grounds": ["Checks still arrive."],
        "scope.extension_benefit": ["Two co-conspirators."],
        "scope.days": ["45"],
    }
    before = staff.world.snapshot()
    response = fbi.post(path, fill(page.text, path, typed), status=422)
    assert staff.world.snapshot() == before
    assert (
        'id="f-scope-days-error">an extension is for at most 30 days, 39 CFR 233.3(g)(5)<'
        in response.text
    )


def test_the_extension_panel_shows_for_the_agency_of_an_active_cover(staff: StaffSite) -> None:
    parent = staff.world.active_cover(mail_cover_data(TODAY))
    records = staff.world.submit(records_data(TODAY))
    with staff.world.tx() as s:
        cover, other = staff.world.request(s, parent), staff.world.request(s, records)
        fbi, dea = staff.world.user(s, "fbi"), staff.world.user(s, "dea")
        page: Any = SimpleNamespace(user=fbi, ctx=staff.world.ctx)
        shown = extend_panel(page, cover)
        assert isinstance(shown, Panel)
        html = templates().get_template(shown.template).render(panel=shown)
        assert extend_panel(page, other) is None
        assert why_not_extendable(dea, cover) is not None
        assert "only mail covers are extended" in (why_not_extendable(fbi, other) or "")
    assert f'href="/app/requests/{parent}/extend"' in html
    assert f"Ask for an extension of {parent}" in text_of(html)
    staff.as_user("dea").get(f"/app/requests/{parent}/extend", status=404)
    staff.as_user("fbi").get(f"/app/requests/{records}/extend", status=422)


def test_no_request_is_written_by_opening_the_forms(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    fbi.get(f"{NEW}?kind=mail_cover")
    fbi.get(f"{NEW}?kind=records")
    with staff.world.tx() as s:
        assert s.scalar(select(func.count()).select_from(Request)) == 0


def test_the_request_page_links_to_the_extension_form(staff: StaffSite) -> None:
    parent = staff.world.active_cover(mail_cover_data(TODAY))
    page = text_of(staff.as_user("fbi").get(f"/app/requests/{parent}").text)
    assert f"Extend this cover The cover ends on {(TODAY + timedelta(days=29)).isoformat()}" in page
    assert f"Ask for an extension of {parent}" in page
    assert "Ask for an extension" not in text_of(
        staff.as_user("reviewer").get(f"/app/requests/{parent}").text
    )
