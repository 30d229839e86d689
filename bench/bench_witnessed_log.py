"""The log's side of witnessing: from a signed checkpoint to a served, cosigned one.

Three real ``covergate witness serve`` processes on loopback (SQLite state, as a
witness runs by default), a log in a temporary SQLite database. Each round
appends 10 entries and integrates them (the baseline, same run: tiles, signature
and commit), then submits the new checkpoint to the three witnesses in parallel
(each verifies the log's signature and a real consistency proof, cosigns and
commits) and stores their cosignatures: that is the cosigning latency a reader
waits for before a new checkpoint is served. Also the cost of finding the served
checkpoint (``/log/checkpoint`` with a policy) against reading the latest signed
one.

    python -m bench witnessed_log          # 60 rounds
    python -m bench witnessed_log --quick  # 15
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.bench_tlog import _event, _record
from bench.bench_witness import _start
from covergate.config import sqlite_url
from covergate.crypto import FieldCipher
from covergate.db import make_engine, make_sessionmaker, migrate
from covergate.tlog.keys import generate_signer
from covergate.tlog.policy import parse_policy
from covergate.transparency import service
from covergate.transparency.cosigned import Quorum, served_checkpoint
from covergate.transparency.witnessing import Witnessing

COVERGATE = Path(sys.executable).with_name("covergate")
ORIGIN = "bench.example/log"
PER_ROUND = 10


def _witness(root: Path, name: str, log_vkey: str, env: dict[str, str]) -> tuple[Path, str]:
    data = root / name
    for args in (
        ("witness", "init", "--data", str(data), "--name", f"{name}.bench/witness"),
        ("witness", "add-log", log_vkey, "--data", str(data)),
    ):
        subprocess.run([str(COVERGATE), *args], env=env, check=True, capture_output=True)  # noqa: S603
    key = subprocess.run(  # noqa: S603
        [str(COVERGATE), "witness", "key", "--data", str(data)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return data, key.stdout.strip()


def _ms(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def run(quick: bool) -> list[dict[str, object]]:
    rounds = 15 if quick else 60
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    key, _ = generate_signer(ORIGIN)
    fc = FieldCipher(os.urandom(32))
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        engine = make_engine(sqlite_url(root))
        migrate(engine)
        sessions = make_sessionmaker(engine)
        made = {n: _witness(root, n, key.verifier_key(), env) for n in ("a", "b", "c")}
        urls = {}
        for name, (data, _vkey) in made.items():
            process, url = _start(data, env)
            stack.callback(process.wait)
            stack.callback(process.terminate)
            urls[name] = url
        policy = parse_policy(
            f"log {key.verifier_key()}\n"
            + "".join(f"witness {n} {made[n][1]} {urls[n]}\n" for n in made)
            + "group q 2 a b c\nquorum q\n"
        )
        witnessing = Witnessing(
            policy=policy,
            sessions=sessions,
            origin=ORIGIN,
            fail_open=False,
            connect_timeout=5.0,
            read_timeout=30.0,
            attempts=1,
            sleep=time.sleep,
        )
        stack.callback(witnessing.close)
        integrate, cosign = [], []
        for start_index in range(0, (rounds + 1) * PER_ROUND, PER_ROUND):
            with sessions() as session, session.begin():
                service.append_events(
                    session=session,
                    events=[
                        (_event(start_index + i), _record(start_index + i))
                        for i in range(PER_ROUND)
                    ],
                    cipher=fc,
                )
            start = time.perf_counter()
            service.integrate_pending(sessions=sessions, signer=key, origin=ORIGIN)
            integrate.append(time.perf_counter() - start)
            start = time.perf_counter()
            outcomes = witnessing.submit()
            cosign.append(time.perf_counter() - start)
            if sum(o.result.value == "cosigned" for o in outcomes) < 3:
                raise RuntimeError(f"a witness did not cosign: {outcomes}")
        integrate, cosign = integrate[1:], cosign[1:]  # the first round connects
        quorum = Quorum(policy)
        lookups = 300
        with sessions() as session, session.begin():
            start = time.perf_counter()
            for _ in range(lookups):
                served_checkpoint(session=session, quorum=quorum)
            served_cost = (time.perf_counter() - start) / lookups
            start = time.perf_counter()
            for _ in range(lookups):
                service.latest_checkpoint(session=session)
            latest_cost = (time.perf_counter() - start) / lookups
        engine.dispose()
    i50, i99 = _ms(integrate)
    c50, c99 = _ms(cosign)
    return [
        {
            "name": "witnessed_log.cosign_round_p50",
            "value": round(c50, 2),
            "unit": "ms",
            "p99": round(c99, 2),
            "baseline": {"integrate_p50_ms": round(i50, 2), "integrate_p99_ms": round(i99, 2)},
            "ratio": round(c50 / i50, 2),
            "rounds": rounds,
            "witnesses": 3,
        },
        {
            "name": "witnessed_log.served_checkpoint_lookup",
            "value": round(served_cost * 1000, 3),
            "unit": "ms",
            "baseline": {"latest_checkpoint_ms": round(latest_cost * 1000, 3)},
            "ratio": round(served_cost / latest_cost, 2),
        },
    ]
