"""The collaborators one covergate process works with, built from its settings.

Commands and the HTTP app get a :class:`Runtime`; nothing reads globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from covergate.clock import Clock, SystemClock
from covergate.config import Settings
from covergate.context import ServiceContext, Via, random_public_id
from covergate.crypto import FieldCipher, create_key_file, load_key
from covergate.db import make_engine, make_sessionmaker, migrate, transaction
from covergate.policy import Policy, load_policy
from covergate.tlog.checkpoint import Checkpoint
from covergate.transparency.cosigned import Quorum
from covergate.transparency.keys import LogSigner, ensure_log_key, load_log_signers
from covergate.transparency.service import TreeCache, appended, integrate_pending
from covergate.transparency.witnessing import Witnessing
from covergate.users.models import User
from covergate.users.service import authenticate


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: FieldCipher
    clock: Clock = field(default_factory=SystemClock)
    log_cache: TreeCache = field(default_factory=TreeCache)
    #: Called after :meth:`integrate_log` signs a checkpoint (``serve``'s witness worker).
    checkpoint_listeners: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        create: bool = False,
        run_migrations: bool = True,
    ) -> Runtime:
        """Connect, migrate and load keys. ``create`` makes missing keys (``init``)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if create:
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
    def policy(self) -> Policy:
        return load_policy(self.settings.policy)

    @cached_property
    def log_signer(self) -> LogSigner:
        """The log's current key and, during a key rotation, its previous one: every
        checkpoint of the transition is signed by both (``covergate log rotate-key``)."""
        return load_log_signers(self.settings)

    @cached_property
    def witnessing(self) -> Witnessing | None:
        """The witnesses of ``COVERGATE_WITNESS_POLICY``, None when it is unset.

        Loaded once; InvalidInput when the file is missing or malformed, does
        not name this log's key, or has a witness with no URL.
        """
        if self.settings.witness_policy is None:
            return None  # without a policy the log key is not needed here
        return Witnessing.from_settings(
            self.settings, sessions=self.sessions, log_key=self.log_signer.verifier_key()
        )

    @property
    def quorum(self) -> Quorum | None:
        """What the served checkpoint must satisfy; None serves the latest signed."""
        witnessing = self.witnessing
        return None if witnessing is None else witnessing.quorum

    def integrate_log(self) -> Checkpoint | None:
        """Integrate sequenced entries into tiles and a new signed checkpoint,
        then tell the listeners (the witness worker) about a new one."""
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
        return ServiceContext(
            clock=self.clock,
            cipher=self.cipher,
            policy=self.policy,
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
        the next change, the maintenance loop, or start-up) picks them up.

            with rt.transaction() as session:
                agencies.register(session=session, ...)
        """
        with transaction(self.sessions) as session:
            yield session
            grew = appended(session)
        if grew:
            self.integrate_log()

    @contextmanager
    def unit_of_work(self, token: str | None) -> Iterator[tuple[Session, User]]:
        """Authenticate ``token`` and run one :meth:`transaction` as that user."""
        with self.transaction() as session:
            yield session, authenticate(session=session, token=token, clock=self.clock)

    def close(self) -> None:
        witnessing = self.__dict__.get("witnessing")  # only if it was ever loaded
        if isinstance(witnessing, Witnessing):
            witnessing.close()
        self.engine.dispose()
