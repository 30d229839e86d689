"""A static copy of the log: the same files at the same paths as over HTTP.

``covergate log export OUTDIR`` writes every tile and entry bundle of the signed
tree, the partial tiles and bundles of every size ever checkpointed (so monitors
holding an older checkpoint can still check consistency), then the checkpoint
*last*: a copy synced to a web server or object store in that order never
publishes a checkpoint whose tiles are missing.

Exports are incremental. OUTDIR must be missing, empty, or an earlier export of
this same log: its ``covergate-export.json`` names the log (origin and signing
key, ``name+keyid`` as in the verifier key) and its ``checkpoint`` must be a note
this log signed, byte for byte. Anything else is refused before a byte is
written. Into an earlier export, new tiles and bundles are added, full tiles and
bundles already there are left as they are (and checked equal to the log's),
partial ones are replaced, and the checkpoint is replaced last.

With a witness policy the exported ``checkpoint`` is the one ``/log/checkpoint``
serves: the newest that reached the quorum, cosignatures appended (an earlier
export's checkpoint is recognised as this log's by its log signature alone, so
refreshed cosignatures or an added witness never make it look foreign).

Every file is written to a temporary name beside it, fsynced and renamed into
place, so no reader sees half a file. What a crash leaves, step by step:

1. Checking OUTDIR: nothing written.
2. Writing ``covergate-export.json`` (first export only): at most a stale hidden
   ``.covergate-export.json.*.tmp``; OUTDIR is then empty of real files.
3. Adding tiles and bundles: OUTDIR still serves the old checkpoint, and every
   file it needs is there unchanged (full tiles are never rewritten; a partial
   tile is replaced atomically by the same bytes or a missing one added); the new
   files are beyond the old tree and harmless. Stale ``.*.tmp`` files may remain.
4. Replacing the checkpoint (``os.replace``, after every directory is fsynced): the
   old or the new checkpoint, each with all its files. Running the export again
   finishes the job from any of these states.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from covergate.errors import InvalidInput, LogIntegrityError, MalformedLogData
from covergate.tlog.checkpoint import Checkpoint
from covergate.tlog.keys import SIGNATURE_PREFIX
from covergate.tlog.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    entries_path,
    partial_width,
    tile_path,
    tiles_for_size,
)
from covergate.transparency import service
from covergate.transparency.cosigned import Quorum
from covergate.transparency.sources import read_path

__all__ = ["METADATA", "ExportReport", "export_log", "published_paths"]

#: The file naming the log an export directory belongs to.
METADATA = "covergate-export.json"
FORMAT = "covergate/log-export/v1"
_SMALL_FILE = 64 * 1024  # checkpoint and metadata files are far smaller


@dataclass(frozen=True)
class ExportReport:
    """What one export did: the tree size exported, files written, files kept."""

    size: int
    written: int
    unchanged: int


def published_paths(
    *, session: Session, size: int | None = None, quorum: Quorum | None = None
) -> list[str]:
    """Every path the log serves for its signed tree (or the tree of ``size``,
    which the log signed), the checkpoint last."""
    if size is None:
        served = service.served_size_and_note(session=session, quorum=quorum)
        size = 0 if served is None else served[0]
    paths: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            paths.append(path)

    for n in range(size // TILE_WIDTH):
        add(entries_path(n, TILE_WIDTH))
    for tile in tiles_for_size(size):
        add(tile_path(tile))
    for old, _ in service.checkpoint_history(session=session):
        if old > size:
            continue
        if old % TILE_WIDTH:
            add(entries_path(old // TILE_WIDTH, old % TILE_WIDTH))
        level = 0
        while old >> (TILE_HEIGHT * level):
            width = partial_width(level, old)
            if width:
                add(tile_path(Tile(level, old >> (TILE_HEIGHT * (level + 1)), width)))
            level += 1
    if size % TILE_WIDTH:
        add(entries_path(size // TILE_WIDTH, size % TILE_WIDTH))
    if service.latest_checkpoint(session=session) is not None:
        add("checkpoint")
    return paths


def export_log(
    *,
    session: Session,
    outdir: Path,
    progress: Callable[[int, int], None] | None = None,
    quorum: Quorum | None = None,
) -> ExportReport:
    """Write (or bring up to date) the log's static copy under ``outdir``.

    Raises InvalidInput, naming the path, when ``outdir`` is not empty and not an
    earlier export of this log, when a file already there differs from the log's,
    or when the filesystem fails.
    """
    served = service.served_size_and_note(session=session, quorum=quorum)
    if served is None:
        return ExportReport(0, 0, 0)
    size, note = served
    identity = _identity(note)
    signed = {n for _, n in service.checkpoint_history(session=session)} | {note}
    _check_outdir(outdir, identity, signed)
    # After a key rotation an earlier export names the old key: it is renamed
    # last, with the checkpoint, once the export is of the new one.
    renamed = _read_if_exists(outdir / METADATA, _SMALL_FILE) not in (
        None,
        _metadata_bytes(identity),
    )
    # The paths of the tree this note signs: a concurrent integration may grow
    # the log meanwhile, and its tiles must not be mixed into this export.
    paths = [p for p in published_paths(session=session, size=size) if p != "checkpoint"]
    written = unchanged = 0
    touched: set[Path] = set()
    with _on_path(outdir):
        outdir.mkdir(parents=True, exist_ok=True)
        if not (outdir / METADATA).exists():
            _write_atomically(outdir / METADATA, _metadata_bytes(identity))
        for done, path in enumerate(paths, 1):
            target = outdir / path
            data = read_path(session=session, path=path)
            existing = _read_if_exists(target, len(data) + 1)
            if existing == data:
                unchanged += 1
            elif existing is not None and ".p/" not in path:
                raise InvalidInput(
                    f"{target}: differs from this log's {path}; the export was changed or "
                    "damaged (its checkpoint was left as it was)"
                )
            else:  # missing, or a partial tile or bundle to replace
                _write_atomically(target, data)
                touched.add(target.parent)
                written += 1
            if progress is not None:
                progress(done, len(paths) + 1)
        for directory in sorted(touched, key=lambda d: len(d.parts), reverse=True):
            _fsync_dir(directory)
        # The commit point of the export: only now may readers see the new tree.
        _write_atomically(outdir / "checkpoint", note)
        if renamed:
            _write_atomically(outdir / METADATA, _metadata_bytes(identity))
        _fsync_dir(outdir)
    if progress is not None:
        progress(len(paths) + 1, len(paths) + 1)
    return ExportReport(size, written + 1, unchanged)


def _identity(note: bytes) -> dict[str, str]:
    """Which log signed ``note``: its origin and its key (``name+keyid``)."""
    split = note.rfind(b"\n\n")
    if split < 0:
        raise LogIntegrityError("the log's latest checkpoint has no signature block")
    try:
        origin = Checkpoint.from_text(note[: split + 1]).origin
        for line in note[split + 2 :].decode().splitlines():
            _dash, name, signature = line.split(" ")
            if name == origin:
                key_id = base64.b64decode(signature, validate=True)[:4].hex()
                return {"format": FORMAT, "origin": origin, "key": f"{name}+{key_id}"}
    except (MalformedLogData, UnicodeDecodeError, ValueError) as exc:
        raise LogIntegrityError(f"the log's latest checkpoint is malformed: {exc}") from exc
    raise LogIntegrityError("the log's latest checkpoint is not signed by its origin's key")


def _metadata_bytes(identity: dict[str, str]) -> bytes:
    return json.dumps(identity, indent=2, sort_keys=True).encode() + b"\n"


def _check_outdir(outdir: Path, identity: dict[str, str], signed: set[bytes]) -> None:
    """Refuse, before writing anything, a directory that is not ours to write."""
    ours = f"{identity['origin']} (key {identity['key']})"
    with _on_path(outdir):
        if not outdir.exists():
            return
        if not outdir.is_dir():
            raise InvalidInput(f"{outdir}: not a directory")
        if not any(outdir.iterdir()):
            return
        metadata = _read_if_exists(outdir / METADATA, _SMALL_FILE)
        checkpoint = _read_if_exists(outdir / "checkpoint", _SMALL_FILE)
    if metadata is None and checkpoint is None:
        raise InvalidInput(
            f"{outdir}: not empty and not an export of a covergate log; "
            "export into a new or empty directory or an earlier export of this log"
        )
    if metadata is not None:
        try:
            theirs = json.loads(metadata)
        except (json.JSONDecodeError, UnicodeDecodeError):
            theirs = None
        if not isinstance(theirs, dict) or theirs.get("format") != FORMAT:
            raise InvalidInput(f"{outdir / METADATA}: not a covergate export description")
        if theirs.get("origin") != identity["origin"] or theirs.get("key") not in _keys_of(
            identity["origin"], signed
        ):
            raise InvalidInput(
                f"{outdir}: an export of another log, {theirs.get('origin')} "
                f"(key {theirs.get('key')}), not of {ours}"
            )
    if checkpoint is not None and not _signed_by_us(checkpoint, identity["origin"], signed):
        raise InvalidInput(
            f"{outdir / 'checkpoint'}: not a checkpoint {ours} signed; "
            f"{outdir} is an export of another log or of a fork"
        )


def _text(note: bytes) -> bytes:
    """The checkpoint text of a note, without any signature: an earlier export's
    checkpoint is this log's if the log signed that very text (with whichever of
    its keys, and whatever cosignatures it carried then)."""
    return note[: note.rfind(b"\n\n") + 1]


def _log_lines(note: bytes, origin: str) -> set[bytes]:
    prefix = SIGNATURE_PREFIX + origin.encode() + b" "
    lines = note[note.rfind(b"\n\n") + 2 :].splitlines()
    return {line for line in lines if line.startswith(prefix)}


def _signed_by_us(note: bytes, origin: str, signed: set[bytes]) -> bool:
    """Whether ``note`` carries a signature line the log itself made for its text.

    Ed25519 is deterministic, so the line a key made for a text is always the same
    bytes: a checkpoint signed before a key rotation still matches the history's
    note of that size, which the rotation signed again with both keys.
    Cosignature lines (other names) are ignored.
    """
    ours = _log_lines(note, origin)
    text = _text(note)
    return any(_text(n) == text and ours & _log_lines(n, origin) for n in signed)


def _keys_of(origin: str, notes: set[bytes]) -> set[str]:
    """Every ``name+keyid`` of the log's own keys (named as its origin) that
    signed one of ``notes``: the current key and those it rotated from."""
    prefix = SIGNATURE_PREFIX + origin.encode() + b" "
    keys = set()
    for note in notes:
        for line in note[note.rfind(b"\n\n") + 2 :].splitlines():
            if line.startswith(prefix):
                try:
                    raw = base64.b64decode(line[len(prefix) :], validate=True)
                except ValueError:
                    continue
                keys.add(f"{origin}+{raw[:4].hex()}")
    return keys


@contextmanager
def _on_path(outdir: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(outdir)
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput(
            f"{where}: cannot export the log ({reason[:1].lower()}{reason[1:]})"
        ) from None


def _read_if_exists(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``path``; None when there is no such file."""
    try:
        with path.open("rb") as fh:
            return fh.read(limit)
    except FileNotFoundError:
        return None


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary name beside ``target``, fsync, rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # public files; mkstemp makes them 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
