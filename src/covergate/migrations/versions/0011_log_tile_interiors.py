"""log: each full tile keeps the hashes above its own (``log_tiles.interior``)

A cold inclusion proof used to read its level-0 tile and hash the 255 nodes
above the tile's 256 leaf hashes (about 140 µs of the 0.6 ms a cold proof took
at 1,000,000 entries). Integration hashes exactly those nodes when a tile
fills, so it now stores them: ``interior`` holds, for a full tile, the 128
hashes of height 1, then 64, ..., then the tile's root (8,160 bytes); NULL for a
partial tile. It is private: tiles are served from ``data`` alone, byte for byte
as before (C2SP tlog-tiles), and ``covergate audit`` checks every stored interior
against its tile.

The upgrade computes the interior of every full tile already stored, a few
hundred tiles per statement (about 0.15 ms of hashing per tile; 1.5 s in all for
the 3,921 full tiles of a million-entry log, measured). The downgrade drops the
column.

Revision ID: 0011_log_tile_interiors
Revises: 0010_log_entry_openings
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from covergate.transparency.tree import TILE_BYTES, tile_interior

revision: str = "0011_log_tile_interiors"
down_revision: str | None = "0010_log_entry_openings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 256
_FULL = (
    "SELECT level, idx, data FROM log_tiles WHERE length(data) = :full "
    "AND (level > :level OR (level = :level AND idx > :idx)) ORDER BY level, idx LIMIT :n"
)
_SET = "UPDATE log_tiles SET interior = :interior WHERE level = :level AND idx = :idx"


def upgrade() -> None:
    with op.batch_alter_table("log_tiles") as batch:
        batch.add_column(sa.Column("interior", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    after = {"level": -1, "idx": -1}
    while True:
        rows = conn.execute(sa.text(_FULL), {"full": TILE_BYTES, "n": _CHUNK, **after}).all()
        if not rows:
            return
        conn.execute(
            sa.text(_SET),
            [
                {"interior": tile_interior(bytes(data)), "level": level, "idx": idx}
                for level, idx, data in rows
            ],
        )
        after = {"level": rows[-1][0], "idx": rows[-1][1]}


def downgrade() -> None:
    with op.batch_alter_table("log_tiles") as batch:
        batch.drop_column("interior")
