"""Every page, in Chromium: axe-core, 390 px wide, the keyboard, the CSP.

The pages are the public ones and each role's (tests/web/pages_by_role.py: the
role's navigation, account and detail pages in a world with a request in every
state, and the staff pages their links lead to), served by a real uvicorn server.
For each page:

- axe-core (tests/web/node/node_modules/axe-core, installed by ``make check-node``)
  finds no violation of impact "serious" or "critical". It runs in a context that
  bypasses the CSP, since the pages allow no script;
- at 390 px wide the page does not scroll sideways (wide tables scroll inside
  their ``.table-scroll`` region), in a context with the page's real CSP, which
  nothing on the page breaks;
- the first Tab from the top of the page reaches the "Skip to content" link, which
  is then visible.

A listed page that is missing fails the test naming it. One audit, on SQLite
only: a page's markup does not depend on the database, and every page's reads and
writes run on both backends in the pages' own tests; the audit costs 80 s a backend.
The tests below read its findings, role by role.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import Engine

from covergate.lifecycle.access import get_visible
from covergate.signin.schemas import SESSION_COOKIE
from covergate.users.schemas import Role
from tests.api_server import live_server
from tests.conftest import _empty_all_tables
from tests.web.pages_by_role import (
    PUBLIC_PAGES,
    ROLE_USER,
    TODAY,
    PagesWorld,
    Target,
    discover,
    expected_pages,
    form_pages,
    open_session,
    open_target,
    seed_pages_world,
    signed_in_client,
)
from tests.web.test_browser import browser

# One backend for the audit (see above): ``migrated`` is parametrized by backend.
ON_SQLITE = pytest.mark.parametrize("migrated", ["sqlite"], indirect=True)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

__all__ = ["browser"]

AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
NARROW = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PUBLIC = "public"
GROUPS = [PUBLIC, *(role.value for role in ROLE_USER)]

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""}))
  }));
}"""
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), cls: el.className, href: el.getAttribute("href"),
          text: (el.textContent || "").trim().slice(0, 60),
          visible: box.width > 0 && box.left >= 0 && box.top >= 0
                   && box.right <= innerWidth && box.bottom <= innerHeight};
}"""
_CSP_WATCH = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
)


@dataclass
class PageResult:
    target: Target
    violations: list[dict[str, Any]] = field(default_factory=list)
    minor: list[str] = field(default_factory=list)
    width: int = 0
    focus: dict[str, Any] | None = None
    csp: list[str] = field(default_factory=list)


@dataclass
class GroupResult:
    pages: list[PageResult] = field(default_factory=list)
    #: Listed pages that did not answer as expected: {page: its status, or why}.
    missing: dict[str, int | str] = field(default_factory=dict)


def _check(axe_tab: Page, real_tab: Page, target: Target) -> PageResult | int:
    """The findings on ``target``, or the status it answered when not the expected."""
    result = PageResult(target)
    status = open_target(axe_tab, target)
    if status != target.status:
        return status
    axe_tab.add_script_tag(path=str(AXE))
    for violation in axe_tab.evaluate(_AXE_RUN):
        if violation["impact"] in FAILING_IMPACTS:
            result.violations.append(violation)
        else:
            result.minor.append(f"{violation['id']} ({violation['impact']})")
    status = open_target(real_tab, target)
    if status != target.status:
        raise AssertionError(f"{target.name}: {status} in the second browser context")
    real_tab.keyboard.press("Tab")
    result.focus = real_tab.evaluate(_FOCUSED)
    result.width = real_tab.evaluate("document.documentElement.scrollWidth")
    result.csp = real_tab.evaluate("window.__csp")
    return result


def _contexts(browser: Browser, base_url: str) -> tuple[BrowserContext, BrowserContext]:
    axe = browser.new_context(base_url=base_url, viewport=DESKTOP, bypass_csp=True)
    real = browser.new_context(base_url=base_url, viewport=NARROW)
    real.add_init_script(_CSP_WATCH)
    return axe, real


def _audit_group(
    browser: Browser, base_url: str, targets: list[Target], token: str | None
) -> GroupResult:
    axe, real = _contexts(browser, base_url)
    if token is not None:
        cookie = {"name": SESSION_COOKIE, "value": token, "url": base_url}
        for context in (axe, real):
            context.add_cookies([cookie])
    group = GroupResult()
    try:
        axe_tab, real_tab = axe.new_page(), real.new_page()
        for target in targets:
            try:
                found = _check(axe_tab, real_tab, target)
            except LookupError as exc:  # the form to send is not on the page
                group.missing[target.name] = str(exc)
                continue
            if isinstance(found, int):
                group.missing[target.name] = found
            else:
                group.pages.append(found)
    finally:
        axe.close()
        real.close()
    return group


def _check_world(pages: PagesWorld) -> None:
    """Each request is in the state its label names (the seed did what it says)."""
    world = pages.world
    with world.tx() as s:
        for label, public_id in pages.ids.items():
            state = get_visible(
                session=s, ctx=world.ctx, actor=world.user(s, "auditor"), public_id=public_id
            ).state.value
            if label in {"upcoming", "filed"}:
                continue
            assert state == label.removesuffix("_records"), (label, state)


@pytest.fixture(scope="module")
def audit(
    browser: Browser,
    migrated: tuple[str, str, Engine],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, GroupResult]]:
    _backend, url, engine = migrated
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make check-node`")
    with live_server(url, tmp_path_factory.mktemp("a11y"), today=TODAY) as live:
        _empty_all_tables(engine)  # the server's own people: this world brings its own
        pages = seed_pages_world(live.runtime)
        _check_world(pages)
        results: dict[str, GroupResult] = {}
        public = [Target(p, "public page") for p in PUBLIC_PAGES]
        results[PUBLIC] = _audit_group(browser, live.base_url, public, None)
        for role, key in ROLE_USER.items():
            token, _csrf = open_session(live.runtime, pages.world, key)
            with signed_in_client(live.base_url, token) as client:
                found, missing = discover(client, expected_pages(role, pages), pages)
            targets = found + form_pages(role, pages)
            group = _audit_group(browser, live.base_url, targets, token)
            group.missing.update(missing)
            results[role.value] = group
        _write_report(tmp_path_factory.getbasetemp() / f"a11y-{_backend}.json", results)
        yield results
    _empty_all_tables(engine)


def _write_report(path: Path, results: dict[str, GroupResult]) -> None:
    """Every finding, minor ones included, for a person to read (pytest's temp dir)."""
    path.write_text(json.dumps({k: asdict(v) for k, v in results.items()}, indent=1))


def _listing(group: GroupResult) -> str:
    return "\n".join(f"  {p.target.name} ({p.target.what})" for p in group.pages)


@ON_SQLITE
@pytest.mark.parametrize("group", GROUPS)
def test_every_listed_page_exists(audit: dict[str, GroupResult], group: str) -> None:
    found = audit[group]
    assert found.missing == {}, (
        f"{group}: listed pages that do not answer with their HTML page "
        f"(path: status): {found.missing}\nchecked:\n{_listing(found)}"
    )
    assert found.pages


@ON_SQLITE
@pytest.mark.parametrize("group", GROUPS)
def test_no_serious_axe_violation(audit: dict[str, GroupResult], group: str) -> None:
    lines = [
        f"{page.target.name}: {v['id']} ({v['impact']}: {v['help']}) at {node['target']}"
        for page in audit[group].pages
        for v in page.violations
        for node in v["nodes"]
    ]
    assert lines == [], f"{group}: axe-core violations:\n" + "\n".join(lines)


@ON_SQLITE
@pytest.mark.parametrize("group", GROUPS)
def test_no_sideways_scroll_at_390px(audit: dict[str, GroupResult], group: str) -> None:
    wide = {p.target.name: p.width for p in audit[group].pages if p.width > NARROW["width"] + 1}
    assert wide == {}, f"{group}: pages wider than 390 px (scrollWidth): {wide}"


@ON_SQLITE
@pytest.mark.parametrize("group", GROUPS)
def test_first_tab_reaches_the_skip_link(audit: dict[str, GroupResult], group: str) -> None:
    wrong = {
        p.target.name: p.focus
        for p in audit[group].pages
        if not (
            p.focus is not None
            and p.focus["href"] == "#main"
            and "skip" in p.focus["cls"].split()
            and p.focus["visible"]
        )
    }
    assert wrong == {}, f"{group}: the first Tab did not reach a visible skip link: {wrong}"


@ON_SQLITE
@pytest.mark.parametrize("group", GROUPS)
def test_no_csp_violation(audit: dict[str, GroupResult], group: str) -> None:
    broken = {p.target.name: p.csp for p in audit[group].pages if p.csp}
    assert broken == {}, f"{group}: Content-Security-Policy violations: {broken}"


@ON_SQLITE
def test_every_role_is_checked(audit: dict[str, GroupResult]) -> None:
    assert set(audit) == {PUBLIC, *(r.value for r in Role)}


def test_the_harness_sees_what_it_must(browser: Browser, tmp_path: Path) -> None:
    """On a page built to fail, each check fails: axe finds the unlabelled field, the
    page is wider than 390 px, and the first Tab goes past the skip link (autofocus)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body>'
        '<a class="skip" href="#main">Skip to content</a><main id="main"><h1>Bad</h1>'
        '<input type="text" aria-label="Name" autofocus><a href="#next">Next</a>'
        '<input type="text"><div style="width: 600px">wide</div></main></body></html>'
    )
    context = browser.new_context(viewport=NARROW)
    try:
        tab = context.new_page()
        tab.goto(bad.as_uri())
        tab.add_script_tag(path=str(AXE))
        found = {v["id"]: v["impact"] for v in tab.evaluate(_AXE_RUN)}
        assert found.get("label") == "critical", found
        assert tab.evaluate("document.documentElement.scrollWidth") > NARROW["width"] + 1
        tab.keyboard.press("Tab")
        focus = tab.evaluate(_FOCUSED)
        assert focus is not None
        assert focus["href"] == "#next"
    finally:
        context.close()
