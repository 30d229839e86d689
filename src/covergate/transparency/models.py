"""Tables of the transparency log.

``log_entries`` (each entry with its sealed commitment opening) grows in the
transactions of the lifecycle code (sequencing); ``log_tiles``,
``log_checkpoints`` and the one row of ``log_state`` are written by
integration. ``log_state`` holds the latest signed checkpoint: updating it with
a compare-and-swap is the log's commit point (see
:mod:`covergate.transparency.integration`).

``log_cosignatures`` and ``log_witnesses`` are written by witness submission
(:mod:`covergate.transparency.witnessing`), never in a caller's transaction:
the verified cosignature each witness returned for a checkpoint, and the size
each witness last acknowledged (the ``old`` of the next request).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from covergate.db import Base

__all__ = [
    "LogCheckpoint",
    "LogCosignature",
    "LogEntry",
    "LogState",
    "LogTile",
    "LogWitness",
]


class LogEntry(Base):
    """One sequenced entry: its index in the log, its bytes, and its opening.

    ``sealed`` is the encrypted opening of the entry's commitment (salt ||
    canonical private record, ``FieldCipher`` with the ``log.commitment``
    label). It is never published: every public read selects ``data`` only.
    It shares the entry's row (migration 0010; it had a table of its own) so
    that sequencing writes one row per entry. NULL only where an opening is
    missing, which ``covergate audit`` reports.
    """

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class LogTile(Base):
    """A hash tile at its widest integrated width (tile level, tile index).

    A tile only ever grows: a narrower (partial) tile of a checkpointed size is
    a prefix of the stored data, so one row serves every width. A full tile
    also keeps its ``interior`` (:func:`covergate.transparency.tree.tile_interior`:
    the hashes above its own, for proofs; never served); NULL while partial.
    """

    __tablename__ = "log_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    interior: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class LogCheckpoint(Base):
    """Every checkpoint the log signed, by tree size (for monitors and audits)."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    note: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogState(Base):
    """The one row of integrated state: tree size, root and its signed checkpoint.

    ``cosignatures`` counts the witness cosignatures ever stored (each store
    adds one): with the size and note it names the served checkpoint, which
    processes cache by it (:mod:`covergate.transparency.cosigned`).
    """

    __tablename__ = "log_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    cosignatures: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")


class LogCosignature(Base):
    """A witness's verified cosignature of the checkpoint of one tree size.

    ``witness`` is the policy name and ``vkey`` the key that verified ``line``
    (so a policy that changes a witness's key stops counting its old lines);
    ``cosigned_at`` is the UNIX time the cosignature carries. A resend replaces
    the line with a fresher one.
    """

    __tablename__ = "log_cosignatures"

    size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("log_checkpoints.size"), primary_key=True, autoincrement=False
    )
    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    vkey: Mapped[str] = mapped_column(Text, nullable=False)  # ML-DSA-44 keys: ~1,780 chars
    line: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    cosigned_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class LogWitness(Base):
    """The tree size a witness (by policy name) last acknowledged for this log."""

    __tablename__ = "log_witnesses"

    witness: Mapped[str] = mapped_column(String(200), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
