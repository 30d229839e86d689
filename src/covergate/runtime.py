"""The collaborators one covergate process works with, built from its settings.

Commands and the HTTP app get a :class:`Runtime`; nothing reads globals.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from covergate.clock import Clock, SystemClock
from covergate.config import Settings
from covergate.crypto import FieldCipher, create_key_file, load_key
from covergate.db import (
    make_engine,
    make_read_sessionmaker,
    make_sessionmaker,
    migrate,
    transaction,
)
from covergate.errors import CovergateError
from covergate.startup import resume_collector
from covergate.transparency.lock import appended

# Every command opens a Runtime: what only some of them use (the policy engine and
# its YAML, the service context, the log's signing keys, witnesses and cosignatures,
# token checks) is imported where it is used, not here.
if TYPE_CHECKING:
    from covergate.context import ServiceContext, Via
    from covergate.policy import Policy
    from covergate.tlog.checkpoint import Checkpoint
    from covergate.transparency.cosigned import Quorum
    from covergate.transparency.integration import TreeCache
    from covergate.transparency.keys import LogSigner
    from covergate.transparency.witnessing import Witnessing
    from covergate.users.gate import TokenGate
    from covergate.users.models import User

log = logging.getLogger("covergate")


@cache
def _bundled_policy_names() -> frozenset[str]:
    """The bundled policies' names, read without importing covergate.policy (its
    package loads the engine and YAML): what ``load_policy`` would accept."""
    folder = files("covergate") / "policy" / "policies"
    return frozenset(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


class FairLock:
    """A first-come, first-served mutex: each waiter is woken alone, in turn.

    SQLite has one writer at a time, and its own wait (``busy_timeout``) is a sleep
    that grows with every retry: under load some writers wait seconds while later
    ones pass. The threads of one process queue here instead, before ``BEGIN
    IMMEDIATE``, so the wait is the queue's length and no longer; other processes
    (a CLI command) still meet at SQLite's lock.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0  # re-entered by its owner (a transaction inside a transaction)
        self._waiters: deque[tuple[int, threading.Lock]] = deque()

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner is None or self._owner == me:
                self._owner = me
                self._depth += 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append((me, turn))
        turn.acquire()  # released by the holder before us, who made us the owner

    def __exit__(self, *_exc: object) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, turn = self._waiters.popleft()
                self._depth = 1
                turn.release()  # hand over: the next in line now holds it
            else:
                self._owner = None


