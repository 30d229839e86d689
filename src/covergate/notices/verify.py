"""Checking a notice bundle offline: ``covergate notice verify BUNDLE --key VKEY``.

Pure: bytes and the log's verifier key (and optionally a witness policy) in, a
:class:`VerifiedBundle` or an error
out; no database, no network, no covergate runtime. What is checked, in order:

1. the file is the bundle's canonical JSON (``covergate/notice-bundle/v1``), each
   field of the right form (an error names its JSON path:
   ``entries[3].opening.salt: not base64``), base64 in its one canonical spelling,
   and byte for byte what :func:`encode_bundle` writes, so that no byte of it can
   change unnoticed;
2. the checkpoint is signed by the given key (other signature lines, such as
   witness cosignatures or the log's second key during a key rotation, are
   counted but not trusted); with a witness policy, its cosignatures meet the
   quorum (:mod:`covergate.transparency.witnessed`; a shortfall is QuorumNotMet).
   ``log.key`` is the given key, or, in a bundle made during a rotation of the
   log key, the log's other key, which must then have signed the checkpoint too;
3. every entry is in the log at that checkpoint (RFC 6962 inclusion proof), names
   the bundle's request, and its opening (salt and private record) gives its
   commitment; only a sealed order's entries may withhold their opening;
4. the production manifest, when there is one, is the one the log committed to;
5. the events are in a lawful order (:mod:`covergate.notices.rules`);
6. ``facts`` is exactly what the entries prove (:mod:`covergate.notices.summary`).

Every failure is a MalformedLogData (the form) or VerificationFailed (the proof).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.lifecycle.events import ORDER_EVENTS, EventType
from covergate.lifecycle.sealing import is_sealed, open_fields
from covergate.notices.rules import check_lawful_order
from covergate.notices.summary import PRODUCTION_EVENTS, LoggedEvent, derive_facts, first_difference
from covergate.tlog.hashing import HASH_SIZE, Hash, leaf_hash
from covergate.tlog.inclusion import verify_inclusion
from covergate.tlog.keys import Ed25519Verifier
from covergate.tlog.note import open_note
from covergate.tlog.policy import WitnessPolicy
from covergate.transparency.entries import SALT_SIZE, check_commitment
from covergate.transparency.witnessed import (
    NOT_CHECKED,
    QuorumNotMet,
    Witnessed,
    log_keys_of,
    open_witnessed,
)

__all__ = ["BUNDLE_FORMAT", "VerifiedBundle", "encode_bundle", "parse_events", "verify_bundle"]

BUNDLE_FORMAT = "covergate/notice-bundle/v1"
_TOP = frozenset({"format", "request", "log", "checkpoint", "entries", "manifest", "facts"})
_ENTRY = frozenset({"index", "entry", "proof", "opening"})
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
_MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class VerifiedBundle:
    """What a bundle proved: its request, the checkpoint, and the events in order."""

    request: str
    origin: str
    checkpoint_size: int
    events: tuple[LoggedEvent, ...]
    facts: dict[str, Any]
    notes: tuple[str, ...]
    witnessed: Witnessed | None = None


def encode_bundle(bundle: dict[str, Any]) -> bytes:
    """The one byte form of a bundle: sorted keys, two-space indent, ASCII, final newline."""
    return json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=True).encode() + b"\n"


def _bad(path: str, message: str) -> MalformedLogData:
    return MalformedLogData(f"{path}: {message}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedLogData(f"bundle: the key {key!r} is given twice")
        out[key] = value
    return out


def _object(value: Any, path: str, keys: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(path, "must be an object")
    missing, unknown = sorted(keys - set(value)), sorted(set(value) - keys)
    if missing:
        raise _bad(f"{path}.{missing[0]}" if path != "bundle" else missing[0], "missing")
    if unknown:
        raise _bad(f"{path}.{unknown[0]}" if path != "bundle" else unknown[0], "unknown field")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, "must be a string")
    return value


def _b64(value: Any, path: str, size: int | None = None) -> bytes:
    text = _text(value, path)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(path, "not base64") from None
    if base64.b64encode(raw).decode() != text:
        raise _bad(path, "not base64 in its canonical form")
    if size is not None and len(raw) != size:
        raise _bad(path, f"must be {size} bytes, not {len(raw)}")
    return raw


def _index(value: Any, path: str) -> int:
    if type(value) is not int or not 0 <= value < 1 << 63:
        raise _bad(path, "must be a whole number from 0")
    return value


@dataclass(frozen=True)
class _Entry:
    index: int
    data: bytes
    proof: list[Hash]
    salt: bytes | None
    record: bytes | None


def _entries(value: Any) -> list[_Entry]:
    if not isinstance(value, list) or not value:
        raise _bad("entries", "must be a non-empty list")
    if len(value) > _MAX_ENTRIES:
        raise _bad("entries", f"more than {_MAX_ENTRIES} entries")
    out: list[_Entry] = []
    for i, item in enumerate(value):
        path = f"entries[{i}]"
        fields = _object(item, path, _ENTRY)
        index = _index(fields["index"], f"{path}.index")
        if out and index <= out[-1].index:
            raise _bad(f"{path}.index", "entries must be in increasing order of index")
        proof = fields["proof"]
        if not isinstance(proof, list) or len(proof) > 64:
            raise _bad(f"{path}.proof", "must be a list of at most 64 hashes")
        hashes = [Hash(_b64(h, f"{path}.proof[{j}]", HASH_SIZE)) for j, h in enumerate(proof)]
        salt = record = None
        if fields["opening"] is not None:
            opening = _object(fields["opening"], f"{path}.opening", frozenset({"salt", "record"}))
            salt = _b64(opening["salt"], f"{path}.opening.salt", SALT_SIZE)
            record = _b64(opening["record"], f"{path}.opening.record")
        out.append(_Entry(index, _b64(fields["entry"], f"{path}.entry"), hashes, salt, record))
    return out


def _checkpoint(value: Any, logs: list[Ed25519Verifier], policy: WitnessPolicy | None) -> Witnessed:
    note = _text(value, "checkpoint").encode("utf-8")
    who = ", ".join(v.verifier_key() for v in logs)
    try:
        return open_witnessed(note, logs, policy)
    except QuorumNotMet as exc:
        raise QuorumNotMet(f"checkpoint: {exc.message}") from None
    except VerificationFailed as exc:
        raise VerificationFailed(
            f"checkpoint: signature does not verify with key {who} ({exc})"
        ) from None
    except MalformedLogData as exc:
        raise _bad("checkpoint", str(exc)) from None


def _also_signed_by(value: Any, vkey: str, origin: str, logs: list[Ed25519Verifier]) -> bool:
    """Whether the checkpoint is signed both by ``vkey`` (the bundle's ``log.key``,
    named ``origin``) and by a key given: a bundle made during a log key rotation."""
    try:
        other = Ed25519Verifier.from_key_string(vkey)
        note = _text(value, "checkpoint").encode("utf-8")
        if other.name != origin:
            return False
        open_note(note, [other])
        open_note(note, list(logs))
    except (MalformedLogData, VerificationFailed):
        return False
    return True


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError):
        raise VerificationFailed(f"{what}: not JSON") from None
    if not isinstance(value, dict):
        raise VerificationFailed(f"{what}: not a JSON object")
    return value


def _day(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise VerificationFailed(f"{what}: no valid date") from None


def _details_key(value: Any) -> bytes | None:
    if value is None:
        return None
    text = _text(value, "details_key")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise _bad("details_key", "must be 64 lowercase hex characters")
    return bytes.fromhex(text)


def _open_public(data: bytes, where: str, details_key: bytes | None) -> dict[str, Any]:
    """An entry's public fields; a sealed entry's as they open with the details key."""
    public = _json_object(data, where)
    if not is_sealed(public):
        return public
    if details_key is None:
        raise VerificationFailed(f"{where}: sealed, and the bundle has no details key")
    try:
        opened: dict[str, Any] = open_fields(public, details_key)
    except MalformedLogData as exc:
        raise VerificationFailed(f"{where}: {exc}") from None
    opened["commitment"] = public.get("commitment")
    return opened


def parse_events(
    request_id: str,
    entries: list[tuple[int, bytes, bytes | None]],
    *,
    details_key: bytes | None = None,
) -> list[LoggedEvent]:
    """The (index, entry, opened record or None) of one request as :class:`LoggedEvent`.

    A sealed entry (``lifecycle.sealing``) is read as it opens with ``details_key``.
    VerificationFailed when an entry is not an event of ``request_id``, a sealed one
    does not open, or a record names another request, event or day than its entry.
    """
    events = []
    for index, data, record_bytes in entries:
        where = f"entry {index}"
        public = _open_public(data, where, details_key)
        try:
            kind = EventType(str(public.get("event")))
        except ValueError:
            raise VerificationFailed(f"{where}: not an event covergate logs") from None
        if public.get("request") != request_id:
            raise VerificationFailed(f"{where}: not an event of request {request_id}")
        day = _day(public.get("date"), where)
        record = None
        if record_bytes is not None:
            record = _json_object(record_bytes, f"{where}: its opened record")
            named = (record.get("request"), record.get("event"), record.get("day"))
            if named != (request_id, kind.value, day.isoformat()):
                raise VerificationFailed(
                    f"{where}: its opened record names another request, event or day"
                )
        events.append(LoggedEvent(index, kind, day, public, record))
    return events


def _manifest(value: Any, events: list[LoggedEvent]) -> dict[str, Any] | None:
    produced = next((e for e in events if e.event in PRODUCTION_EVENTS), None)
    if value is None:
        if produced is not None and produced.record is not None:
            raise _bad("manifest", f"missing (the log has a production, entry {produced.index})")
        return None
    data = _b64(value, "manifest")
    if produced is None or produced.record is None:
        raise VerificationFailed("manifest: the log records no production of this request")
    if hashlib.sha256(data).hexdigest() != produced.detail.get("manifest_sha256"):
        raise VerificationFailed(
            f"manifest: not the manifest the log committed to at entry {produced.index}"
        )
    return _json_object(data, "manifest")


def verify_bundle(
    data: bytes,
    vkey: str | None,
    *,
    lawful: bool = True,
    policy: WitnessPolicy | None = None,
) -> VerifiedBundle:
    """Check a notice bundle against the log's verifier key ``vkey`` (see the module).

    ``lawful=False`` skips step 5 only: the builder checks what it hands out with it,
    so that a request whose history broke the rules still gets its bundle, and its
    subject learns from the verifier which entry broke which rule. With ``policy``
    the checkpoint must carry its witness quorum, and ``vkey`` may be None: the
    policy's ``log`` lines are the keys then.
    """
    logs = log_keys_of([vkey] if vkey else [], policy)
    try:
        value = json.loads(data.decode("ascii"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        raise MalformedLogData(f"bundle: not ASCII JSON (byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise MalformedLogData(f"bundle: not JSON ({exc})") from None
    # ``details_key`` (lifecycle.sealing) was added later: bundles without it still verify.
    keys = _TOP | {"details_key"} if isinstance(value, dict) and "details_key" in value else _TOP
    top = _object(value, "bundle", keys)
    details_key = _details_key(top.get("details_key"))
    if top["format"] != BUNDLE_FORMAT:
        raise _bad("format", f"must be {BUNDLE_FORMAT!r}")
    request_id = _text(top["request"], "request")
    if not _REQUEST_ID.fullmatch(request_id):
        raise _bad("request", "must be a request id (32 lowercase hex characters)")
    log = _object(top["log"], "log", frozenset({"origin", "key"}))
    origin = _text(log["origin"], "log.origin")
    logs = [v for v in logs if v.name == origin] or logs
    bundle_key = _text(log["key"], "log.key")
    if bundle_key not in {v.verifier_key() for v in logs} and not _also_signed_by(
        top["checkpoint"], bundle_key, origin, logs
    ):
        raise VerificationFailed(f"log.key: not the key given ({logs[0].verifier_key()})")
    if origin != logs[0].name:
        raise VerificationFailed(f"log.origin: not the origin of the key given ({logs[0].name})")
    entries = _entries(top["entries"])
    canonical = encode_bundle(value)
    if canonical != data:
        pairs = enumerate(zip(canonical, data, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), None)
        raise MalformedLogData(
            "bundle: not in its canonical form (changed or reformatted, from byte "
            f"{min(len(canonical), len(data)) if at is None else at})"
        )
    witnessed = _checkpoint(top["checkpoint"], logs, policy)
    checkpoint = witnessed.checkpoint
    for e in entries:
        if e.index >= checkpoint.size:
            raise VerificationFailed(
                f"entry {e.index}: not in the log at checkpoint size {checkpoint.size}"
            )
        try:
            verify_inclusion(leaf_hash(e.data), e.index, checkpoint.size, e.proof, checkpoint.root)
        except VerificationFailed as exc:
            raise VerificationFailed(
                f"entry {e.index}: not in the log at checkpoint size {checkpoint.size} ({exc})"
            ) from None
        if e.salt is not None and e.record is not None:
            try:
                opens = check_commitment(e.data, e.salt, e.record)
            except MalformedLogData:
                opens = False
            if not opens:
                raise VerificationFailed(
                    f"entry {e.index}: the opening does not match its commitment"
                )
    events = parse_events(
        request_id, [(e.index, e.data, e.record) for e in entries], details_key=details_key
    )
    sealed = any(
        e.public.get("sealed_until") for e in events if e.event in ORDER_EVENTS
    ) and not any(e.event is EventType.ORDER_UNSEALED for e in events)
    for i, event in enumerate(events):
        if event.record is None and not (sealed and event.event in ORDER_EVENTS):
            raise _bad(f"entries[{i}].opening", "missing (only a sealed order may withhold it)")
    manifest = _manifest(top["manifest"], events)
    notes = check_lawful_order(events) if lawful else []
    facts = derive_facts(request_id, events, manifest)
    where = first_difference(facts, top["facts"])
    if where is not None:
        raise VerificationFailed(f"{where}: does not match what the log proves")
    withheld = sum(1 for e in events if e.record is None)
    if withheld:
        notes.append(f"{withheld} entries of the sealed court order withhold their opening")
    if witnessed.policy is None and witnessed.other_signatures:
        notes.append(
            f"the checkpoint carries {witnessed.other_signatures} signatures of other keys "
            f"(witness cosignatures, or the log's other key in a key rotation): {NOT_CHECKED}"
        )
    return VerifiedBundle(
        request=request_id,
        origin=checkpoint.origin,
        checkpoint_size=checkpoint.size,
        events=tuple(events),
        facts=facts,
        notes=tuple(notes),
        witnessed=witnessed,
    )
