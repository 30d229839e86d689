"""Crash safety: fail at every step of sequencing and integration, with and
without the step's writes persisted, then reload and verify the whole log.

"Persist" commits the transaction as it stood when the fault hit (as if the
writes reached the disk and the process died); "don't persist" rolls it back.
Recovery is the normal code path: :func:`integrate_pending`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

import pytest

from covergate.tlog.checkpoint import Checkpoint, open_checkpoint
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.stored_hashes import root_from_leaf_hashes
from covergate.transparency import service
from covergate.transparency.faults import Step
from covergate.transparency.tree import leaf_hashes
from tests.conftest import Database
from tests.transparency.factories import (
    ORIGIN,
    append_many,
    cipher,
    event,
    private_record,
    signer,
    verify_whole_log,
)

APPEND_STEPS = [s for s in Step if s.value.startswith("sequence.")]
INTEGRATE_STEPS = [s for s in Step if s.value.startswith("integrate.")]


class InjectedFault(Exception):
    pass


class FailAt:
    """Raises at one step."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.hit = False

    def reached(self, step: Step) -> None:
        if step is self.step:
            self.hit = True
            raise InjectedFault(step.value)


class RecordingSigner:
    """The log's signer, remembering every text it ever signed."""

    def __init__(self, inner: Ed25519Signer) -> None:
        self.inner = inner
        self.name = inner.name
        self.key_id = inner.key_id
        self.signed: list[bytes] = []

    def sign(self, text: bytes) -> bytes:
        self.signed.append(text)
        return self.inner.sign(text)


def _all_entries(database: Database) -> list[bytes]:
    with database.sessions() as session, session.begin():
        size = service.status(session=session).size
        return service.read_entries(session=session, start=0, count=size)


def _check_every_signature_consistent(signed: Sequence[bytes], entries: Sequence[bytes]) -> None:
    # The log never signed two inconsistent checkpoints, even ones it never
    # published: every signed tree is a prefix of the final one.
    hashes = leaf_hashes(entries)
    for text in signed:
        checkpoint = Checkpoint.from_text(text)
        assert checkpoint.size <= len(entries)
        assert checkpoint.root == root_from_leaf_hashes(hashes[: checkpoint.size])


@pytest.mark.parametrize("persist", [True, False], ids=["persist", "no-persist"])
@pytest.mark.parametrize("step", list(Step), ids=[s.value for s in Step])
def test_fault_at_every_step_then_recovery(database: Database, step: Step, persist: bool) -> None:
    key, fc = signer(), cipher()
    recording = RecordingSigner(key)
    # Some history: 300 integrated entries (a full tile and a partial one).
    append_many(database.sessions, fc, 300)
    service.integrate_pending(sessions=database.sessions, signer=recording, origin=ORIGIN)
    if step in INTEGRATE_STEPS:
        append_many(database.sessions, fc, 3, start=300)

    faults = FailAt(step)
    session = database.sessions()
    session.begin()
    if step in APPEND_STEPS:
        events = [(event(), private_record(300 + i)) for i in range(3)]
        with pytest.raises(InjectedFault):
            service.append_events(session=session, events=events, cipher=fc, faults=faults)
    else:
        with pytest.raises(InjectedFault):
            service.integrate(session=session, signer=recording, origin=ORIGIN, faults=faults)
    assert faults.hit
    if persist:
        session.commit()
    else:
        session.rollback()
    session.close()

    # Reload: drop every pooled connection, then recover through the normal path.
    database.engine.dispose()
    service.integrate_pending(sessions=database.sessions, signer=recording, origin=ORIGIN)
    checkpoint = verify_whole_log(database.sessions, key)
    entries_written = step in INTEGRATE_STEPS or (persist and step is Step.SEQUENCE_ENTRY)
    assert checkpoint.size == (303 if entries_written else 300)

    # The log keeps working afterwards.
    append_many(database.sessions, fc, 260, start=303)
    service.integrate_pending(sessions=database.sessions, signer=recording, origin=ORIGIN)
    final = verify_whole_log(database.sessions, key)
    assert final.size == checkpoint.size + 260
    _check_every_signature_consistent(recording.signed, _all_entries(database))
    # Every opening that was stored still opens its entry.
    with database.sessions() as s, s.begin():
        for index in (0, 299, final.size - 1):
            service.read_commitment(session=s, index=index, cipher=fc)


def test_concurrent_appenders_and_integrators(database: Database) -> None:
    key, fc = signer(), cipher()
    recording = RecordingSigner(key)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(8):
                with database.sessions() as session, session.begin():
                    service.append_event(
                        session=session,
                        event=event(),
                        private_record=private_record(n * 100 + i),
                        cipher=fc,
                    )
                service.integrate_pending(
                    sessions=database.sessions, signer=recording, origin=ORIGIN
                )
        except BaseException as exc:  # noqa: BLE001  (collected and re-raised below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    checkpoint = verify_whole_log(database.sessions, key)
    assert checkpoint.size == 32
    _check_every_signature_consistent(recording.signed, _all_entries(database))


def test_killing_the_process_mid_append_loses_no_acknowledged_entry(
    database: Database,
) -> None:
    # Real crashes, not simulated ones: a child process appends and integrates
    # in a loop and is killed (SIGKILL) at a random moment, five times over;
    # each new child first recovers through the normal path. Every entry whose
    # commit was acknowledged must be in the final log, the whole log must
    # verify, and every checkpoint ever recorded must be a prefix of it.
    key = signer()
    rng = random.Random(2026)
    acked: list[tuple[int, int]] = []
    env = {
        **os.environ,
        "COVERGATE_TEST_URL": database.url,
        "COVERGATE_TEST_SIGNER": key.signer_key(),
    }
    database.engine.dispose()
    for round_ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.transparency.kill_child"],
            env={**env, "COVERGATE_TEST_SEED": str(round_)},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        for _ in range(rng.randint(3, 25)):
            line = child.stdout.readline()
            assert line.startswith("ack "), line
            _, first, count = line.split()
            acked.append((int(first), int(count)))
        time.sleep(rng.random() * 0.01)
        child.kill()
        rest, _ = child.communicate(timeout=30)
        for line in rest.splitlines():
            _, first, count = line.split()
            acked.append((int(first), int(count)))
        assert child.returncode == -signal.SIGKILL

    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    final = verify_whole_log(database.sessions, key)
    assert acked
    assert max(first + count for first, count in acked) <= final.size
    entries = _all_entries(database)
    with database.sessions() as session, session.begin():
        history = service.checkpoint_history(session=session)
    assert len(history) > 5
    hashes = leaf_hashes(entries)
    for size, note in history:
        checkpoint = open_checkpoint(note, key.verifier())
        assert checkpoint.size == size <= final.size
        assert checkpoint.root == root_from_leaf_hashes(hashes[:size])