class Integrator:
    """One background thread per process that integrates what commits sequenced.

    Sequencing stays in each caller's transaction (no state change ever commits
    without its entry); only integration (tiles, a signed checkpoint) moves here,
    off the request's path. Notifications that arrive while an integration runs
    coalesce into one more integration, so entries are integrated in batches, as
    Sunlight and Tessera do. Several processes (``serve --workers``) each run one:
    the log's writer lock serialises them, and a process whose turn comes after
    another's finds nothing left (or only what arrived since) and returns.

    A failed integration is logged and tried again after ``retry_interval``
    seconds; nothing is lost meanwhile (the entries are committed and pending).
    """

    def __init__(self, integrate: Callable[[], object], *, retry_interval: float = 1.0) -> None:
        self._integrate = integrate
        self._retry = retry_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="covergate-integrator", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def notify(self) -> None:
        """Entries were sequenced and committed: integrate them soon."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread after one last integration of whatever is pending."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self._integrate()
            except (CovergateError, SQLAlchemyError):
                log.exception("log integration failed; retrying")
                self._wake.set()
                if self._stop.wait(self._retry):
                    return
                continue
            if self._stop.is_set():
                return


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: FieldCipher
    clock: Clock = field(default_factory=SystemClock)
    #: Called after :meth:`integrate_log` signs a checkpoint (``serve``'s witness worker).
    checkpoint_listeners: list[Callable[[], None]] = field(default_factory=list)
    #: Set by :meth:`integrate_in_background` (``serve``): commits then only notify it.
    integrator: Integrator | None = None
    #: SQLite: this process's writers queue here in turn (:class:`FairLock`).
    writer_queue: FairLock = field(default_factory=FairLock)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        create: bool = False,
        run_migrations: bool = True,
    ) -> Runtime:
        """Connect, migrate and load keys. ``create`` makes missing keys (``init``).

        From here the process works on data: the console script's collector resumes."""
        resume_collector()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if create:
            from covergate.transparency.keys import ensure_log_key

            if settings.key_b64 is None:
                create_key_file(settings.key_file)
            ensure_log_key(settings)
        cipher = FieldCipher(load_key(settings.key_file, settings.key_b64))
        engine = make_engine(settings.database_url)
        if run_migrations:
            migrate(engine)
        rt = cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            cipher=cipher,
            clock=clock or SystemClock(),
        )
        if settings.witness_policy is not None:
            try:
                rt.witnessing  # noqa: B018  (a bad policy file fails at start-up, clearly)
            except BaseException:
                engine.dispose()
                raise
        return rt

    @cached_property
    def log_cache(self) -> TreeCache:
        """The tree this process last integrated (:class:`TreeCache`). Made by the
        first integration, which imports integration (the tree, the tiles, the
        log's signing: covergate.tlog and its keys); a command that only reads
        never has one."""
        from covergate.transparency.integration import TreeCache

        return TreeCache()

    @cached_property
    def token_gate(self) -> TokenGate:
        """The API's early token check, remembered for a few seconds
        (:mod:`covergate.users.gate`); the check in :meth:`unit_of_work` never uses it."""
        from covergate.users.gate import TokenGate

        return TokenGate(self.clock)

    @cached_property
    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions for transactions that only read: on SQLite they do not take the
        database writer lock (``BEGIN`` instead of ``BEGIN IMMEDIATE``)."""
        return make_read_sessionmaker(self.engine)

    def integrate_in_background(self) -> None:
        """From now on commits that sequenced entries leave integrating them to one
        background thread (:class:`Integrator`); :meth:`close` stops it."""
        if self.integrator is None:
            self.integrator = Integrator(self.integrate_log)
            self.integrator.start()

    @cached_property
    def policy(self) -> Policy:
        from covergate.policy import load_policy

        return load_policy(self.settings.policy)

    @cached_property
    def log_signer(self) -> LogSigner:
        """The log's current key and, during a key rotation, its previous one: every
        checkpoint of the transition is signed by both (``covergate log rotate-key``)."""
        from covergate.transparency.keys import load_log_signers

        return load_log_signers(self.settings)

    @cached_property
    def witnessing(self) -> Witnessing | None:
        """The witnesses of ``COVERGATE_WITNESS_POLICY``, None when it is unset.

        Loaded once; InvalidInput when the file is missing or malformed, does
        not name this log's key, or has a witness with no URL.
        """
        if self.settings.witness_policy is None:
            return None  # without a policy the log key is not needed here
        from covergate.transparency.witnessing import Witnessing

        return Witnessing.from_settings(
            self.settings, sessions=self.sessions, log_key=self.log_signer.verifier_key()
        )

    @property
    def quorum(self) -> Quorum | None:
        """What the served checkpoint must satisfy; None serves the latest signed."""
        witnessing = self.witnessing
        return None if witnessing is None else witnessing.quorum

    def _writing(self) -> AbstractContextManager[None]:
        """Where a write transaction waits its turn: the process's queue on SQLite."""
        return self.writer_queue if self.engine.dialect.name == "sqlite" else nullcontext()

    def integrate_log(self) -> Checkpoint | None:
        """Integrate sequenced entries into tiles and a new signed checkpoint,
        then tell the listeners (the witness worker) about a new one."""
        from covergate.transparency.integration import integrate_pending

        with self._writing():
            checkpoint = integrate_pending(
                sessions=self.sessions,
                signer=self.log_signer,
                origin=self.settings.log_origin,
                cache=self.log_cache,
            )
        if checkpoint is not None:
            for listener in self.checkpoint_listeners:
                listener()
        return checkpoint

    def context(
        self, via: Via, *, new_public_id: Callable[[], str] | None = None
    ) -> ServiceContext:
        """The collaborators lifecycle services need, for one interface."""
        from covergate.context import ServiceContext, random_public_id

        if self.settings.policy not in _bundled_policy_names():
            self.policy  # noqa: B018 (load_policy's own error: "unknown policy ...", as ever)
        return ServiceContext(
            clock=self.clock,
            cipher=self.cipher,
            policy_source=lambda: self.policy,  # loaded once, when first asked for
            via=via,
            new_public_id=new_public_id or random_public_id,
            log_quorum=self.quorum,
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction; then, if it appended log entries, integrate the log.

        Commits when the block ends, rolls back if it raises; a concurrent change
        to the same row becomes a :class:`covergate.errors.Conflict`. Only a
        transaction that sequenced entries integrates them, so a read never takes
        the log writer's lock.

        A crash between the commit and the integration loses nothing: the entries
        are sequenced in the committed transaction and the next integration (after
        the next change, the maintenance loop, or start-up) picks them up. Under
        :meth:`integrate_in_background` the commit only wakes the integrator.

            with rt.transaction() as session:
                agencies.register(session=session, ...)
        """
        with self._writing(), transaction(self.sessions) as session:
            yield session
            grew = appended(session)
        if grew:
            if self.integrator is not None:
                self.integrator.notify()
            else:
                self.integrate_log()

    @contextmanager
    def read_transaction(self) -> Iterator[Session]:
        """A transaction that only reads (rolled back at the end): on SQLite it
        waits for no writer, so checking a token never queues behind submissions."""
        with self.read_sessions() as session:
            yield session  # closing the session rolls its transaction back

    @contextmanager
    def unit_of_work(self, token: str | None) -> Iterator[tuple[Session, User]]:
        """Authenticate ``token`` and run one :meth:`transaction` as that user."""
        from covergate.users.service import authenticate

        with self.transaction() as session:
            yield session, authenticate(session=session, token=token, clock=self.clock)

    def close(self) -> None:
        if self.integrator is not None:
            self.integrator.stop()
            self.integrator = None
        witnessing = self.__dict__.get("witnessing")  # only if it was ever loaded
        if witnessing is not None:
            witnessing.close()
        self.engine.dispose()
