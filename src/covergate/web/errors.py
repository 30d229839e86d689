"""Errors on pages are HTML pages with the same message the API would give.

The app's exception handlers (``covergate.api``) ask :func:`is_page` of the path:
the public pages, sign-in and the staff app answer in HTML, everything else
(``/api``, ``/log``) in problem+json. An unauthenticated visit to a staff page is
sent to the sign-in page, with the page to come back to.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from covergate.signin.schemas import reason_code
from covergate.web.render import render

PAGE_PREFIXES = ("/app", "/sign-in", "/sign-out", "/verify")


def is_page(path: str) -> bool:
    return path == "/" or any(
        path == prefix or path.startswith(prefix + "/") for prefix in PAGE_PREFIXES
    )


def sign_in_redirect(request: Request, message: str | None = None) -> RedirectResponse:
    """303 to /sign-in, remembering the page (a GET) to return to."""
    target = "/sign-in"
    if request.method == "GET" and request.url.path.startswith("/app"):
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(back, safe="")
    if message:
        target += ("&" if "?" in target else "?") + "why=" + reason_code(message)
    return RedirectResponse(target, status_code=303)


def html_error(
    request: Request, status: int, title: str, message: str, field: str | None = None
) -> Response:
    """The error page: the status, its title, the message naming the problem."""
    if status == 401 and request.url.path.startswith("/app"):
        return sign_in_redirect(request, message)
    return error_page(status, title, message, field)


def error_page(status: int, title: str, message: str, field: str | None = None) -> HTMLResponse:
    return render(
        "error.html",
        status=status,
        staff=True,
        title=title,
        message=message,
        field=field,
        status_code=status,
    )
