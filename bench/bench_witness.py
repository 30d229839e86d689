"""Witness benchmarks: a real ``covergate witness serve`` on loopback, SQLite state.

- cosigning latency (p50, p99) and checkpoints per second, one client sending
  add-checkpoint requests back to back (each grows the log by one entry, with a
  real consistency proof), on one keep-alive connection;
- the same with 4 concurrent clients, one origin each;
- baseline, same server, same run: ``GET /key`` round trips (HTTP, routing and
  the event loop, no database, no signature), sequential and 4 concurrent;
  each figure comes with its ratio to that baseline.

Request bodies are built before the clock starts: only the witness is timed
(parse, verify the log's signature and the proof, cosign, compare-and-swap commit
with SQLite ``synchronous=FULL``).

    python -m bench witness          # 400 requests per client
    python -m bench witness --quick  # 100
"""

from __future__ import annotations

import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.tlog import (
    Checkpoint,
    Ed25519Signer,
    MemoryHashStore,
    consistency_proof,
    sign_checkpoint,
    tree_hash,
)
from covergate.tlog.witness_protocol import AddCheckpoint

COVERGATE = Path(sys.executable).with_name("covergate")
CLIENTS = 4


def _bodies(origin: str, seed: int, count: int) -> list[bytes]:
    """``count`` add-checkpoint bodies: size 0 -> 1 -> ... -> count."""
    signer = Ed25519Signer(origin, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))
    store = MemoryHashStore()
    bodies = []
    for new in range(1, count + 1):
        store.append(b"bench entry %d" % new)
        proof = tuple(consistency_proof(new - 1, new, store))
        note = sign_checkpoint(Checkpoint(origin, new, tree_hash(new, store)), signer)
        bodies.append(AddCheckpoint(new - 1, proof, note).format())
    return bodies


def _vkey(origin: str, seed: int) -> str:
    key = Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    return Ed25519Signer(origin, key).verifier_key()


def _covergate(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(COVERGATE), *args], env=env, check=True, capture_output=True)  # noqa: S603


def _start(data: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(  # noqa: S603
        [str(COVERGATE), "witness", "serve", "--data", str(data), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    first = lines.get(timeout=60)
    return process, first.split(" on ", 1)[1].split()[0]


def _timed(client: httpx.Client, call: Callable[[httpx.Client], httpx.Response]) -> float:
    start = time.perf_counter()
    response = call(client)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"witness answered {response.status_code}: {response.text}")
    return elapsed


def _series(base_url: str, calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[float]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        client.get("/key")  # connect before timing
        return [_timed(client, call) for call in calls]


def _concurrent(
    base_url: str, per_client: list[list[Callable[[httpx.Client], httpx.Response]]]
) -> tuple[list[float], float]:
    results: list[list[float]] = [[] for _ in per_client]
    barrier = threading.Barrier(len(per_client) + 1)

    def work(i: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            client.get("/key")
            barrier.wait()
            results[i] = [_timed(client, call) for call in per_client[i]]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(per_client))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return [x for r in results for x in r], wall


def _quantiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def _post(body: bytes) -> Callable[[httpx.Client], httpx.Response]:
    return lambda client: client.post("/add-checkpoint", content=body)


def _get_key(client: httpx.Client) -> httpx.Response:
    return client.get("/key")


def _rows(
    label: str, cosign: list[float], wall: float, base: list[float], base_wall: float
) -> list[dict[str, object]]:
    p50, p99 = _quantiles(cosign)
    b50, b99 = _quantiles(base)
    rate, base_rate = len(cosign) / wall, len(base) / base_wall
    baseline = {
        "GET /key p50 ms": round(b50, 3),
        "GET /key p99 ms": round(b99, 3),
        "GET /key per s": round(base_rate),
    }
    return [
        {
            "name": f"add-checkpoint latency p50, {label}",
            "value": round(p50, 3),
            "unit": "ms",
            "baseline": baseline,
            "ratio_to_baseline": round(p50 / b50, 1),
        },
        {
            "name": f"add-checkpoint latency p99, {label}",
            "value": round(p99, 3),
            "unit": "ms",
            "baseline": baseline,
            "ratio_to_baseline": round(p99 / b99, 1),
        },
        {
            "name": f"checkpoints cosigned per second, {label}",
            "value": round(rate, 1),
            "unit": "checkpoints/s",
            "requests": len(cosign),
            "baseline": baseline,
            "ratio_to_baseline": round(rate / base_rate, 3),
        },
    ]


def run(quick: bool) -> list[dict[str, object]]:
    count = 100 if quick else 400
    origins = [(f"bench{i}.example/log", 10 + i) for i in range(CLIENTS + 1)]
    bodies = {origin: _bodies(origin, seed, count) for origin, seed in origins}
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    with tempfile.TemporaryDirectory(prefix="covergate-bench-witness-") as tmp:
        data = Path(tmp) / "w"
        _covergate("witness", "init", "--data", str(data), "--name", "bench.example/w", env=env)
        for origin, seed in origins:
            _covergate("witness", "add-log", _vkey(origin, seed), "--data", str(data), env=env)
        process, base_url = _start(data, env)
        try:
            rows: list[dict[str, object]] = []
            # Sequential: one client, one origin.
            start = time.perf_counter()
            base = _series(base_url, [_get_key] * count)
            base_wall = time.perf_counter() - start
            start = time.perf_counter()
            cosign = _series(base_url, [_post(b) for b in bodies[origins[0][0]]])
            wall = time.perf_counter() - start
            rows += _rows("1 client", cosign, wall, base, base_wall)
            # Concurrent: 4 clients, 4 more origins.
            base4, base4_wall = _concurrent(base_url, [[_get_key] * count] * CLIENTS)
            cosign4, wall4 = _concurrent(
                base_url, [[_post(b) for b in bodies[o]] for o, _ in origins[1:]]
            )
            rows += _rows(
                f"{CLIENTS} clients, {CLIENTS} origins", cosign4, wall4, base4, base4_wall
            )
            return rows
        finally:
            process.terminate()
            process.wait(timeout=20)
