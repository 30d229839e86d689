"""Every router of the web app, in the order the app includes them."""

from __future__ import annotations

from fastapi import APIRouter

from covergate.signin.oidc_routes import router as oidc
from covergate.signin.passkey_routes import router as passkeys
from covergate.signin.routes import router as sign_in
from covergate.web.admin_pages import router as admin
from covergate.web.audit_pages import router as audit
from covergate.web.court_pages import router as court
from covergate.web.docs import router as docs
from covergate.web.home import router as home
from covergate.web.intake_pages import router as intake
from covergate.web.observe_pages import router as observe
from covergate.web.request_pages import router as request_pages
from covergate.web.review_pages import router as review

routers: tuple[APIRouter, ...] = (
    sign_in,
    passkeys,
    oidc,
    home,
    intake,
    request_pages,
    review,
    observe,
    audit,
    admin,
    court,
    docs,
)
