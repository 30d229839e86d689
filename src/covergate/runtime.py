"""The collaborators one covergate process works with, built from its settings.

Commands and the HTTP app get a :class:`Runtime`; nothing reads globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from covergate.clock import Clock, SystemClock
from covergate.config import Settings
from covergate.crypto import FieldCipher, create_key_file, load_key
from covergate.db import make_engine, make_sessionmaker, migrate


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: FieldCipher
    clock: Clock = field(default_factory=SystemClock)

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
        if create and settings.key_b64 is None:
            create_key_file(settings.key_file)
        cipher = FieldCipher(load_key(settings.key_file, settings.key_b64))
        engine = make_engine(settings.database_url)
        if run_migrations:
            migrate(engine)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            cipher=cipher,
            clock=clock or SystemClock(),
        )

    @cached_property
    def policy_name(self) -> str:
        return self.settings.policy

    def close(self) -> None:
        self.engine.dispose()
