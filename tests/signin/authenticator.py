"""A software authenticator for tests: EC P-256 keys, "none" attestation, CBOR by hand.

It answers the JSON options covergate sends exactly as a browser and a security
key would (the same JSON the page's script posts), and can be told to lie: another
origin, another relying party, another challenge, an older signature counter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40  # authenticator data flags: present, verified, attested


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError(n)


def cbor(value: Any) -> bytes:
    """Canonical-enough CBOR (RFC 8949) for ints, bytes, text, lists and maps."""
    if isinstance(value, bool):
        return bytes([0xF5 if value else 0xF4])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


@dataclass
class Authenticator:
    """One credential on a pretend security key."""

    origin: str
    rp_id: str
    sign_count: int = 0
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def create(
        self,
        options: str | dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: bytes | None = None,
    ) -> str:
        """The answer to navigator.credentials.create(options), as the page posts it."""
        opts = json.loads(options) if isinstance(options, str) else options
        client_data = self._client_data(
            "webauthn.create", b64url(challenge) if challenge else opts["challenge"], origin
        )
        rp_hash = hashlib.sha256((rp_id or opts["rp"]["id"]).encode()).digest()
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id
        auth_data = (
            rp_hash
            + bytes([UP | UV | AT])
            + self.sign_count.to_bytes(4, "big")
            + attested
            + self._cose_key()
        )
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["usb"],
                },
            }
        )

    def get(
        self,
        options: str | dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        counter_step: int = 1,
    ) -> str:
        """The answer to navigator.credentials.get(options); the counter moves on by
        ``counter_step`` (0: an authenticator that keeps no counter) unless given."""
        opts = json.loads(options) if isinstance(options, str) else options
        if sign_count is None:
            self.sign_count += counter_step
            sign_count = self.sign_count
        client_data = self._client_data("webauthn.get", opts["challenge"], origin)
        rp_hash = hashlib.sha256((rp_id or opts["rpId"]).encode()).digest()
        auth_data = rp_hash + bytes([UP | UV]) + sign_count.to_bytes(4, "big")
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                    "userHandle": None,
                },
            }
        )
