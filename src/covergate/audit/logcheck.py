"""The public log against the records (class 9 of the audit).

A state change without its log entry must be impossible (ARCHITECTURE.md, step 9);
this checks that it did not happen, from both sides:

- every history row (``request_events``) names a log entry that exists, decodes,
  and names the same request, event, day and state; its commitment opens with the
  stored opening to a private record naming the same request, event and state;
- every entry that names a request is pointed at by a history row (an entry no
  record explains), every entry's opening is stored and opens it, and every signed
  entry hashes to the leaf the published tiles hold;
- every full tile's stored interior (the hashes proofs read above its own) is
  the one its hashes give;
- every request is in the state of its latest event (a state change without entry);
- with the log's key (``verifier``), the signed checkpoint's signature, and the whole
  tree recomputed from the entries (:func:`transparency.verification.verify_log`).

Entries are read in batches (the signed part through
:func:`transparency.service.read_entries`, the part still waiting for integration
from ``log_entries``), with their openings (``log_entries.sealed``) and tiles, a
few queries per batch.
The openings are checked as :func:`transparency.service.read_commitment` checks
one, a batch at a time instead of two queries per entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from covergate.audit.casefiles import CaseFiles, EventRow
from covergate.audit.findings import FindingClass, Findings
from covergate.context import ServiceContext
from covergate.crypto import DecryptionFailed, FieldCipher
from covergate.errors import CovergateError, LogIntegrityError, MalformedLogData
from covergate.lifecycle.sealing import is_sealed, open_fields
from covergate.tlog.hashing import HASH_SIZE, leaf_hash
from covergate.tlog.note import NoteVerifier
from covergate.tlog.tiles import TILE_WIDTH
from covergate.transparency import service
from covergate.transparency.entries import SALT_SIZE, check_commitment
from covergate.transparency.models import LogEntry, LogTile
from covergate.transparency.tree import TILE_BYTES, tile_interior

__all__ = ["BATCH", "check"]

#: Entries read per batch: a whole number of tiles.
BATCH = 16 * TILE_WIDTH
_CLS = FindingClass.LOG_ENTRY_MISSING_OR_DIFFERS


def check(
    session: Session,
    ctx: ServiceContext,
    files: CaseFiles,
    found: Findings,
    *,
    verifier: NoteVerifier | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Check the log against the records; returns how many entries were read."""
    status = service.status(session=session)
    signed = status.size if status.checkpoint is not None else 0
    total = max(status.sequenced, signed)
    if verifier is not None and status.checkpoint is not None:
        _verify(session, verifier, found)
    history = {row.entry_index: row for row in files.all_events()}
    ids = {r.id: r.public_id for r in files.requests.values()}
    keys = {r.public_id: r.details_key for r in files.requests.values()}
    for start in range(0, total, BATCH):
        end = min(start + BATCH, total)
        entries = _entries(session, start, end, signed)
        openings = _openings(session, start, end)
        leaves = _leaves(session, start, min(end, signed))
        for index in range(start, end):
            _check_entry(
                index,
                entries.get(index),
                openings.get(index),
                leaves.get(index),
                history.get(index),
                ids,
                keys,
                ctx.cipher,
                found,
            )
        if progress is not None:
            progress(end, total)
    for row in history.values():
        if not 0 <= row.entry_index < total:
            found.add(
                _CLS,
                ids.get(row.request_id),
                f"its {row.event.value} event names log entry {row.entry_index}, which the log "
                "does not hold",
                entry=row.entry_index,
                day=row.day,
            )
    _interiors(session, found)
    _states(files, found)
    return total


_INTERIOR_CHUNK = 256


def _interiors(session: Session, found: Findings) -> None:
    """Each stored interior against its tile, a few hundred tiles per query."""
    after = (-1, -1)
    while True:
        rows = session.execute(
            select(LogTile.level, LogTile.idx, LogTile.data, LogTile.interior)
            .where(
                LogTile.interior.is_not(None),
                tuple_(LogTile.level, LogTile.idx) > tuple_(*after),
            )
            .order_by(LogTile.level, LogTile.idx)
            .limit(_INTERIOR_CHUNK)
        ).all()
        for level, idx, data, interior in rows:
            data = bytes(data)
            if len(data) != TILE_BYTES or tile_interior(data) != bytes(interior or b""):
                found.add(
                    _CLS,
                    None,
                    f"tile {level}/{idx}'s stored interior differs from the hashes of the tile "
                    "(inclusion proofs read from it would not verify)",
                )
        if len(rows) < _INTERIOR_CHUNK:
            return
        after = (rows[-1][0], rows[-1][1])


def _verify(session: Session, verifier: NoteVerifier, found: Findings) -> None:
    from covergate.tlog.verify import fetch_checkpoint
    from covergate.transparency.sources import DatabaseLogSource
    from covergate.transparency.verification import verify_log

    source = DatabaseLogSource(session)
    try:
        verify_log(source, fetch_checkpoint(source, verifier))
    except CovergateError as exc:
        found.add(_CLS, None, f"the signed log does not verify: {exc.message}")


def _entries(session: Session, start: int, end: int, signed: int) -> dict[int, bytes]:
    """Entries ``start`` .. ``end - 1``: signed ones as the log serves them."""
    out: dict[int, bytes] = {}
    if start < signed:
        top = min(end, signed)
        try:
            data = service.read_entries(session=session, start=start, count=top - start)
            out.update(zip(range(start, top), data, strict=True))
        except LogIntegrityError:
            out.update(_stored(session, start, top))  # some are missing: report which
    if end > signed:
        out.update(_stored(session, max(start, signed), end))
    return out


