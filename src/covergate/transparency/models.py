"""Tables of the transparency log.

``log_entries`` and ``log_commitments`` grow in the transactions of the
lifecycle code (sequencing); ``log_tiles``, ``log_checkpoints`` and the one row
of ``log_state`` are written by integration. ``log_state`` holds the latest
signed checkpoint: updating it with a compare-and-swap is the log's commit
point (see :mod:`covergate.transparency.integration`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from covergate.db import Base

__all__ = ["LogCheckpoint", "LogCommitment", "LogEntry", "LogState", "LogTile"]


class LogEntry(Base):
    """One sequenced entry: its index in the log and its bytes."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogCommitment(Base):
    """The encrypted opening of an entry's commitment: salt || canonical record."""

    __tablename__ = "log_commitments"

    idx: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("log_entries.idx"), primary_key=True, autoincrement=False
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogTile(Base):
    """A hash tile at its widest integrated width (tile level, tile index).

    A tile only ever grows: a narrower (partial) tile of a checkpointed size is
    a prefix of the stored data, so one row serves every width.
    """

    __tablename__ = "log_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogCheckpoint(Base):
    """Every checkpoint the log signed, by tree size (for monitors and audits)."""

    __tablename__ = "log_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    note: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogState(Base):
    """The one row of integrated state: tree size, root and its signed checkpoint."""

    __tablename__ = "log_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    note: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
