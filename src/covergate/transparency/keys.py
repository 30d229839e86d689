"""The log's Ed25519 signing keys, kept in the data directory.

``<data>/log-signing.key`` holds the current key, one line in the format of
golang.org/x/mod/sumdb/note signer keys,
``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>``, so the
key's name (the log origin) travels with it: a process configured with another
origin refuses to sign rather than publish checkpoints nobody can verify.
Created with mode 0600 by ``covergate init``.

Rotation (``covergate log rotate-key``, then ``covergate log retire-key KEYID``):
the old key moves to ``log-signing.previous.key`` and keeps signing beside the
new one, so every checkpoint of the transition carries both signatures and
opens with either verifier key; verifiers, monitors and witnesses switch to the
new key at their own pace. Retiring moves the old key to
``log-signing.retired/<key ID>.key``, where it signs nothing again (kept so
the operator decides when to destroy it). :class:`LogSigner` is the signer the
log uses: every current key, in that order.
"""

from __future__ import annotations

import base64
import binascii
import os
from contextlib import suppress
from pathlib import Path

from covergate.config import Settings
from covergate.errors import Conflict, InvalidInput, MalformedLogData
from covergate.tlog.keys import (
    ED25519_KEY_TYPE,
    Ed25519Signer,
    Ed25519Verifier,
    generate_signer,
    key_id,
)
from covergate.tlog.keys import signer_from_private_bytes as _signer_from_seed

__all__ = [
    "LogSigner",
    "ensure_log_key",
    "format_signer_key",
    "load_log_signer",
    "load_log_signers",
    "parse_signer_key",
    "previous_key_file",
    "retire_log_key",
    "retired_key_dir",
    "rotate_log_key",
]

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
        _, seed = generate_signer(settings.log_origin)
        with suppress(FileExistsError):  # another process created it first; use theirs
            _write_new(path, format_signer_key(settings.log_origin, seed))
    return load_log_signer(settings)


def _write_new(path: Path, line: str) -> None:
    # Mode 0600 from the start, never over an existing file, on disk before return.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def load_log_signer(settings: Settings) -> Ed25519Signer:
    """The log's signer; InvalidInput when the key is missing or not for this origin."""
    path = settings.log_key_file
    try:
        text = path.read_text().strip()
    except FileNotFoundError as exc:
        raise InvalidInput(f"no log key at {path}: run `covergate init`") from exc
    return _for_origin(parse_signer_key(text), path, settings)


def _for_origin(signer: Ed25519Signer, path: Path, settings: Settings) -> Ed25519Signer:
    if signer.name != settings.log_origin:
        raise InvalidInput(
            f"log key {path} is for origin {signer.name!r}, "
            f"but the log origin is {settings.log_origin!r}"
        )
    return signer


# --- rotation ----------------------------------------------------------------


def previous_key_file(settings: Settings) -> Path:
    """Where the old key of a rotation under way is kept (it still signs)."""
    return settings.log_key_file.with_name("log-signing.previous.key")


def retired_key_dir(settings: Settings) -> Path:
    """Where retired keys are kept, one ``<key ID>.key`` each (they sign nothing)."""
    return settings.log_key_file.with_name("log-signing.retired")


class LogSigner:
    """The log's signer: the current key, and during a rotation the previous one.

    :meth:`sign` returns one signature line per key, the current key's first, so
    a checkpoint of the transition opens with either verifier key. ``name``,
    ``key_id``, :meth:`verifier` and :meth:`verifier_key` are the current key's:
    what the log hands out as *its* key from now on.
    """

    def __init__(self, current: Ed25519Signer, previous: Ed25519Signer | None = None) -> None:
        if previous is not None and previous.key_id == current.key_id:
            previous = None  # a rotation interrupted before its new key was in place
        if previous is not None and previous.name != current.name:
            raise InvalidInput(
                f"the previous log key is named {previous.name!r}, not {current.name!r}"
            )
        self.current = current
        self.previous = previous
        self.name = current.name
        self.key_id = current.key_id

    @property
    def signers(self) -> tuple[Ed25519Signer, ...]:
        """Every key that signs, current first."""
        return (self.current,) if self.previous is None else (self.current, self.previous)

    def sign(self, text: bytes) -> bytes:
        """One signature line per key, each with its newline."""
        return b"".join(signer.sign(text) for signer in self.signers)

    def verifier(self) -> Ed25519Verifier:
        """The current key's verifier."""
        return self.current.verifier()

    def verifier_key(self) -> str:
        """The current key's verifier key string."""
        return self.current.verifier_key()

    def verifiers(self) -> list[Ed25519Verifier]:
        """A verifier for every key that signs, current first."""
        return [signer.verifier() for signer in self.signers]


def load_log_signers(settings: Settings) -> LogSigner:
    """The current key and, if a rotation is under way, the previous one."""
    current = load_log_signer(settings)
    path = previous_key_file(settings)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return LogSigner(current)
    return LogSigner(current, _for_origin(parse_signer_key(text), path, settings))


def rotate_log_key(settings: Settings) -> LogSigner:
    """Make a new current key; the current one becomes the previous key, still signing.

    Conflict when a rotation is already under way (retire its old key first).
    The order of the steps makes a crash harmless: the previous-key file is
    written before the current one is replaced, and a previous key equal to the
    current one is ignored (and overwritten by the next rotation).
    """
    signers = load_log_signers(settings)
    if signers.previous is not None:
        raise Conflict(
            f"a key rotation is under way: the old key {signers.previous.key_id.hex()} "
            f"still signs; run `covergate log retire-key {signers.previous.key_id.hex()}` first"
        )
    old_text = settings.log_key_file.read_text().strip()
    previous = previous_key_file(settings)
    previous.unlink(missing_ok=True)  # only ever an interrupted rotation's copy of the current
    _write_new(previous, old_text)
    _, seed = generate_signer(settings.log_origin)
    tmp = settings.log_key_file.with_name(".log-signing.key.new")
    tmp.unlink(missing_ok=True)
    _write_new(tmp, format_signer_key(settings.log_origin, seed))
    tmp.replace(settings.log_key_file)
    return load_log_signers(settings)


def retire_log_key(settings: Settings, key: str) -> Path:
    """Stop signing with the previous key ``key`` (its hex key ID or verifier key).

    The key file moves to :func:`retired_key_dir`; returns its new path.
    InvalidInput when ``key`` is not the previous key of a rotation under way.
    """
    signers = load_log_signers(settings)
    text = key.strip()
    wanted = text.split("+", 2)[1] if "+" in text else text.lower()
    if wanted == signers.current.key_id.hex():
        raise InvalidInput(
            f"{wanted} is the current log key; only the previous key of a rotation retires"
        )
    if signers.previous is None or wanted != signers.previous.key_id.hex():
        held = "none" if signers.previous is None else signers.previous.key_id.hex()
        raise InvalidInput(f"{wanted} is not the previous log key (the previous key: {held})")
    folder = retired_key_dir(settings)
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{wanted}.key"
    previous_key_file(settings).replace(target)
    return target
