"""Submitting checkpoints to REAL witnesses: ``covergate witness serve`` subprocesses
on free loopback ports (and, where a test sets the witness's clock, the same
witness app in-process under uvicorn), on a log in SQLite and in PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.policy import WitnessPolicy, open_cosigned_checkpoint, parse_policy
from covergate.transparency import service
from covergate.transparency.cosigned import (
    NoQuorumYet,
    Quorum,
    acknowledged_sizes,
    served_checkpoint,
)
from covergate.transparency.models import LogCosignature, LogWitness
from covergate.transparency.submitter import Outcome, Result, Submission, WitnessFault, resend_from
from covergate.transparency.witnessing import Witnessing, WitnessWorker, report_lines
from covergate.witness.app import create_app
from covergate.witness.config import WitnessConfig
from covergate.witness.service import Witness
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, append_many, cipher, signer
from tests.witness.server import covergate, serving


@dataclass
class RealWitness:
    name: str
    data: Path
    vkey: str
    url: str


def _init(root: Path, name: str) -> tuple[Path, str]:
    data = root / name
    done = covergate("witness", "init", "--data", data, "--name", f"{name}.example/witness")
    assert done.returncode == 0, done.stderr
    key = covergate("witness", "key", "--data", data)
    assert key.returncode == 0, key.stderr
    return data, key.stdout.strip()


@pytest.fixture(scope="module")
def witnesses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RealWitness]]:
    """Three witness servers for the whole module; each test uses a log of its own
    key (``add-log``), so their state never mixes."""
    root = tmp_path_factory.mktemp("witnesses")
    made = {name: _init(root, name) for name in ("alpha", "beta", "gamma")}
    with ExitStack() as stack:
        yield {
            name: RealWitness(name, data, vkey, stack.enter_context(serving(data)).base_url)
            for name, (data, vkey) in made.items()
        }


def _dead_url() -> str:
    """A loopback port nobody listens on (a witness that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _add_log(w: RealWitness, key: Ed25519Signer) -> None:
    done = covergate("witness", "add-log", key.verifier_key(), "--data", w.data)
    assert done.returncode == 0, done.stderr


def _policy(key: Ed25519Signer, urls: dict[str, tuple[str, str]], quorum: str) -> WitnessPolicy:
    lines = [f"log {key.verifier_key()}"]
    lines += [f"witness {n} {vkey} {url}" for n, (vkey, url) in urls.items()]
    lines += [f"group q {quorum} {' '.join(urls)}", "quorum q"]
    return parse_policy("\n".join(lines) + "\n")


class Log:
    """A log on ``database``, with a fresh key the witnesses learn."""

    def __init__(self, database: Database, key: Ed25519Signer | None = None) -> None:
        self.database = database
        self.key = key or signer(f"covergate.test/log-{uuid.uuid4().hex[:12]}")
        self.origin = self.key.name  # one origin per test: the witnesses are shared
        self.fc = cipher()
        self.grow(0)

    def grow(self, count: int) -> int:
        if count:
            append_many(self.database.sessions, self.fc, count)
        service.integrate_pending(
            sessions=self.database.sessions, signer=self.key, origin=self.origin
        )
        with self.database.sessions() as session, session.begin():
            return service.status(session=session).size

    def witnessing(self, policy: WitnessPolicy, *, fail_open: bool = False) -> Witnessing:
        return Witnessing(
            policy=policy,
            sessions=self.database.sessions,
            origin=self.origin,
            fail_open=fail_open,
            connect_timeout=2.0,
            read_timeout=5.0,
            attempts=2,
            sleep=lambda _s: None,  # no wall-clock backoff in tests
        )

    def served(self, quorum: Quorum) -> tuple[int, frozenset[str]]:
        with self.database.sessions() as session, session.begin():
            got = served_checkpoint(session=session, quorum=quorum)
        assert got is not None
        if got.quorum_met:
            open_cosigned_checkpoint(got.note, self.key.verifier(), quorum.policy)
        return got.size, got.cosigned_by


def _all(ws: dict[str, RealWitness]) -> dict[str, tuple[str, str]]:
    return {n: (w.vkey, w.url) for n, w in ws.items()}


@pytest.fixture
def log(database: Database, witnesses: dict[str, RealWitness]) -> Log:
    made = Log(database)
    for w in witnesses.values():
        _add_log(w, made.key)
    return made


def _results(outcomes: list[Outcome]) -> dict[str, Result]:
    return {o.witness: o.result for o in outcomes}


def test_quorum_reached_moves_the_served_checkpoint(
    log: Log, witnesses: dict[str, RealWitness]
) -> None:
    w = log.witnessing(_policy(log.key, _all(witnesses), "2"))
    five = log.grow(5)
    outcomes = w.submit()
    assert _results(outcomes) == dict.fromkeys(witnesses, Result.COSIGNED)
    assert log.served(w.quorum) == (five, frozenset(witnesses))
    nine = log.grow(4)  # old = 5 and a real consistency proof, checked by each witness
    assert _results(w.submit()) == dict.fromkeys(witnesses, Result.COSIGNED)
    assert log.served(w.quorum) == (nine, frozenset(witnesses))
    with log.database.sessions() as session, session.begin():
        assert acknowledged_sizes(session=session) == dict.fromkeys(witnesses, nine)
    lines = report_lines(w, outcomes)
    assert lines[0].startswith("witness alpha: cosigned: cosigned size 5 at ")
    assert (
        lines[-1] == "served checkpoint: tree size 9, cosigned by alpha, beta, gamma (quorum met)"
    )
    w.close()


def test_one_witness_down_the_others_still_meet_the_quorum(
    log: Log, witnesses: dict[str, RealWitness]
) -> None:
    urls = _all(witnesses)
    urls["gamma"] = (urls["gamma"][0], _dead_url())
    w = log.witnessing(_policy(log.key, urls, "2"))
    size = log.grow(3)
    outcomes = w.submit()
    assert _results(outcomes) == {
        "alpha": Result.COSIGNED,
        "beta": Result.COSIGNED,
        "gamma": Result.UNREACHABLE,
    }
    assert log.served(w.quorum) == (size, frozenset({"alpha", "beta"}))
    assert "gamma: unreachable: unreachable (ConnectError)" in report_lines(w, outcomes)[2]
    w.close()


def test_quorum_not_met_keeps_the_old_checkpoint_served(
    log: Log, witnesses: dict[str, RealWitness]
) -> None:
    up = log.witnessing(_policy(log.key, _all(witnesses), "2"))
    five = log.grow(5)
    up.submit()
    urls = _all(witnesses)
    for name in ("beta", "gamma"):
        urls[name] = (urls[name][0], _dead_url())
    down = log.witnessing(_policy(log.key, urls, "2"))
    log.grow(3)
    assert _results(down.submit())["alpha"] == Result.COSIGNED
    assert log.served(down.quorum) == (five, frozenset(witnesses))
    lines = report_lines(down, [])
    assert lines == ["served checkpoint: tree size 5, cosigned by alpha, beta, gamma (quorum met)"]
    up.close()
    down.close()


def test_409_recovery_from_a_smaller_size_the_log_forgot(
    log: Log, witnesses: dict[str, RealWitness]
) -> None:
    w = log.witnessing(_policy(log.key, _all(witnesses), "all"))
    log.grow(5)
    w.submit()
    with log.database.sessions() as session, session.begin():
        session.query(LogWitness).delete()  # e.g. restored from an older backup
    eight = log.grow(3)
    assert _results(w.submit()) == dict.fromkeys(witnesses, Result.COSIGNED)
    assert log.served(w.quorum) == (eight, frozenset(witnesses))
    with log.database.sessions() as session, session.begin():
        assert acknowledged_sizes(session=session) == dict.fromkeys(witnesses, eight)
    w.close()


def test_409_naming_a_size_this_log_never_had_is_resent_and_caught_as_a_fork(
    database: Database, witnesses: dict[str, RealWitness], tmp_path: Path
) -> None:
    """A fork under the same key (another database) shows alpha a size 6 and then a
    size 20. The real log, at 8, resends from 6 with the proof from its own tree:
    alpha refuses it (422) and keeps it as evidence. From 20 it does not resend."""
    key = signer(f"covergate.test/fork-{uuid.uuid4().hex[:12]}")
    real = Log(database, key)
    for w in witnesses.values():
        _add_log(w, key)
    fork_db = _sqlite_database(tmp_path / "fork.db")
    fork = Log(fork_db, key)
    only_alpha = {"alpha": _all(witnesses)["alpha"]}
    fork.grow(6)
    fork.witnessing(_policy(key, only_alpha, "1")).submit()
    ours = real.witnessing(_policy(key, only_alpha, "1"))
    real.grow(5)
    real.grow(3)  # the log signed sizes 0, 5 and 8; alpha holds the fork's 6
    [outcome] = ours.submit()
    assert outcome.result == Result.REFUSED
    assert outcome.detail.startswith("HTTP 422: it holds a checkpoint this log does not extend")
    evidence = covergate("witness", "evidence", "--data", witnesses["alpha"].data, "--json")
    assert any(e["origin"] == key.name and e["old_size"] == 6 for e in json.loads(evidence.stdout))
    fork.grow(14)
    fork.witnessing(_policy(key, only_alpha, "1")).submit()
    [outcome] = ours.submit()
    assert outcome.result == Result.FAULT
    assert "claims size 20, beyond this log's 8" in outcome.detail
    with database.sessions() as session, session.begin():
        assert session.query(LogCosignature).count() == 0  # nothing stored from a faulty one
        with pytest.raises(NoQuorumYet):
            served_checkpoint(session=session, quorum=ours.quorum)
    ours.close()


def _sqlite_database(path: Path) -> Database:
    from covergate.db import make_engine, make_sessionmaker, migrate

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    return Database("sqlite", url, engine, make_sessionmaker(engine))


def test_a_cosignature_that_does_not_verify_is_not_stored(
    log: Log, witnesses: dict[str, RealWitness]
) -> None:
    # The policy gives alpha's address with beta's key: alpha's real lines fail.
    w = log.witnessing(
        _policy(log.key, {"alpha": (witnesses["beta"].vkey, witnesses["alpha"].url)}, "1")
    )
    log.grow(2)
    [outcome] = w.submit()
    assert outcome.result == Result.FAULT
    assert outcome.detail == "returned no cosignature that verifies with its key"
    with log.database.sessions() as session, session.begin():
        assert session.query(LogCosignature).count() == 0
    w.close()


def test_a_witness_that_does_not_know_the_log_refuses(
    database: Database, witnesses: dict[str, RealWitness]
) -> None:
    stranger = Log(database)  # never add-log'ed
    w = stranger.witnessing(_policy(stranger.key, _all(witnesses), "1"))
    stranger.grow(1)
    outcomes = w.submit()
    assert {o.result for o in outcomes} == {Result.REFUSED}
    assert all(o.detail in {"HTTP 403", "HTTP 404"} for o in outcomes)
    w.close()


def test_fail_open_and_fail_closed_with_every_witness_down(log: Log) -> None:
    dead = {n: (_fake_vkey(n), _dead_url()) for n in ("alpha", "beta")}
    closed = log.witnessing(_policy(log.key, dead, "1"))
    opened = log.witnessing(_policy(log.key, dead, "1"), fail_open=True)
    size = log.grow(4)
    assert {o.result for o in closed.submit()} == {Result.UNREACHABLE}
    with log.database.sessions() as session, session.begin(), pytest.raises(NoQuorumYet):
        served_checkpoint(session=session, quorum=closed.quorum)
    assert report_lines(closed, [])[-1].endswith("/log/checkpoint answers 503")
    assert log.served(opened.quorum) == (size, frozenset())
    assert "NOT met, served fail-open" in report_lines(opened, [])[-1]
    closed.close()
    opened.close()


def _fake_vkey(name: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from covergate.tlog.cosignature import CosignatureSigner

    return CosignatureSigner(
        f"{name}.example/w", Ed25519PrivateKey.generate(), time.time
    ).verifier_key()


def test_resend_from_refuses_sizes_beyond_ours_and_the_size_we_sent() -> None:
    sub = Submission(ORIGIN, 8, b"x\n\n- y\n", frozenset({0, 5, 8}))
    assert resend_from(sent_old=0, witness_size=5, submission=sub) == 5
    assert resend_from(sent_old=5, witness_size=8, submission=sub) == 8
    assert resend_from(sent_old=5, witness_size=0, submission=sub) == 0
    with pytest.raises(WitnessFault, match="the size we sent"):
        resend_from(sent_old=5, witness_size=5, submission=sub)
    assert resend_from(sent_old=0, witness_size=6, submission=sub) == 6  # the witness decides
    with pytest.raises(WitnessFault, match="beyond"):
        resend_from(sent_old=0, witness_size=9, submission=sub)


# --- the background worker and fresh timestamps ------------------------------


@dataclass
class Ticks:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked_witness(tmp_path: Path) -> Iterator[tuple[RealWitness, Ticks]]:
    """The real witness app in-process under uvicorn, with a clock the test sets."""
    data, vkey = _init(tmp_path, "delta")
    clock = Ticks(1_767_600_000.0)
    witness = Witness.open(WitnessConfig.load(data), clock=clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(witness), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the witness did not start")
        time.sleep(0.02)
    yield RealWitness("delta", data, vkey, f"http://127.0.0.1:{port}"), clock
    server.should_exit = True
    thread.join(10)
    witness.close()


def test_periodic_resend_refreshes_the_cosignature_timestamp(
    database: Database, clocked_witness: tuple[RealWitness, Ticks]
) -> None:
    delta, witness_clock = clocked_witness
    log = Log(database)
    _add_log(delta, log.key)
    w = log.witnessing(_policy(log.key, {"delta": (delta.vkey, delta.url)}, "1"))
    ticks = Ticks()
    worker = WitnessWorker(w.submit, interval=300, clock=ticks)
    size = log.grow(3)

    def stamp() -> int:
        with database.sessions() as session, session.begin():
            row = session.get(LogCosignature, (size, "delta"))
            assert row is not None
            return row.cosigned_at

    assert worker.step()  # the first step always submits
    first = stamp()
    assert first == int(witness_clock.now)
    ticks.now, witness_clock.now = 299.0, witness_clock.now + 299
    assert not worker.step()  # not yet due, not notified
    ticks.now, witness_clock.now = 300.0, witness_clock.now + 1
    assert worker.step()  # the same size again: old = N, empty proof
    assert stamp() == first + 300
    assert log.served(w.quorum) == (size, frozenset({"delta"}))
    worker.notify()  # a new checkpoint: submitted at once, whatever the clock says
    assert worker.step()
    w.close()


def test_the_worker_thread_submits_when_notified_and_stops_cleanly(
    log: Log, witnesses: dict[str, RealWitness]
) -> None:
    w = log.witnessing(_policy(log.key, _all(witnesses), "2"))
    worker = WitnessWorker(w.submit, interval=3600)
    worker.start()
    try:
        _wait(lambda: worker.submissions >= 1)  # at start: resend what there is
        size = log.grow(7)
        worker.notify()
        _wait(lambda: _served_size(log, w) == size)
    finally:
        worker.stop(timeout=10)
    assert not any(t.name == "covergate-witness" for t in threading.enumerate())
    w.close()


def _served_size(log: Log, w: Witnessing) -> int | None:
    try:
        return log.served(w.quorum)[0]
    except NoQuorumYet:
        return None


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)
