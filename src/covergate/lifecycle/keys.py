"""One data key per request (envelope encryption), so destruction is real.

Every ciphertext of a request (its private document part, notes, observations,
production files, the order document, the notice's tracking number) is sealed with
the request's own 32-byte key. That key is stored only wrapped under the field key
(``Request.data_key_ct``, label bound to the request's id). Destroying a request's
data (``covergate.retention``) deletes the wrapped key and the ciphertexts: nothing
in the database, or in any copy of it made afterwards, opens that data. A backup
made *before* the destruction still holds the wrapped key (it is in the same
database), so destruction is complete once such backups have expired (docs/NOTICES.md).

Rows written before per-request keys have ``data_key_ct`` NULL and are sealed
under the field key; the data upgrade (``covergate.upgrades``) re-seals them
under new per-request keys.

>>> import os
>>> from covergate.crypto import FieldCipher
>>> field = FieldCipher(os.urandom(32))
>>> wrapped, cipher = new_data_key(field, "a" * 32)
>>> opened = unwrap_key(field, "a" * 32, wrapped)
>>> opened.decrypt(cipher.encrypt(b"x", label=b"t"), label=b"t")
b'x'
"""

from __future__ import annotations

import os

from covergate.context import ServiceContext
from covergate.crypto import KEY_SIZE, FieldCipher
from covergate.errors import Gone
from covergate.lifecycle.models import Request

__all__ = ["DATA_KEY_LABEL", "data_cipher", "new_data_key", "request_cipher", "unwrap_key"]

DATA_KEY_LABEL = b"request.data_key:"


def _label(public_id: str) -> bytes:
    return DATA_KEY_LABEL + public_id.encode()


def new_data_key(field: FieldCipher, public_id: str) -> tuple[bytes, FieldCipher]:
    """A new random data key for request ``public_id``: (wrapped under the field key,
    the cipher it gives)."""
    key = os.urandom(KEY_SIZE)
    return field.encrypt(key, label=_label(public_id)), FieldCipher(key)


def unwrap_key(field: FieldCipher, public_id: str, wrapped: bytes) -> FieldCipher:
    return FieldCipher(field.decrypt(wrapped, label=_label(public_id)))


def data_cipher(field: FieldCipher, request: Request) -> FieldCipher:
    """The cipher of ``request``'s data under field key ``field``: its own key, or the
    field key itself for a row written before per-request keys (upgraded by upgrade_data)."""
    if request.data_key_ct is None:
        return field
    return unwrap_key(field, request.public_id, request.data_key_ct)


def request_cipher(ctx: ServiceContext, request: Request) -> FieldCipher:
    """The cipher for ``request``'s data; Gone once its data has been destroyed."""
    if request.destroyed_on is not None:
        reason = request.destruction_reason.value if request.destruction_reason else "destroyed"
        raise Gone(
            f"the data of request {request.public_id} was destroyed on "
            f"{request.destroyed_on.isoformat()} ({reason.replace('_', ' ')})"
        )
    return data_cipher(ctx.cipher, request)
