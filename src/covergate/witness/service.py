"""One witness: its key, its database and the add-checkpoint flow end to end.

A submission is read, decided by :func:`covergate.witness.check.decide`,
cosigned, and stored by compare-and-swap (:func:`covergate.witness.store.swap`)
before the cosignature is answered. If the swap loses a race, the request is
decided again on what is stored now, which answers 409 with the new size.

An inconsistent checkpoint that the log validly signed is kept as evidence and
reported through ``report`` (one line naming the origin and the sizes).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from covergate.db import make_engine
from covergate.errors import InvalidInput, MalformedLogData, NotFound
from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.keys import Ed25519Verifier
from covergate.tlog.witness_protocol import SIZE_CONTENT_TYPE, AddCheckpoint, format_size
from covergate.witness import store
from covergate.witness.check import Decision, Stored, Verdict, decide, note_origin
from covergate.witness.config import WitnessConfig
from covergate.witness.keys import Clock, WitnessKey
from covergate.witness.models import open_schema

__all__ = ["TEXT", "Answer", "Witness", "open_engine", "stderr_report"]

TEXT = "text/plain; charset=utf-8"
_MAX_ATTEMPTS = 8  # each lost swap means the state moved on; the next decision is a 409


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body bytes and Content-Type."""

    status: int
    body: bytes
    content_type: str = TEXT

    @classmethod
    def text(cls, status: int, line: str) -> Answer:
        return cls(status, line.encode() + b"\n")


def open_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; InvalidInput for anything else."""
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise InvalidInput("--database-url: not a sqlite: or postgresql: URL")
    try:
        return make_engine(url)
    except SQLAlchemyError as exc:
        raise InvalidInput(f"--database-url: unusable ({type(exc).__name__})") from None


def stderr_report(line: str) -> None:
    """Write one warning line to standard error (what ``witness serve`` uses)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Witness:
    """A witness over one database; safe to share between threads."""

    def __init__(
        self,
        engine: Engine,
        key: WitnessKey,
        *,
        clock: Clock = time.time,
        report: Callable[[str], None] = stderr_report,
    ) -> None:
        self.engine = engine
        self.key = key
        self._clock = clock
        self._report = report
        # SQLite has one writer at a time, and a waiting one sleeps in its busy
        # handler: queue this process's database work here instead. This is for
        # speed only; the compare-and-swap alone keeps the state right, even
        # across processes. PostgreSQL runs submissions in parallel.
        self._db_lock: contextlib.AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @classmethod
    def open(
        cls,
        config: WitnessConfig,
        *,
        clock: Clock = time.time,
        report: Callable[[str], None] = stderr_report,
    ) -> Witness:
        """Open an initialised witness; InvalidInput (one line) if it is not one."""
        key = WitnessKey.read(config.key_file)
        sqlite_file = config.sqlite_file
        if sqlite_file is not None and not sqlite_file.is_file():
            raise InvalidInput(
                f"{sqlite_file}: no witness database: restore it from a backup "
                "(never start a fresh state under the old key)"
            )
        engine = open_engine(config.database_url)
        try:
            open_schema(engine, verifier_key=key.verifier_key())
        except SQLAlchemyError as exc:
            engine.dispose()
            raise InvalidInput(f"cannot open the witness database: {type(exc).__name__}") from None
        except InvalidInput:
            engine.dispose()
            raise
        return cls(engine, key, clock=clock, report=report)

    def close(self) -> None:
        self.engine.dispose()

    def now(self) -> int:
        return int(self._clock())

    # --- add-checkpoint ---------------------------------------------------

    def add_checkpoint(self, body: bytes) -> Answer:
        """Answer one ``POST /add-checkpoint`` body (C2SP tlog-witness)."""
        try:
            request = AddCheckpoint.parse(body)
            origin = note_origin(request.checkpoint_note)
        except MalformedLogData as exc:
            return Answer.text(400, exc.message)
        for _ in range(_MAX_ATTEMPTS):
            with self._db_lock:
                record = store.read_log(self.engine, origin)
            verifier = (
                None if record is None else Ed25519Verifier.from_key_string(record.verifier_key)
            )
            decision = decide(request, verifier, None if record is None else record.stored)
            if decision.verdict is not Verdict.COSIGN or record is None:
                return self._refuse(decision, request, body)
            answer = self._cosign(decision, record)
            if answer is not None:
                return answer
        latest = store.read_log(self.engine, origin)
        return Answer(
            409, format_size(0 if latest is None else latest.stored.size), SIZE_CONTENT_TYPE
        )

    def _cosign(self, decision: Decision, record: store.LogRecord) -> Answer | None:
        checkpoint = decision.checkpoint
        if checkpoint is None:  # pragma: no cover - decide() sets it on COSIGN
            raise MalformedLogData("accepted checkpoint missing")
        now = self.now()
        if now <= 0:  # tlog-witness: a cosignature carries a real, non-zero time
            return Answer.text(503, "the witness clock is not set")
        signer = CosignatureSigner(self.key.name, self.key.private_key, lambda: now)
        try:
            cosignature = signer.sign(decision.text)
        except MalformedLogData as exc:  # ML-DSA-44: extension lines, origin over 255 bytes
            return Answer.text(400, exc.message)
        new = Stored(checkpoint.size, checkpoint.root)
        with self._db_lock:
            swapped = store.swap(
                self.engine, record, new, decision.cosigned_note(cosignature), now=now
            )
        if not swapped:
            return None
        return Answer(200, cosignature)

    def _refuse(self, decision: Decision, request: AddCheckpoint, body: bytes) -> Answer:
        if decision.verdict is Verdict.STALE_OLD_SIZE and decision.latest_size is not None:
            return Answer(409, format_size(decision.latest_size), SIZE_CONTENT_TYPE)
        checkpoint = decision.checkpoint
        if decision.evidence and checkpoint is not None:
            with self._db_lock:
                kept = store.add_evidence(
                    self.engine,
                    origin=checkpoint.origin,
                    old_size=request.old_size,
                    size=checkpoint.size,
                    reason=decision.verdict,
                    body=body,
                    now=self.now(),
                )
            if kept:
                self._report(
                    f"warning: inconsistent checkpoint kept as evidence: origin {checkpoint.origin}"
                    f" old size {request.old_size} size {checkpoint.size}"
                )
        return Answer.text(decision.status, decision.reason)

    # --- reads for monitors and the command line --------------------------

    def logs(self) -> list[store.LogRecord]:
        return store.list_logs(self.engine)

    def checkpoint(self, origin: str) -> bytes:
        """The latest checkpoint cosigned for ``origin``; NotFound if none."""
        record = store.read_log(self.engine, origin)
        if record is None:
            raise NotFound("unknown log origin")
        if record.checkpoint is None:
            raise NotFound("no checkpoint cosigned yet for this origin")
        return record.checkpoint

    def evidence(self) -> list[store.EvidenceRecord]:
        return store.list_evidence(self.engine)

    def evidence_body(self, evidence_id: int) -> bytes:
        return store.evidence_body(self.engine, evidence_id)
