"""The pages to check for each role, in a world with a request in every state.

The accessibility harness (tests/web/test_accessibility.py) and the screenshots
(scripts/screenshots.py) use this module:

- :func:`seed_pages_world` makes, through the real services, one request in each
  :class:`RequestState` (and an approved cover starting soon, an order the court has
  not yet acted on, an observation), on the runtime's clock and cipher, so that each
  detail page has content to show;
- :func:`expected_pages` lists each role's pages: its ``NAV`` (covergate.web.staff),
  its account page, and the detail pages of the world's requests it may see. These
  must all exist;
- :func:`discover` follows the links of those pages to further staff pages (one per
  kind of URL, and per state of the request it names), so a page that lands later
  is checked without being listed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from covergate.api import maintain
from covergate.covers import service as covers
from covergate.covers.schemas import Correspondent, MailClass, MailObservation
from covergate.document import Address
from covergate.lifecycle.states import CloseReason, RequestState
from covergate.productions import service as productions
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionOutcome
from covergate.runtime import Runtime
from covergate.signin import sessions
from covergate.signin.schemas import SESSION_COOKIE, SessionStage, SignInMethod
from covergate.users.schemas import Role
from covergate.web.staff import NAV
from tests.factories import mail_cover_data, records_data
from tests.world import World, build_world

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: The world's day once seeded: the covers approved on 2 January have started.
TODAY = date(2026, 1, 6)
LAST_YEAR = date(2025, 3, 2)
#: Who signs in for each role (keys of tests.world's people).
ROLE_USER: dict[Role, str] = {
    Role.REQUESTER: "fbi",
    Role.REVIEWER: "reviewer",
    Role.APPROVER: "osg",
    Role.OBSERVER: "observer",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
    Role.COURT: "court",
}
#: The pages anyone may read, and the sign-in page.
PUBLIC_PAGES = ("/", "/verify", "/sign-in")
#: Past this many pages per role, discovery stops (the list stays quick to check).
MAX_PAGES = 40
#: At most this many URLs of one path that differ by their query (?kind=, ?state=).
MAX_VARIANTS = 3
#: A "soon" cover: approved, starting within the observer's lead of 7 days.
UPCOMING = "upcoming"
#: A request whose court order is filed and not yet confirmed by the court.
FILED = "filed"


@dataclass
class PagesWorld:
    world: World
    #: Public ids: one per RequestState value, plus UPCOMING and FILED.
    ids: dict[str, str] = field(default_factory=dict)

    def label_of(self, public_id: str) -> str | None:
        return next((k for k, v in self.ids.items() if v == public_id), None)


def seed_pages_world(runtime: Runtime) -> PagesWorld:
    """Every state, on an empty database, with the runtime's clock and cipher.

    The clock must be the runtime's ``FixedClock``; it is left at :data:`TODAY`.
    """
    clock: Any = runtime.clock
    clock.set_date(LAST_YEAR)
    world = build_world(runtime.sessions, start=LAST_YEAR, clock=clock, cipher=runtime.cipher)
    made = PagesWorld(world)
    ids = made.ids
    last_start = date(2025, 3, 5)
    for state in ("expired", "closed", "produced", "acknowledged"):
        ids[state] = world.active_cover(mail_cover_data(start=last_start))

    clock.set_date(date(2026, 1, 2))
    ids["active"] = world.active_cover(mail_cover_data())
    ids["active_records"] = world.active_cover(records_data())
    clock.set_date(TODAY)
    runtime.integrate_log()
    maintain(runtime)  # the covers of 2 January start, last year's expire

    ids[UPCOMING] = world.active_cover(mail_cover_data(start=TODAY + timedelta(days=3)))
    ids["approved"] = ids[UPCOMING]
    ids["submitted"] = world.submit(mail_cover_data(purpose__case_number="FBI-2026-0077"))
    ids["in_review"] = world.submit(mail_cover_data(purpose__case_number="FBI-2026-0078"))
    world.review(ids["in_review"])
    ids["denied"] = world.submit(mail_cover_data(purpose__case_number="FBI-2026-0079"))
    world.review(ids["denied"])
    world.approve(ids["denied"], outcome=DecisionOutcome.DENY, reasons="Grounds not shown.")
    ids[FILED] = world.submit(mail_cover_data(purpose__case_number="FBI-2026-0080"), confirm=False)
    _observe(world, ids["active"])
    _end(world, ids)
    runtime.integrate_log()
    return made


def _observe(world: World, public_id: str) -> None:
    home = Address(line1="12 Elm Street", city="Springfield", state="IL", zip="62701")
    item = MailObservation(
        mail_date=world.clock.today(),
        mail_class=MailClass.FIRST_CLASS,
        sender=Correspondent(name="A Sender", address=home),
        addressee=Correspondent(name="Jordan Example", address=home),
    )
    with world.tx() as s:
        covers.observe(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "observer"),
            request=world.request(s, public_id),
            item=item,
        )


def _end(world: World, ids: dict[str, str]) -> None:
    """Last year's covers: closed; closed and produced; produced and acknowledged."""
    for state in ("closed", "produced", "acknowledged"):
        with world.tx() as s:
            requests.close(
                session=s,
                ctx=world.ctx,
                actor=world.user(s, "fbi"),
                request=world.request(s, ids[state]),
                reason=CloseReason.EXPIRED,
            )
    for state in ("produced", "acknowledged"):
        with world.tx() as s:
            productions.produce(
                session=s,
                ctx=world.ctx,
                actor=world.user(s, "reviewer"),
                request=world.request(s, ids[state]),
            )
    with world.tx() as s:
        request = world.request(s, ids["acknowledged"])
        productions.acknowledge(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=request,
            manifest_sha256=productions.get_production(session=s, request=request).manifest_sha256,
        )


