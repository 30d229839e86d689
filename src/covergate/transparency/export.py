"""A static copy of the log: the same files at the same paths as over HTTP.

``covergate log export OUTDIR`` writes every tile and entry bundle of the signed
tree, the partial tiles and bundles of every size ever checkpointed (so monitors
holding an older checkpoint can still check consistency), then the checkpoint
*last*: a copy synced to a web server or object store in that order never
publishes a checkpoint whose tiles are missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

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
from covergate.transparency.sources import read_path

__all__ = ["export_log", "published_paths"]


def published_paths(*, session: Session) -> list[str]:
    """Every path the log serves for its signed tree, the checkpoint last."""
    size = service.status(session=session).size
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
    *, session: Session, outdir: Path, progress: Callable[[int, int], None] | None = None
) -> int:
    """Write the log under ``outdir``; returns the number of files written."""
    paths = published_paths(session=session)
    for done, path in enumerate(paths, 1):
        _write_atomically(outdir / path, read_path(session=session, path=path))
        if progress is not None:
            progress(done, len(paths))
    return len(paths)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
