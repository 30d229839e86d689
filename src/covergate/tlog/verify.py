"""Verification of a whole published log, as a third-party auditor does it.

Given a trusted checkpoint (C2SP tlog-checkpoint) of size s, fetch every entry
bundle of the tree of size s (C2SP tlog-tiles "Log Entries"), recompute every
hash from the entries (RFC 6962 section 2.1), and check that:

1. each bundle holds exactly the entries its width says;
2. every hash tile of the tree, full and partial, is byte-for-byte the one
   recomputed from the entries;
3. the recomputed root is the checkpoint's root.

The log is read through a :class:`LogSource`, so a directory, an HTTP base URL
or a dictionary can be plugged in. Memory use is O(log s): one tile buffer per
tile level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from covergate.errors import NotFound, VerificationFailed
from covergate.tlog.bundles import decode_bundle
from covergate.tlog.checkpoint import Checkpoint, open_checkpoint
from covergate.tlog.hashing import Hash, leaf_hash, node_hash
from covergate.tlog.note import NoteVerifier
from covergate.tlog.stored_hashes import root_from_leaf_hashes
from covergate.tlog.tiles import TILE_WIDTH, Tile, entries_path, tile_path

__all__ = [
    "DirectoryLogSource",
    "FullLogReport",
    "LogSource",
    "MemoryLogSource",
    "fetch_checkpoint",
    "verify_full_log",
]


class LogSource(Protocol):
    """Where a published log's files are read from (checkpoint, tiles, bundles).

    ``fetch`` takes a path relative to the log prefix, such as ``checkpoint``
    or ``tile/0/005.p/3``, and returns the file's bytes or raises NotFound.
    """

    def fetch(self, path: str) -> bytes:
        """Return the bytes of the file at ``path``."""
        ...


class MemoryLogSource:
    """A :class:`LogSource` over a mapping of path to bytes, for tests."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files
        self.fetched: list[str] = []

    def fetch(self, path: str) -> bytes:
        """Return ``files[path]`` or raise NotFound."""
        self.fetched.append(path)
        data = self.files.get(path)
        if data is None:
            raise NotFound(f"no log file at {path}")
        return data


class DirectoryLogSource:
    """A :class:`LogSource` over a directory laid out like the log's URLs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def fetch(self, path: str) -> bytes:
        """Return the file's bytes or raise NotFound."""
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts:
            raise NotFound(f"no log file at {path}")
        try:
            return (self.root / relative).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise NotFound(f"no log file at {path}") from exc


@dataclass(frozen=True)
class FullLogReport:
    """What :func:`verify_full_log` checked."""

    size: int
    root: Hash
    bundles_checked: int
    tiles_checked: int


def fetch_checkpoint(source: LogSource, verifier: NoteVerifier) -> Checkpoint:
    """Fetch ``checkpoint`` from the source and verify it with the log's key."""
    return open_checkpoint(source.fetch("checkpoint"), verifier)


class _TileChecker:
    # Collects the hashes of each tile level as the tree grows and compares
    # every tile, once complete (or at the end, partial), with the source.

    def __init__(self, source: LogSource) -> None:
        self.source = source
        self.pending: list[list[Hash]] = []
        self.next_index: list[int] = []
        self.checked = 0

    def push(self, level: int, h: Hash) -> None:
        if level == len(self.pending):
            self.pending.append([])
            self.next_index.append(0)
        self.pending[level].append(h)
        if len(self.pending[level]) == TILE_WIDTH:
            hashes = self.pending[level]
            self._compare(Tile(level, self.next_index[level], TILE_WIDTH), hashes)
            self.pending[level] = []
            self.next_index[level] += 1
            # Only full tiles are hashed into the level above.
            self.push(level + 1, _subtree_root(hashes))

    def finish(self) -> None:
        for level, hashes in enumerate(self.pending):
            if hashes:
                self._compare(Tile(level, self.next_index[level], len(hashes)), hashes)

    def _compare(self, tile: Tile, hashes: list[Hash]) -> None:
        path = tile_path(tile)
        if self.source.fetch(path) != b"".join(hashes):
            raise VerificationFailed(f"tile {path} does not match the entries")
        self.checked += 1


def _subtree_root(hashes: list[Hash]) -> Hash:
    # Root of a complete subtree given its (power-of-two many) bottom hashes.
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def verify_full_log(
    source: LogSource,
    checkpoint: Checkpoint,
    *,
    progress: Callable[[int], None] | None = None,
    on_entry: Callable[[int, bytes], None] | None = None,
) -> FullLogReport:
    """Recompute the whole tree of ``checkpoint`` from its entry bundles.

    ``checkpoint`` must already be verified (see :func:`fetch_checkpoint`).
    ``progress(done_entries)`` is called after each bundle; ``on_entry(index,
    entry)`` for each entry, so the caller can check entry contents too.
    Raises VerificationFailed on the first mismatch, MalformedLogData for a
    malformed bundle, NotFound for a missing file.
    """
    size = checkpoint.size
    tiles = _TileChecker(source)
    bundles = 0

    def leaves() -> Iterator[Hash]:
        nonlocal bundles
        for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - n * TILE_WIDTH)
            path = entries_path(n, width)
            entries = decode_bundle(source.fetch(path))
            # 1. The bundle holds exactly ``width`` entries.
            if len(entries) != width:
                raise VerificationFailed(
                    f"entry bundle {path} holds {len(entries)} entries, not {width}"
                )
            for i, entry in enumerate(entries):
                if on_entry is not None:
                    on_entry(n * TILE_WIDTH + i, entry)
                h = leaf_hash(entry)
                tiles.push(0, h)
                yield h
            bundles += 1
            if progress is not None:
                progress(n * TILE_WIDTH + width)

    root = root_from_leaf_hashes(leaves())
    # 2. The partial tiles of this size (full ones were compared as they filled).
    tiles.finish()
    # 3. The root.
    if root != checkpoint.root:
        raise VerificationFailed(
            f"the entries give another root than the checkpoint of size {size}"
        )
    return FullLogReport(size, root, bundles, tiles.checked)
