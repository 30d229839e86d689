"""Passkeys and security keys (WebAuthn): enrolment, the second factor, removal.

A passkey is the phishing-resistant factor OMB M-22-09 asks of federal systems: the
browser binds every signature to this site's origin, so a look-alike site gets
nothing it can replay. The relying party is ``settings.public_url``: its host name
is the relying party ID and ``scheme://host[:port]`` the only origin accepted.

Each ceremony has one challenge, kept on the browser's session row until it is
answered (right or wrong) and valid for CHALLENGE_LIFETIME: its first 8 bytes are
the time it was issued, the rest random. Attestation is not asked for ("none"):
covergate trusts the user who enrols, not a make of authenticator. User
verification is preferred, not required (the password is the other factor).

Every function takes ``*, session`` and flushes; the caller commits (a failed
second factor is recorded, so the caller must commit after catching the error).
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from covergate.clock import Clock
from covergate.errors import AuthenticationFailed, InvalidInput, NotFound
from covergate.signin.models import Passkey, WebSession
from covergate.signin.record import check_not_locked, record
from covergate.signin.schemas import SessionStage, SignInMethod, SignInOutcome
from covergate.signin.service import needs_passkey, passkeys_of
from covergate.signin.sessions import digest, passkey_passed
from covergate.users.models import User

#: A challenge must be answered within this time (the browser's prompt times out too).
CHALLENGE_LIFETIME = timedelta(minutes=5)
#: The most a browser's answer may weigh (an attestation with certificates is a few KB).
MAX_CREDENTIAL = 64 * 1024
MAX_LABEL = 100
RP_NAME = "covergate"
NEEDS_SCRIPT = (
    "a passkey needs JavaScript and a browser that supports WebAuthn; "
    "turn JavaScript on or use another browser"
)


@dataclass(frozen=True)
class RelyingParty:
    """This site as WebAuthn sees it: its ID (a host name) and its one origin."""

    id: str
    origin: str
    name: str = RP_NAME

    @classmethod
    def of(cls, public_url: str) -> RelyingParty:
        parts = urlsplit(public_url)
        host = parts.hostname
        try:
            port = parts.port
        except ValueError:
            port, host = None, None
        if parts.scheme not in ("http", "https") or not host:
            raise InvalidInput(
                f"COVERGATE_PUBLIC_URL must be an http(s) address, not {public_url[:100]!r}"
            )
        if _is_address(host):
            raise InvalidInput(
                f"COVERGATE_PUBLIC_URL must name a host, not the IP address {host} (WebAuthn "
                "refuses addresses); use localhost or the site's DNS name"
            )
        return cls(id=host, origin=f"{parts.scheme}://{host}" + (f":{port}" if port else ""))


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _new_challenge(row: WebSession, clock: Clock) -> bytes:
    issued = int(clock.now().timestamp()).to_bytes(8, "big")
    row.challenge = issued + secrets.token_bytes(32)
    return row.challenge


def _take_challenge(row: WebSession, clock: Clock) -> bytes | None:
    """The pending challenge, once (cleared, right or wrong); None if none or stale."""
    challenge, row.challenge = row.challenge, None
    if challenge is None or len(challenge) < 40:
        return None
    age = clock.now().timestamp() - int.from_bytes(challenge[:8], "big")
    return challenge if age < CHALLENGE_LIFETIME.total_seconds() else None


def _user_handle(user: User) -> bytes:
    # Stable per account and no personal data (the authenticator may store it).
    return f"covergate-user-{user.id}".encode()


def _descriptors(keys: list[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=key.credential_id) for key in keys]


def _parse(credential: str) -> dict[str, Any]:
    """The browser's answer as a JSON object, or InvalidInput (a missing one: no script)."""
    if not credential.strip():
        raise InvalidInput(NEEDS_SCRIPT, field="credential")
    if len(credential) > MAX_CREDENTIAL:
        raise InvalidInput("the passkey's answer is too large", field="credential")
    try:
        value = json.loads(credential)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("the passkey's answer is not valid JSON", field="credential") from exc
    if not isinstance(value, dict):
        raise InvalidInput("the passkey's answer is not a JSON object", field="credential")
    return value


def check_label(*, session: Session, user: User, label: str) -> str:
    """The name of a new passkey, trimmed: required, short, unique for the user."""
    label = " ".join(label.split())
    if not label:
        raise InvalidInput("name the passkey (say, 'Work laptop' or 'Blue key')", field="label")
    if len(label) > MAX_LABEL:
        raise InvalidInput(f"the name must have at most {MAX_LABEL} characters", field="label")
    if any(key.label.lower() == label.lower() for key in passkeys_of(session=session, user=user)):
        raise InvalidInput(f"you already have a passkey named “{label}”", field="label")
    return label


# ---- enrolment -----------------------------------------------------------------


def registration_options(
    *, session: Session, clock: Clock, rp: RelyingParty, row: WebSession
) -> str:
    """The JSON for navigator.credentials.create(); the challenge is kept on ``row``."""
    user = row.user
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.name,
        challenge=_new_challenge(row, clock),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(passkeys_of(session=session, user=user)),
    )
    session.flush()
    return options_to_json(options)


