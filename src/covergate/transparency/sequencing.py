"""Sequencing: giving log entries their indexes, in the caller's transaction.

Durability and concurrency (the Sunlight/Tessera design, in one database):
:func:`append_event` runs in the *caller's* transaction: it takes the log's
writer lock (:mod:`covergate.transparency.lock`: PostgreSQL transaction-level
advisory lock; SQLite's ``BEGIN IMMEDIATE`` already holds the database writer
lock), reads the next index and inserts each entry with its encrypted
commitment opening, one row per entry. The state change that caused the event
commits together with its entry or not at all. The lock is held until that
transaction ends, so indexes are dense and in commit order. Entries are
published later, by integration (:mod:`covergate.transparency.integration`).

Services flush and never commit: these functions never end the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from covergate.crypto import FieldCipher
from covergate.transparency.entries import canonical_record, commitment, encode_entry, new_salt
from covergate.transparency.faults import NO_FAULTS, Faults, Step
from covergate.transparency.lock import (
    appended,
    lock_writer,
    mark_appended,
    next_index,
    remember_next_index,
)
from covergate.transparency.schemas import PublicRecord
from covergate.transparency.state import driver_sql

__all__ = [
    "COMMITMENT_LABEL",
    "PreparedEntry",
    "append_event",
    "append_events",
    "appended",
    "prepare",
    "sequence",
]

COMMITMENT_LABEL = b"log.commitment"
"""Associated data of the encrypted commitment openings (FieldCipher label)."""


def append_event(
    *,
    session: Session,
    event: PublicRecord,
    private_record: Mapping[str, object],
    cipher: FieldCipher,
    faults: Faults = NO_FAULTS,
) -> int:
    """Sequence one entry in the caller's transaction; returns its index.

    The entry is published once the caller commits and integration runs
    (:func:`covergate.transparency.integration.integrate_pending`). The private
    record is never published: only a salted commitment to it, whose opening is
    stored encrypted.
    """
    return append_events(
        session=session, events=[(event, private_record)], cipher=cipher, faults=faults
    )[0]


def append_events(
    *,
    session: Session,
    events: Sequence[tuple[PublicRecord, Mapping[str, object]]],
    cipher: FieldCipher,
    faults: Faults = NO_FAULTS,
) -> list[int]:
    """Sequence several entries, in order, in the caller's transaction."""
    return sequence(session=session, prepared=prepare(events, cipher), faults=faults)


@dataclass(frozen=True)
class PreparedEntry:
    """An entry ready to sequence: its bytes and the sealed opening of its commitment."""

    entry: bytes
    sealed: bytes


def prepare(
    events: Sequence[tuple[PublicRecord, Mapping[str, object]]], cipher: FieldCipher
) -> list[PreparedEntry]:
    """Build entries and commitments: everything that can fail on bad input.

    Runs before the writer lock is taken (and needs no database), so that the
    serialised part of an append is only :func:`sequence`.
    """
    out: list[PreparedEntry] = []
    for event, record in events:
        canonical = canonical_record(record)
        salt = new_salt()
        out.append(
            PreparedEntry(
                entry=encode_entry(event, commitment(salt, canonical)),
                sealed=cipher.encrypt(salt + canonical, label=COMMITMENT_LABEL),
            )
        )
    return out


def sequence(
    *, session: Session, prepared: Sequence[PreparedEntry], faults: Faults = NO_FAULTS
) -> list[int]:
    """Give prepared entries the next indexes, in the caller's transaction."""
    if not prepared:
        return []
    mark_appended(session)
    lock_writer(session)
    faults.reached(Step.SEQUENCE_LOCKED)
    first = next_index(session)
    faults.reached(Step.SEQUENCE_INDEXED)
    indexes = list(range(first, first + len(prepared)))
    # One bulk write straight to the driver on the session's connection: same
    # transaction, no ORM autoflush, no per-row parameter processing. Each row
    # holds the entry and its opening, so no entry is ever stored without it.
    _insert_entries(
        session.connection(),
        [(i, p.entry, p.sealed) for i, p in zip(indexes, prepared, strict=True)],
    )
    remember_next_index(session, first + len(prepared))
    # A crash here (before commit) loses the entries with the caller's change.
    faults.reached(Step.SEQUENCE_ENTRY)
    return indexes


# The only rows sequencing writes, as fixed statements: psycopg's binary COPY, and
# INSERT written with "?" (``state.driver_sql`` gives it in each driver's style).
_COPY = "COPY log_entries (idx, data, sealed) FROM STDIN (FORMAT BINARY)"
_INSERT = "INSERT INTO log_entries (idx, data, sealed) VALUES (?, ?, ?)"
_COPY_MIN_ROWS = 8  # below this, one INSERT statement costs less than a COPY


def _insert_entries(conn: Connection, rows: list[tuple[int, bytes, bytes]]) -> None:
    """Insert (index, entry, sealed opening) rows into ``log_entries``.

    PostgreSQL: binary COPY, one round trip and no statement per row (several
    times faster than executemany at batches of 100 or more); below that, one
    INSERT of every row (psycopg runs executemany in pipeline mode, which cost
    about 90 us more CPU than one statement for the two rows of a submission).
    SQLite: executemany, which is as cheap there as one statement.
    """
    if conn.dialect.name == "postgresql":
        if len(rows) >= _COPY_MIN_ROWS:
            driver = conn.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(_COPY) as copy:  # type: ignore[union-attr]
                copy.set_types(["int8", "bytea", "bytea"])
                for row in rows:
                    copy.write_row(row)
            return
        statement = _INSERT + ", (?, ?, ?)" * (len(rows) - 1)
        conn.exec_driver_sql(driver_sql(conn, statement), tuple(x for row in rows for x in row))
        return
    conn.exec_driver_sql(driver_sql(conn, _INSERT), rows)
