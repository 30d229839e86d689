"""Single sign-on with OpenID Connect: the authorization code flow with PKCE.

The provider is found by discovery (``{issuer}/.well-known/openid-configuration``),
on every sign-in, as are its signing keys: sign-ins are rare, and nothing can go
stale (a rotated key simply appears). Every call to the provider is made with
httpx; the ID token is checked with joserfc (Authlib's JOSE library): its
signature against the provider's published keys (RS/PS/ES algorithms only, never
``none`` or a shared secret), its issuer, its audience (and ``azp`` when it has
several), its expiry and issue time against covergate's clock, and its nonce.

Between the two legs of the flow the browser carries a :class:`Flow` (state,
nonce, PKCE verifier, the page to return to, when it started) in a cookie sealed
with AES-256-GCM under the server's field key (:func:`seal_flow`): the browser
can neither read the verifier nor change anything in it, and only the browser
that started a sign-in can finish it, since the provider's answer must carry the
same state. A flow is good for :data:`FLOW_LIFETIME`.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from covergate.clock import Clock
from covergate.config import OidcSettings
from covergate.signin.oidc_flow import (
    Flow,
    SsoFailed,
    code_challenge,
)

FLOW_COOKIE = "covergate_oidc"
CALLBACK_PATH = "/sign-in/oidc/callback"
SCOPE = "openid email profile"
#: Seconds of clock difference tolerated between covergate and the provider.
LEEWAY = 60
#: Signature algorithms accepted for ID tokens: public-key ones only.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True)
class ProviderInfo:
    """What discovery says about the provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    subject: str
    email: str
    email_verified: bool


def same_issuer(a: str, b: str) -> bool:
    """Issuers compared as configured: COVERGATE_OIDC_ISSUER loses a trailing slash."""
    return a.rstrip("/") == b.rstrip("/")


def callback_url(public_url: str) -> str:
    return public_url.rstrip("/") + CALLBACK_PATH


def _unreachable(what: str) -> SsoFailed:
    return SsoFailed(f"your agency's sign-in service could not be used ({what}); try again")


def _get_json(client: httpx.Client, url: str, what: str, **kw: Any) -> dict[str, Any]:
    try:
        response = client.get(url, **kw)
        response.raise_for_status()
        value = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise _unreachable(what) from exc
    if not isinstance(value, dict):
        raise SsoFailed(f"your agency's sign-in service gave an unusable {what}")
    return value


def discover(client: httpx.Client, settings: OidcSettings) -> ProviderInfo:
    """The provider's metadata; its issuer must be the configured one."""
    url = settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
    meta = _get_json(client, url, "discovery")
    issuer = meta.get("issuer")
    if not isinstance(issuer, str) or not same_issuer(issuer, settings.issuer):
        raise SsoFailed("your agency's sign-in service names another issuer than configured")
    endpoints = [meta.get(k) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")]
    if not all(isinstance(e, str) and urlsplit(e).scheme in ("http", "https") for e in endpoints):
        raise SsoFailed("your agency's sign-in service gave incomplete discovery metadata")
    userinfo = meta.get("userinfo_endpoint")
    offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in ALGORITHMS if isinstance(offered, list) and a in offered)
    if not algorithms:
        raise SsoFailed("your agency's sign-in service signs identity tokens in no accepted way")
    return ProviderInfo(
        issuer=issuer,  # as the provider writes it, which its ID tokens must carry
        authorization_endpoint=str(endpoints[0]),
        token_endpoint=str(endpoints[1]),
        jwks_uri=str(endpoints[2]),
        userinfo_endpoint=userinfo if isinstance(userinfo, str) else None,
        algorithms=algorithms,
    )


def authorization_url(
    provider: ProviderInfo, settings: OidcSettings, flow: Flow, *, redirect_uri: str
) -> str:
    """Where to send the browser: the provider's login, for this flow."""
    params = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": code_challenge(flow.verifier),
        "code_challenge_method": "S256",
    }
    sep = "&" if urlsplit(provider.authorization_endpoint).query else "?"
    return provider.authorization_endpoint + sep + urlencode(params)


def check_answer(flow: Flow, provider_issuer: str, query: dict[str, str]) -> str:
    """The code in the provider's answer, once it is shown to answer this flow."""
    state = query.get("state", "")
    if not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise SsoFailed(
            "the answer from your agency's sign-in service does not match the sign-in this "
            "browser started (wrong state); start again from this page"
        )
    iss = query.get("iss")  # RFC 9207: when sent, it must be our provider (mix-up attacks)
    if iss is not None and not same_issuer(iss, provider_issuer):
        raise SsoFailed("the answer came from another sign-in service than configured")
    error = query.get("error")
    if error is not None:
        code = "".join(c for c in error[:60] if c.isalnum() or c == "_")
        if code == "access_denied":
            raise SsoFailed("the sign-in was cancelled or refused at your agency's account")
        raise SsoFailed(f"your agency's sign-in service refused the sign-in ({code})")
    code = query.get("code", "")
    if not code:
        raise SsoFailed("the answer from your agency's sign-in service has no code")
    return code