def register(
    *,
    session: Session,
    clock: Clock,
    rp: RelyingParty,
    row: WebSession,
    label: str,
    credential: str,
) -> Passkey:
    """Verify the browser's answer to the pending challenge and enrol the passkey.

    InvalidInput (field ``label`` or ``credential``) when it is refused.
    """
    user = row.user
    label = check_label(session=session, user=user, label=label)
    answer = _parse(credential)
    challenge = _take_challenge(row, clock)
    if challenge is None:
        raise InvalidInput(
            "the passkey prompt expired or was already answered; try again", field="credential"
        )
    try:
        verified = verify_registration_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=False,
        )
    except (WebAuthnException, ValueError) as exc:
        raise InvalidInput(f"the passkey was not accepted: {exc}", field="credential") from exc
    taken = session.scalar(select(Passkey).where(Passkey.credential_id == verified.credential_id))
    if taken is not None:
        raise InvalidInput("this passkey is already enrolled", field="credential")
    key = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        label=label,
        created_at=clock.now(),
        last_used_at=None,
    )
    session.add(key)
    # Enrolling proves possession of the passkey just made. In a session that had not
    # used one (a one-time link that lets a new approver enrol, say), that is the
    # second factor, so the session counts as passkey-verified from now on.
    row.passkey_verified = True
    session.flush()
    return key


def remove(*, session: Session, user: User, passkey_id: int, require_passkey: bool) -> Passkey:
    """Delete one of ``user``'s passkeys; never the last one their role must have."""
    keys = passkeys_of(session=session, user=user)
    key = next((k for k in keys if k.id == passkey_id), None)
    if key is None:
        raise NotFound(f"you have no passkey {passkey_id}")
    if len(keys) == 1 and needs_passkey(user, required=require_passkey):
        raise InvalidInput(
            f"{user.role.value}s must have a passkey: add another one before removing "
            f"“{key.label}”, your last",
            field="remove",
        )
    session.delete(key)
    session.flush()
    return key


# ---- the second factor -----------------------------------------------------------


def authentication_options(
    *, session: Session, clock: Clock, rp: RelyingParty, row: WebSession
) -> str:
    """The JSON for navigator.credentials.get(): the session's user's passkeys only."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=_new_challenge(row, clock),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=_descriptors(passkeys_of(session=session, user=row.user)),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    session.flush()
    return options_to_json(options)


def check_sign_count(stored: int, new: int) -> None:
    """The signature counter must grow, unless the authenticator keeps none (both 0).

    A counter that stands still or goes back means a copy of the key was used.
    """
    if (stored or new) and new <= stored:
        raise AuthenticationFailed(
            f"the passkey's signature counter went back ({new}, last {stored}): it may have "
            "been copied; ask an admin for a one-time sign-in link"
        )


def _sign_count_of(answer: AuthenticationCredential) -> int:
    data = answer.response.authenticator_data
    return int.from_bytes(data[33:37], "big") if len(data) >= 37 else 0


def _verify(
    *, session: Session, clock: Clock, rp: RelyingParty, row: WebSession, credential: str
) -> Passkey:
    """The user's passkey that signed the challenge, or AuthenticationFailed saying why."""
    challenge = _take_challenge(row, clock)
    try:
        answer = parse_authentication_credential_json(_parse(credential))
    except InvalidInput as exc:
        raise AuthenticationFailed(exc.message) from exc
    except (WebAuthnException, ValueError) as exc:
        raise AuthenticationFailed(f"the passkey's answer is malformed: {exc}") from exc
    if challenge is None:
        raise AuthenticationFailed("the passkey prompt expired or was already answered; try again")
    key = session.scalar(select(Passkey).where(Passkey.credential_id == answer.raw_id))
    if key is None or key.user_id != row.user_id:
        raise AuthenticationFailed("this passkey is not enrolled for your account")
    check_sign_count(key.sign_count, _sign_count_of(answer))
    try:
        verified = verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
            require_user_verification=False,
        )
    except (WebAuthnException, ValueError) as exc:
        raise AuthenticationFailed(f"the passkey was not accepted: {exc}") from exc
    key.sign_count = verified.new_sign_count
    key.last_used_at = clock.now()
    return key


def second_factor(
    *,
    session: Session,
    clock: Clock,
    rp: RelyingParty,
    row: WebSession,
    credential: str,
    address: str,
) -> str:
    """Check the passkey a SECOND_FACTOR session owes; the session becomes active.

    Answers the session's new cookie token: the token that crossed the password
    step is retired, so the signed-in session has a token of its own. A failure
    is recorded and counts towards the lockout: AuthenticationFailed (or
    TooManyAttempts when locked) after the record is written, so commit after it.
    """
    user = row.user
    if row.stage is not SessionStage.SECOND_FACTOR:
        raise AuthenticationFailed("this session owes no passkey; sign in again")
    method = SignInMethod.PASSKEY
    check_not_locked(
        session=session, clock=clock, user=user, email=user.email, address=address, method=method
    )
    try:
        _verify(session=session, clock=clock, rp=rp, row=row, credential=credential)
    except AuthenticationFailed as exc:
        session.flush()  # the spent challenge
        record(
            session=session,
            clock=clock,
            email=user.email,
            method=method,
            outcome=SignInOutcome.FAILED,
            address=address,
            detail=exc.message,
            user=user,
        )
        raise
    passkey_passed(session=session, clock=clock, row=row, address=address)
    token = secrets.token_urlsafe(32)
    row.digest = digest(token)
    session.flush()
    return token