def _stored(session: Session, start: int, end: int) -> dict[int, bytes]:
    rows = session.execute(
        select(LogEntry.idx, LogEntry.data).where(LogEntry.idx >= start, LogEntry.idx < end)
    )
    return {int(idx): bytes(data) for idx, data in rows}


def _openings(session: Session, start: int, end: int) -> dict[int, bytes]:
    """The stored openings of entries ``start`` .. ``end - 1`` (none for a NULL one)."""
    rows = session.execute(
        select(LogEntry.idx, LogEntry.sealed).where(LogEntry.idx >= start, LogEntry.idx < end)
    )
    return {int(idx): bytes(sealed) for idx, sealed in rows if sealed is not None}


def _leaves(session: Session, start: int, end: int) -> dict[int, bytes]:
    """The leaf hashes the level-0 tiles publish for entries ``start`` .. ``end - 1``."""
    if end <= start:
        return {}
    rows = session.execute(
        select(LogTile.idx, LogTile.data).where(
            LogTile.level == 0,
            LogTile.idx >= start // TILE_WIDTH,
            LogTile.idx <= (end - 1) // TILE_WIDTH,
        )
    )
    out: dict[int, bytes] = {}
    for tile_index, data in rows:
        base, blob = int(tile_index) * TILE_WIDTH, bytes(data)
        for i in range(len(blob) // HASH_SIZE):
            if start <= base + i < end:
                out[base + i] = blob[i * HASH_SIZE : (i + 1) * HASH_SIZE]
    return out


def _check_entry(
    index: int,
    data: bytes | None,
    sealed: bytes | None,
    leaf: bytes | None,
    row: EventRow | None,
    ids: Mapping[int, str],
    keys: Mapping[str, bytes | None],
    cipher: FieldCipher,
    found: Findings,
) -> None:
    pid = ids.get(row.request_id) if row is not None else None
    day = row.day if row is not None else None
    if data is None:
        what = f"its {row.event.value} event's log entry" if row is not None else "log entry"
        found.add(_CLS, pid, f"{what} {index} is missing", entry=index, day=day)
        return
    if leaf is not None and leaf_hash(data) != leaf:
        found.add(
            _CLS,
            pid,
            f"log entry {index} differs from the hash the log published",
            entry=index,
            day=day,
        )
    try:
        value = json.loads(data)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        found.add(_CLS, pid, f"log entry {index} does not decode", entry=index, day=day)
        return
    if is_sealed(value):
        # A sealed entry (lifecycle.sealing) is checked as it opens with its key.
        details_key = keys.get(str(value.get("request")))
        try:
            if details_key is None:
                raise MalformedLogData("no details key is stored for its request")
            value = open_fields(value, details_key)
        except MalformedLogData as exc:
            found.add(
                _CLS, pid, f"sealed log entry {index} does not open: {exc}", entry=index, day=day
            )
            return
    named = value.get("request")
    if row is None:
        if named is not None:
            shown = named if isinstance(named, str) and named in ids.values() else None
            found.add(
                _CLS,
                shown,
                f"log entry {index} names a request but no history row points at it",
                entry=index,
            )
    else:
        expected = {"request": pid, "event": row.event.value, "date": row.day.isoformat()}
        if "state" in value:
            expected["state"] = row.state.value
        for key, want in expected.items():
            if value.get(key) != want:
                found.add(
                    _CLS,
                    pid,
                    f"log entry {index} gives another {key} than its {row.event.value} event",
                    entry=index,
                    day=day,
                )
    _opening(index, data, sealed, row, pid, cipher, found)


def _opening(
    index: int,
    data: bytes,
    sealed: bytes | None,
    row: EventRow | None,
    pid: str | None,
    cipher: FieldCipher,
    found: Findings,
) -> None:
    day = row.day if row is not None else None
    if sealed is None:
        found.add(
            _CLS, pid, f"log entry {index} has no stored commitment opening", entry=index, day=day
        )
        return
    try:
        opened = cipher.decrypt(sealed, label=service.COMMITMENT_LABEL)
        salt, canonical = opened[:SALT_SIZE], opened[SALT_SIZE:]
        opens = len(salt) == SALT_SIZE and check_commitment(data, salt, canonical)
    except (DecryptionFailed, MalformedLogData):
        opens = False
    if not opens:
        found.add(
            _CLS,
            pid,
            f"the stored opening does not open log entry {index}'s commitment",
            entry=index,
            day=day,
        )
        return
    if row is None:
        return
    try:
        record: Any = json.loads(canonical)
    except ValueError:
        record = None
    want = {"request": pid, "event": row.event.value, "state": row.state.value}
    if not isinstance(record, dict) or any(record.get(k) != v for k, v in want.items()):
        found.add(
            _CLS,
            pid,
            f"log entry {index} commits to a record of another request, event or state",
            entry=index,
            day=day,
        )


def _states(files: CaseFiles, found: Findings) -> None:
    for request in files.requests.values():
        rows = files.events.get(request.id)
        if not rows:
            found.add(_CLS, request.public_id, "it has no logged event at all")
        elif rows[-1].state is not request.state:
            found.add(
                _CLS,
                request.public_id,
                f"it is {request.state.value}, but its latest logged event "
                f"({rows[-1].event.value}) left it {rows[-1].state.value}",
                entry=rows[-1].entry_index,
                day=rows[-1].day,
            )
