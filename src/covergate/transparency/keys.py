"""The log's Ed25519 signing key, kept in ``<data>/log-signing.key``.

The file holds one line in the format of golang.org/x/mod/sumdb/note signer
keys, ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>``, so
the key's name (the log origin) travels with it: a process configured with
another origin refuses to sign rather than publish checkpoints nobody can
verify. Created with mode 0600 by ``covergate init``.
"""

from __future__ import annotations

import base64
import binascii
import os

from covergate.config import Settings
from covergate.errors import InvalidInput, MalformedLogData
from covergate.tlog.keys import ED25519_KEY_TYPE, Ed25519Signer, generate_signer, key_id
from covergate.tlog.keys import signer_from_private_bytes as _signer_from_seed

__all__ = ["ensure_log_key", "format_signer_key", "load_log_signer", "parse_signer_key"]

_PREFIX = "PRIVATE+KEY+"


def format_signer_key(name: str, seed: bytes) -> str:
    """``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>``."""
    signer = _signer_from_seed(name, seed)
    encoded = base64.b64encode(bytes([ED25519_KEY_TYPE]) + seed).decode()
    return f"{_PREFIX}{name}+{signer.key_id.hex()}+{encoded}"


def parse_signer_key(text: str) -> Ed25519Signer:
    """Parse a signer key string; MalformedLogData unless well formed."""
    if not text.startswith(_PREFIX):
        raise MalformedLogData("malformed log signing key: bad prefix")
    parts = text[len(_PREFIX) :].split("+", 2)  # base64 may itself contain "+"
    if len(parts) != 3:
        raise MalformedLogData("malformed log signing key: expected name+id+key")
    name, hex_id, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise MalformedLogData("malformed log signing key: bad base64") from exc
    if len(raw) != 33 or raw[0] != ED25519_KEY_TYPE:
        raise MalformedLogData("malformed log signing key: not an Ed25519 key")
    signer = _signer_from_seed(name, raw[1:])
    if key_id(name, ED25519_KEY_TYPE, signer.public_key).hex() != hex_id:
        raise MalformedLogData("malformed log signing key: key ID does not match")
    return signer


def ensure_log_key(settings: Settings) -> Ed25519Signer:
    """Create the log signing key (mode 0600) unless it exists; return the signer."""
    path = settings.log_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        signer, seed = generate_signer(settings.log_origin)
        _ = signer
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; use theirs
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(format_signer_key(settings.log_origin, seed) + "\n")
    return load_log_signer(settings)


def load_log_signer(settings: Settings) -> Ed25519Signer:
    """The log's signer; InvalidInput when the key is missing or not for this origin."""
    path = settings.log_key_file
    try:
        text = path.read_text().strip()
    except FileNotFoundError as exc:
        raise InvalidInput(f"no log key at {path}: run `covergate init`") from exc
    signer = parse_signer_key(text)
    if signer.name != settings.log_origin:
        raise InvalidInput(
            f"log key {path} is for origin {signer.name!r}, "
            f"but the log origin is {settings.log_origin!r}"
        )
    return signer