def exchange_code(
    client: httpx.Client,
    provider: ProviderInfo,
    settings: OidcSettings,
    *,
    code: str,
    verifier: str,
    redirect_uri: str,
) -> dict[str, Any]:
    """The token response for ``code`` (client_secret_basic, with the PKCE verifier)."""
    credentials = f"{quote(settings.client_id, safe='')}:{quote(settings.client_secret, safe='')}"
    basic = base64.b64encode(credentials.encode()).decode("ascii")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    try:
        response = client.post(
            provider.token_endpoint,
            data=form,
            headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
        )
        value = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise _unreachable("token exchange") from exc
    if not isinstance(value, dict):
        raise SsoFailed("your agency's sign-in service gave an unusable token response")
    if response.status_code != 200 or "error" in value:
        error = str(value.get("error", response.status_code))[:60]
        raise SsoFailed(f"your agency's sign-in service refused the code ({error})")
    if not isinstance(value.get("id_token"), str):
        raise SsoFailed("your agency's sign-in service sent no identity token")
    return value


def fetch_keys(client: httpx.Client, provider: ProviderInfo) -> KeySet:
    published = _get_json(client, provider.jwks_uri, "signing keys")
    try:
        return KeySet.import_key_set(published)  # type: ignore[arg-type]  # checked as imported
    except (JoseError, ValueError, TypeError) as exc:
        raise SsoFailed("your agency's sign-in service publishes unusable signing keys") from exc


_CLAIM_WORDS = {
    "iss": "it comes from another issuer",
    "aud": "it is meant for another application",
    "azp": "it was issued to another application",
    "sub": "it names nobody",
    "exp": "its expiry is missing or wrong",
    "iat": "its time of issue is missing or in the future",
    "nbf": "it is not valid yet",
    "nonce": "it was made for another sign-in attempt (its nonce differs)",
}


def _invalid(why: str) -> SsoFailed:
    return SsoFailed(
        f"covergate could not trust the answer of your agency's sign-in service: {why}"
    )


def validate_id_token(
    id_token: str,
    *,
    keys: KeySet,
    algorithms: tuple[str, ...],
    issuer: str,
    client_id: str,
    nonce: str,
    now: datetime,
) -> dict[str, Any]:
    """The ID token's claims, once its signature and claims are checked."""
    try:
        token = jwt.decode(id_token, keys, algorithms=[a for a in algorithms if a in ALGORITHMS])
    except JoseError as exc:
        raise _invalid("its signature does not verify with the service's keys") from exc
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=LEEWAY,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise _invalid("it has expired") from exc
    except ClaimError as exc:
        name = exc.claim.split(",")[0]  # the first of the missing ones
        raise _invalid(_CLAIM_WORDS.get(name, f"its claim {name[:30]} is wrong")) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise _invalid(_CLAIM_WORDS["azp"])
    if not isinstance(claims["nonce"], str) or not hmac.compare_digest(
        claims["nonce"].encode(), nonce.encode()
    ):
        raise _invalid(_CLAIM_WORDS["nonce"])
    return claims


def identity_of(
    client: httpx.Client, provider: ProviderInfo, claims: dict[str, Any], access_token: object
) -> Identity:
    """The email and whether the provider verified it: from the ID token, or else
    from the userinfo endpoint (which must name the same subject)."""
    subject = str(claims["sub"])
    source = claims
    if "email" not in claims and provider.userinfo_endpoint and isinstance(access_token, str):
        source = _get_json(
            client,
            provider.userinfo_endpoint,
            "user information",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if source.get("sub") != subject:
            raise SsoFailed("your agency's sign-in service described another user")
    email = source.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoFailed("your agency's sign-in service did not give your email address")
    verified = source.get("email_verified")
    # A boolean by the standard; some services send the string "true".
    return Identity(
        subject=subject,
        email=email.strip(),
        email_verified=verified is True or verified == "true",
    )


def finish(
    settings: OidcSettings,
    flow: Flow,
    query: dict[str, str],
    *,
    redirect_uri: str,
    clock: Clock,
) -> Identity:
    """The second leg: check the answer, exchange its code, check the ID token."""
    code = check_answer(flow, settings.issuer, query)  # before anything is sent
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        provider = discover(client, settings)
        tokens = exchange_code(
            client, provider, settings, code=code, verifier=flow.verifier, redirect_uri=redirect_uri
        )
        claims = validate_id_token(
            tokens["id_token"],
            keys=fetch_keys(client, provider),
            algorithms=provider.algorithms,
            issuer=provider.issuer,
            client_id=settings.client_id,
            nonce=flow.nonce,
            now=clock.now(),
        )
        return identity_of(client, provider, claims, tokens.get("access_token"))


def start(settings: OidcSettings, flow: Flow, *, redirect_uri: str) -> str:
    """The first leg: the provider's authorization URL for ``flow``."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        provider = discover(client, settings)
    return authorization_url(provider, settings, flow, redirect_uri=redirect_uri)
