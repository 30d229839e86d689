"""The log writer lock, and the next index a transaction holding it remembers.

Sequencing and integration both take this lock, so that one writer at a time
moves the log: PostgreSQL takes a transaction-level advisory lock; SQLite's
``BEGIN IMMEDIATE`` (covergate.db) already holds the database writer lock. The
lock is held until the transaction ends, so indexes are dense and in commit
order. Within one transaction that holds it, the lock and the next index are
taken once and remembered (never inside a savepoint, whose rollback could undo
appends).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

__all__ = ["LAZY_COMMIT", "LOCK_KEY", "lock_writer", "next_index", "remember_next_index"]

LOCK_KEY = 0x636F_7667_6C6F_6701
"""PostgreSQL advisory lock key of the log writer ("covglog" + 1)."""

_NEXT_INDEX = "covergate.tlog.next_index"

LAZY_COMMIT = "covergate.tlog.lazy_commit"
"""Connection info flag: this connection's transaction is only an integration."""

_LOCK = "SELECT pg_advisory_xact_lock(%s)"
_LOCK_LAZY = "SELECT pg_advisory_xact_lock(%s), set_config('synchronous_commit', 'off', true)"

_MAX_INDEX = "SELECT max(idx) FROM log_entries"  # run with the driver's own execute


def lock_writer(session: Session) -> None:
    """Take the log writer lock until the end of the session's transaction."""
    # One log writer at a time, until the end of the transaction.
    conn = session.connection()  # begins the transaction if it has not begun
    if _cached_next(session) is not None:
        return  # this transaction already holds the lock
    if conn.dialect.name == "postgresql":
        # Re-entrant within a transaction: taking it again is a no-op. An
        # integration's own transaction also stops waiting for the disk at
        # commit, in the same round trip (integration._lazy_commit says why).
        if conn.info.get(LAZY_COMMIT):
            conn.exec_driver_sql(_LOCK_LAZY, (LOCK_KEY,))
        else:
            conn.exec_driver_sql(_LOCK, (LOCK_KEY,))
    # SQLite: the transaction began with BEGIN IMMEDIATE (covergate.db), which
    # holds the writer lock.


def next_index(session: Session) -> int:
    """The index the next sequenced entry gets (the number of entries so far)."""
    # Within one transaction that holds the writer lock, no one else can append,
    # so the next index is remembered instead of asked for again.
    cached = _cached_next(session)
    if cached is not None:
        return cached
    last = session.connection().exec_driver_sql(_MAX_INDEX).scalar()
    return 0 if last is None else int(last) + 1


def remember_next_index(session: Session, index: int) -> None:
    """Remember ``index`` as the next index for the rest of this transaction.

    Only after this transaction has taken the writer lock and written entries
    up to ``index``; never inside a savepoint.
    """
    if session.get_nested_transaction() is None:
        # Never remembered inside a savepoint, whose rollback would undo these rows.
        session.info[_NEXT_INDEX] = (session.get_transaction(), index)


def _cached_next(session: Session) -> int | None:
    """The next index remembered by this transaction, if it is still the same one.

    Not used inside a savepoint, whose rollback could undo remembered appends.
    """
    cached = session.info.get(_NEXT_INDEX)
    if cached is None or session.get_nested_transaction() is not None:
        return None
    transaction, next_index = cached
    if transaction is not session.get_transaction():
        return None
    return int(next_index)


# Here, beside the lock, not in sequencing: every transaction of a Runtime asks,
# and sequencing imports the log's entry and tile formats (covergate.tlog).
_APPENDED = "covergate.tlog.appended"


def mark_appended(session: Session) -> None:
    """Note that this session sequenced an entry (:func:`appended`)."""
    session.info[_APPENDED] = True


def appended(session: Session) -> bool:
    """Whether this session sequenced an entry: only then is integration needed."""
    return bool(session.info.get(_APPENDED))