def open_session(runtime: Runtime, world: World, key: str) -> tuple[str, str]:
    """A fresh active session of user ``key`` (passkey used): (cookie value, CSRF token)."""
    with runtime.transaction() as session:
        opened = sessions.open_session(
            session=session,
            clock=runtime.clock,
            user=world.user(session, key),
            method=SignInMethod.LINK,
            stage=SessionStage.ACTIVE,
            passkey_verified=True,
        )
        return opened.token, opened.row.csrf


@dataclass(frozen=True)
class FormStep:
    """How a page is reached by sending a form: on the page, the form that posts to
    ``action``, with ``fields`` filled in and its button (named ``button``, or its
    first) pressed; ``novalidate`` skips the browser's own checks of the fields."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    button: str | None = None
    novalidate: bool = False


@dataclass(frozen=True)
class Target:
    """One page to check: its path, what it shows (for the report), its status, and
    the form sent from it to reach the page checked, if any."""

    path: str
    what: str
    status: int = 200
    form: FormStep | None = None

    @property
    def name(self) -> str:
        return self.path if self.form is None else f"{self.path} -> POST {self.form.action}"


_STATES = [s.value for s in RequestState]


def expected_pages(role: Role, pages: PagesWorld) -> list[Target]:
    """The pages ``role`` must have: NAV, the account page, the detail pages."""
    ids = pages.ids
    found = [Target(item.href, item.label) for item in NAV[role]]
    found.append(Target("/app/account", "Account"))

    def request_pages(labels: Iterable[str]) -> list[Target]:
        return [Target(f"/app/requests/{ids[s]}", f"a request: {s}") for s in labels]

    if role in (Role.REVIEWER, Role.APPROVER, Role.AUDITOR, Role.REQUESTER):
        found += request_pages([*_STATES, "active_records", FILED])
    if role is Role.REQUESTER:
        found.append(Target(f"/app/requests/{ids['active']}/extend", "extend: active"))
        for kind in ("mail_cover", "records"):
            found.append(Target(f"/app/requests/new?kind={kind}", f"the intake form: {kind}"))
    if role is Role.APPROVER:
        found.append(Target(f"/app/requests/{ids['in_review']}/decide", "decide: in_review"))
    if role is Role.OBSERVER:
        found.append(Target(f"/app/covers/{ids['active']}", "a cover: active"))
        found.append(Target(f"/app/covers/{ids[UPCOMING]}", "a cover: approved, soon"))
    if role is Role.COURT:
        for label in (FILED, "active", "denied"):
            found.append(Target(f"/app/court/orders/{ids[label]}", f"an order: {label}"))
    if role is Role.ADMIN:
        found.append(Target(f"/app/admin/users/{pages.world.people['fbi'].id}", "a user"))
    # The error page, as a signed-in user meets it.
    found.append(Target("/app/requests/NO-SUCH-REQUEST", "the error page (404)", 404))
    return found


READ_REASON = "Checking the record for the quarterly audit."


def form_pages(role: Role, pages: PagesWorld) -> list[Target]:
    """Pages only a form leads to: subject data after a reason, forms sent with errors."""
    ids = pages.ids

    def read(page: str, action: str, what: str) -> Target:
        return Target(page, what, 200, FormStep(action, {"reason": READ_REASON}))

    def empty(page: str, action: str, what: str, button: str | None = None) -> Target:
        return Target(page, what, 422, FormStep(action, {}, button, novalidate=True))

    active, req = ids["active"], "/app/requests/"
    found: dict[Role, list[Target]] = {
        Role.REQUESTER: [
            empty(
                f"{req}new?kind=mail_cover",
                f"{req}new",
                "the intake form, sent empty",
                "Check against the policy",
            ),
            read(f"{req}{active}", f"{req}{active}/subject", "the subject's data"),
        ],
        Role.REVIEWER: [
            empty(f"{req}{ids['submitted']}", f"{req}{ids['submitted']}/review", "no review note"),
            read(f"{req}{ids['in_review']}", f"{req}{ids['in_review']}/subject", "subject data"),
        ],
        Role.APPROVER: [
            empty(
                f"{req}{ids['in_review']}/decide",
                f"{req}{ids['in_review']}/decision",
                "the decision form, sent empty",
            ),
        ],
        Role.OBSERVER: [
            read(f"/app/covers/{active}", f"/app/covers/{active}/what-to-record", "what to record"),
            empty(f"/app/covers/{active}", f"/app/covers/{active}/observations", "no observation"),
        ],
        Role.COURT: [
            read(
                f"/app/court/orders/{ids[FILED]}",
                f"/app/court/orders/{ids[FILED]}/request",
                "the request's document",
            ),
        ],
        Role.ADMIN: [empty("/app/admin/users", "/app/admin/users", "a new user, sent empty")],
    }
    return found.get(role, [])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = values.get("href")
        if tag == "a" and href and "download" not in values:
            self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


_NUMBER = re.compile(r"^\d+$")


def _part(part: str, pages: PagesWorld) -> str:
    label = pages.label_of(part)
    return f"{{{label}}}" if label else "{n}" if _NUMBER.match(part) else part


def shape(url: str, pages: PagesWorld) -> tuple[str, str]:
    """A URL's kind: (path, query), where ids (numbers; the world's public ids, by the
    state of their request) stand in for values."""
    parts = urlsplit(url)
    path = "/".join(_part(p, pages) for p in parts.path.split("/"))
    query = "&".join(
        "=".join(_part(v, pages) for v in pair.split("=", 1))
        for pair in sorted(parts.query.split("&"))
        if pair
    )
    return path, query


def discover(
    client: httpx.Client, start: list[Target], pages: PagesWorld, *, limit: int = MAX_PAGES
) -> tuple[list[Target], dict[str, int]]:
    """``start`` and the staff pages their links lead to: (pages that answer 200 with
    HTML, {path: status} of those of ``start`` that do not)."""
    seen = {shape(t.path, pages) for t in start}
    queries: dict[str, int] = {}  # variants (by query) of each path seen
    for path, _query in seen:
        queries[path] = queries.get(path, 0) + 1
    queue = list(start)
    found: list[Target] = []
    missing: dict[str, int] = {}
    listed = {t.path for t in start}
    while queue and len(found) < limit:
        target = queue.pop(0)
        response = client.get(target.path, follow_redirects=False)
        html = response.headers.get("content-type", "").startswith("text/html")
        if response.status_code != target.status or not html:
            if target.path in listed:
                missing[target.path] = response.status_code
            continue
        found.append(target)
        for href in links_of(response.text):
            url = urlsplit(urljoin(target.path, href))
            if url.netloc or not url.path.startswith("/app/") or url.path.endswith(".csv"):
                continue
            link = url.path + (f"?{url.query}" if url.query else "")
            kind = shape(link, pages)
            if kind in seen or queries.get(kind[0], 0) >= MAX_VARIANTS:
                continue
            seen.add(kind)
            queries[kind[0]] = queries.get(kind[0], 0) + 1
            queue.append(Target(link, f"linked from {target.path}"))
    return found, missing


def signed_in_client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, cookies={SESSION_COOKIE: token}, timeout=30)


def open_target(tab: Page, target: Target) -> int:
    """Open ``target`` in a browser tab (sending its form, if any): the HTTP status."""
    response = tab.goto(target.path)
    if response is None:
        raise LookupError(f"{target.path}: no response")
    if target.form is None or response.status != 200:
        return response.status
    step = target.form
    form = tab.locator(f'form[action="{step.action}"]')
    if form.count() != 1:
        raise LookupError(f"{target.path}: {form.count()} forms post to {step.action}, not 1")
    for name, value in step.fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    if step.novalidate:
        form.evaluate("f => { f.noValidate = true; }")
    button = (
        form.get_by_role("button", name=step.button, exact=True)
        if step.button
        else form.locator('button[type="submit"]').first
    )
    with tab.expect_response(
        lambda r: r.request.method == "POST" and urlsplit(r.url).path == step.action
    ) as sent:
        button.click()
    tab.wait_for_load_state()
    return sent.value.status
