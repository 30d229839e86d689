"""The log's witnesses: loading the policy, submitting checkpoints, the worker.

With ``COVERGATE_WITNESS_POLICY`` set, :class:`Witnessing` sends the latest
signed checkpoint to every witness of the policy, in parallel (one thread per
witness, so a slow or dead witness delays nobody), and stores each verified
cosignature as soon as it arrives (:mod:`covergate.transparency.cosigned`).
It never runs in a caller's transaction nor under the log's writer lock: it
reads what it needs in one short transaction, talks HTTP with none open, and
stores each answer in a short transaction of its own.

``covergate serve`` runs a :class:`WitnessWorker`: a thread that submits when
:meth:`covergate.runtime.Runtime.integrate_log` signs a checkpoint and, every
resend interval, resends the latest checkpoint anyway (``old`` = its size,
empty proof), so that its cosignatures' timestamps stay fresh for verifiers
that require recent ones. ``covergate log integrate`` submits synchronously.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import httpx
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from covergate.config import Settings
from covergate.db import transaction
from covergate.errors import CovergateError, InvalidInput, MalformedLogData
from covergate.tlog.consistency import consistency_proof
from covergate.tlog.hashing import Hash
from covergate.tlog.policy import MAX_POLICY_SIZE, WitnessPolicy, parse_policy
from covergate.transparency.cosigned import (
    NoQuorumYet,
    Quorum,
    acknowledged_sizes,
    record_acknowledged,
    served_checkpoint,
    signed_sizes,
    store_cosignature,
)
from covergate.transparency.reader import DatabaseHashReader
from covergate.transparency.state import read_state
from covergate.transparency.submitter import (
    Outcome,
    Result,
    Submission,
    WitnessClient,
    submit_one,
)

__all__ = ["WitnessWorker", "Witnessing", "load_witness_policy", "report_lines"]

log = logging.getLogger("covergate.witness")


def load_witness_policy(path: Path, log_key: str) -> WitnessPolicy:
    """Read and check the policy file; InvalidInput, naming the file, when it is
    missing, malformed, does not name this log's key, or has a witness with no URL."""
    try:
        with path.open("rb") as fh:  # bounded: a device that never ends is refused
            text = fh.read(MAX_POLICY_SIZE + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput(f"COVERGATE_WITNESS_POLICY {path}: cannot read it ({reason})") from None
    try:
        policy = parse_policy(text)
    except MalformedLogData as exc:
        raise InvalidInput(f"COVERGATE_WITNESS_POLICY {path}: {exc.message}") from None
    if not any(entry.verifier.verifier_key() == log_key for entry in policy.logs):
        raise InvalidInput(
            f"COVERGATE_WITNESS_POLICY {path}: no `log` line has this log's key; "
            f"add `log {log_key}`"
        )
    for witness in policy.witnesses:
        if witness.url is None:
            raise InvalidInput(
                f"COVERGATE_WITNESS_POLICY {path}: witness {witness.name} has no URL "
                "to send checkpoints to"
            )
    return policy


class Witnessing:
    """Submits this log's checkpoints to the witnesses of one policy."""

    def __init__(
        self,
        *,
        policy: WitnessPolicy,
        sessions: sessionmaker[Session],
        origin: str,
        fail_open: bool = False,
        connect_timeout: float = 3.0,
        read_timeout: float = 5.0,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.quorum = Quorum(policy, fail_open)
        self.sessions = sessions
        self.origin = origin
        self.client = WitnessClient(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            attempts=attempts,
            sleep=sleep,
            transport=transport,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, sessions: sessionmaker[Session], log_key: str
    ) -> Witnessing | None:
        """The witnessing a process's settings ask for; None without a policy."""
        if settings.witness_policy is None:
            return None
        return cls(
            policy=load_witness_policy(settings.witness_policy, log_key),
            sessions=sessions,
            origin=settings.log_origin,
            fail_open=settings.witness_fail_open,
            connect_timeout=settings.witness_connect_timeout,
            read_timeout=settings.witness_read_timeout,
            attempts=settings.witness_attempts,
        )

    def submit(self) -> list[Outcome]:
        """Send the latest signed checkpoint to every witness; one outcome each,
        in policy order. Each cosignature is stored as soon as it verified."""
        with transaction(self.sessions) as session:
            state = read_state(session)
            if state is None or state.note is None:
                return []
            acks = acknowledged_sizes(session=session)
            submission = Submission(
                origin=self.origin,
                size=state.size,
                note=state.note,
                signed_sizes=frozenset(signed_sizes(session=session, at_most=state.size)),
            )
        witnesses = self.quorum.policy.witnesses
        outcomes: dict[str, Outcome] = {}
        pending = []
        for witness in witnesses:
            old = acks.get(witness.name, 0)
            if old > submission.size:
                outcomes[witness.name] = Outcome(
                    witness.name, Result.AHEAD, f"already holds size {old}"
                )
                continue
            if old not in submission.signed_sizes:
                old = 0  # the witness will answer 409 with what it holds
            pending.append((witness, old))
        if pending:
            with ThreadPoolExecutor(
                max_workers=len(pending), thread_name_prefix="covergate-witness"
            ) as pool:
                futures = [
                    pool.submit(
                        submit_one,
                        client=self.client,
                        witness=witness,
                        submission=submission,
                        old=old,
                        proof_for=self._proof,
                    )
                    for witness, old in pending
                ]
                for future in as_completed(futures):
                    outcome = future.result()
                    self._store(submission.size, outcome)
                    outcomes[outcome.witness] = outcome
        return [outcomes[w.name] for w in witnesses]

    def _proof(self, old: int, new: int) -> list[Hash]:
        # One session per call: submitter threads must not share one.
        with transaction(self.sessions) as session:
            return consistency_proof(old, new, DatabaseHashReader(session))

    def _store(self, size: int, outcome: Outcome) -> None:
        if outcome.line is None and outcome.acknowledged is None:
            return
        witness = self.quorum.policy.witness(outcome.witness)
        with transaction(self.sessions) as session:
            if outcome.line is not None and outcome.cosigned_at is not None:
                store_cosignature(
                    session=session,
                    size=size,
                    witness=outcome.witness,
                    vkey=witness.verifier.verifier_key(),
                    line=outcome.line,
                    cosigned_at=outcome.cosigned_at,
                )
            if outcome.acknowledged is not None:
                record_acknowledged(
                    session=session, witness=outcome.witness, size=outcome.acknowledged
                )

    def close(self) -> None:
        self.client.close()


def report_lines(witnessing: Witnessing, outcomes: list[Outcome]) -> list[str]:
    """What one submission did, for the operator: a line per witness, then what
    the log serves now."""
    lines = [f"witness {o.witness}: {o.result.value}: {o.detail}" for o in outcomes]
    quorum = witnessing.quorum
    needs = quorum.policy.describe_quorum()
    with transaction(witnessing.sessions) as session:
        try:
            served = served_checkpoint(session=session, quorum=quorum)
        except NoQuorumYet:
            return [
                *lines,
                f"served checkpoint: none: no checkpoint has reached the quorum "
                f"({needs}) yet, /log/checkpoint answers 503",
            ]
    if served is None:
        return lines
    by = ", ".join(sorted(served.cosigned_by)) or "no witness"
    state = "quorum met" if served.quorum_met else f"quorum ({needs}) NOT met, served fail-open"
    return [*lines, f"served checkpoint: tree size {served.size}, cosigned by {by} ({state})"]


class WitnessWorker:
    """A background thread that calls ``submit`` when notified and at least
    every ``interval`` seconds.

    ``clock`` (monotonic seconds) decides when a resend is due; tests inject it
    and drive :meth:`step` directly, so they never wait on the wall clock.
    """

    def __init__(
        self,
        submit: Callable[[], object],
        *,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._submit = submit
        self.interval = interval
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._next_resend: float | None = None  # None: submit at once
        self._thread: threading.Thread | None = None
        self.submissions = 0

    def notify(self) -> None:
        """A checkpoint was signed: submit it soon (never blocks)."""
        self._wake.set()

    def due(self) -> bool:
        """Whether :meth:`step` would submit now."""
        return (
            self._wake.is_set() or self._next_resend is None or self._clock() >= self._next_resend
        )

    def step(self) -> bool:
        """Submit if notified or a resend is due; True if it submitted."""
        if not self.due():
            return False
        self._wake.clear()
        try:
            self._submit()
        except (CovergateError, SQLAlchemyError, httpx.HTTPError):
            # Logged and retried at the next wake-up; the worker must not die.
            log.exception("witness submission failed")
        self.submissions += 1
        self._next_resend = self._clock() + self.interval
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            wait = self.interval
            if self._next_resend is not None:
                wait = max(0.0, self._next_resend - self._clock())
            self._wake.wait(wait)

    def start(self) -> None:
        """Start the thread (it submits once at once: a restart resends)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="covergate-witness", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its current submission and end; wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
