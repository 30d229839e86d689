"""Rendering pages: one Jinja2 environment, one set of security headers.

Every page is server-rendered and works without JavaScript. The only script is
``/static/passkey.js``, which WebAuthn needs (a passkey cannot be used without
it); pages that use it ask for ``script-src 'self'`` and nothing wider.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from fastapi.responses import HTMLResponse

from covergate import __version__

_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
#: No script, no frames, no third-party anything: the pages only need their stylesheet.
SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on our
    # own forms, which the Origin check must refuse. Other sites still get no referrer.
    "Referrer-Policy": "same-origin",
}
#: Pages that run /static/passkey.js (and fetch its JSON from the same origin).
SCRIPT_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": _CSP + "; script-src 'self'; connect-src 'self'",
}
PAGE_CACHE = "no-cache"
#: Staff pages hold what a shared computer must not keep.
STAFF_CACHE = "no-store"


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def _count(n: int) -> str:
    return f"{n:,}"


def _label(value: object) -> str:
    """``mail_cover`` -> ``Mail cover``: enum values as words."""
    text = str(getattr(value, "value", value))
    return text.replace("_", " ").capitalize()


def _sentence(text: str) -> str:
    """The first letter upper case, the rest as written (emails, names, ids)."""
    return text[:1].upper() + text[1:]


@cache
def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("covergate.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent
    env.filters["count"] = _count
    env.filters["label"] = _label
    env.filters["sentence"] = _sentence
    return env


def render(
    name: str,
    *,
    status: int = 200,
    scripts: bool = False,
    staff: bool = False,
    **context: Any,
) -> HTMLResponse:
    """The template ``name`` as a page, with the headers every page carries."""
    html = templates().get_template(name).render(version=__version__, **context)
    headers = dict(SCRIPT_HEADERS if scripts else SECURITY_HEADERS)
    headers["Cache-Control"] = STAFF_CACHE if staff else PAGE_CACHE
    return HTMLResponse(html, status_code=status, headers=headers)
