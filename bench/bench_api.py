"""Request submission under load: ``POST /api/v1/requests`` on a real ``covergate serve``.

For each backend (SQLite in a temporary data directory; PostgreSQL in a fresh
database on 127.0.0.1:5432, dropped after), the data directory is set up with the
CLI (``init``, ``agency add``, ``court add``, ``user add --role requester``), then
``covergate serve`` runs as a subprocess on loopback, and 50 client threads, each
with its own keep-alive connection, POST valid request documents (the example's,
with the case number, subject and docket varied so that no two are equal) as fast
as the server answers. Measured:

- server CPU per submission: user + system CPU time of the server process and its
  children (``/proc/<pid>/stat``), before and after, over the submissions;
- submissions per second, and client-side latency p50 and p99;
- rows written per submission (every table's row count, before and after).

Baseline, same run, same backend, served the same way: ``bench/api_floor.py``, a
bare endpoint that parses the JSON body and in one durable transaction inserts as
many rows as a submission wrote (no authentication, validation, policy or log).
Then the *stack floor* (``api_floor.py --stack``): the same insert behind FastAPI,
covergate's own ``RequestDocument`` validation, a token found in memory, the policy
engine, and covergate's ``RequestDetail`` answer: what any implementation of this
API on this stack must do. Its rows are reported against the storage floor too, and
covergate's rows against both floors (``ratio_to_stack_floor``).

    python -m bench api            # 50 clients x 20 submissions per backend
    python -m bench api --quick    # 50 clients x 6
    BENCH_API_WORKERS=2 python -m bench api   # also serve --workers 2 on PostgreSQL

Request bodies are built before the clock starts. Each figure comes with its ratio
to the baseline. The client threads run on the same machine and share its cores.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import MetaData, func, select, text

from covergate.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
COVERGATE = PYTHON.with_name("covergate")
EXAMPLE = ROOT / "docs" / "examples" / "mail-cover.json"
CLIENTS = 50
PG_ADMIN = os.environ.get("COVERGATE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AGENCY = "Federal Bureau of Investigation"
COURT = "U.S. District Court, C.D. Ill."
_TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _covergate(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [str(COVERGATE), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"covergate {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def _seed(env: dict[str, str]) -> str:
    """Initialise the data directory; the requester's token."""
    _covergate("init", env=env)
    _covergate(
        "agency", "add", AGENCY, "--jurisdiction", "federal",
        "--function", "criminal_investigation", "--function", "national_security", env=env,
    )  # fmt: skip
    _covergate("court", "add", COURT, env=env)
    out = _covergate(
        "user", "add", "dreyes@fbi.example", "--name", "Dana Reyes", "--role", "requester",
        "--agency", AGENCY, "--json", env=env,
    )  # fmt: skip
    return str(json.loads(out)["token"])


def _bodies(count: int) -> list[bytes]:
    """``count`` different valid documents, dated around today (the server's clock)."""
    base = json.loads(EXAMPLE.read_text())
    today = datetime.now(UTC).date()
    out = []
    for i in range(count):
        doc = json.loads(json.dumps(base))
        doc["received"]["date"] = (today - timedelta(days=2)).isoformat()
        doc["legal_process"]["issued"] = (today - timedelta(days=1)).isoformat()
        doc["legal_process"]["docket"] = f"26-mj-{i:05d}"
        doc["scope"]["start"] = (today + timedelta(days=1)).isoformat()
        doc["purpose"]["case_number"] = f"FBI-2026-{i:05d}"
        doc["subject"]["name"] = f"Jordan Example {i}"
        doc["subject"]["address"]["line1"] = f"{i + 1} Elm Street"
        out.append(json.dumps(doc).encode())
    return out


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children.get(current, [])
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and every live descendant."""
    total = 0
    for each in _descendants(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


@contextmanager
def _server(argv: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{' '.join(argv[:3])} did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _load(
    url: str, headers: dict[str, str], bodies: list[bytes], pid: int
) -> tuple[list[float], float, float]:
    """POST ``bodies`` from CLIENTS threads; (latencies, wall seconds, server CPU seconds)."""
    per = [bodies[i::CLIENTS] for i in range(CLIENTS)]
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    barrier = threading.Barrier(CLIENTS + 1)

    def work(i: int) -> None:
        with httpx.Client(timeout=120, headers=headers) as client:
            client.get(url.rsplit("/api/", 1)[0].rsplit("/floor", 1)[0] + "/healthz")
            barrier.wait()
            for body in per[i]:
                start = time.perf_counter()
                response = client.post(url, content=body)
                latencies[i].append(time.perf_counter() - start)
                if response.status_code not in (200, 201):
                    errors.append(f"{response.status_code}: {response.text[:300]}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    cpu = _cpu_seconds(pid)
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    cpu = _cpu_seconds(pid) - cpu
    if errors:
        raise RuntimeError(f"{len(errors)} submissions failed, first {errors[0]}")
    return [x for each in latencies for x in each], wall, cpu


def _row_count(url: str) -> int:
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return sum(
                int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in meta.sorted_tables
            )
    finally:
        engine.dispose()


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'data' / 'covergate.db'}"
        return
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"covergate_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _figures(latencies: list[float], wall: float, cpu: float) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "cpu_ms": cpu * 1000 / len(latencies),
        "per_s": len(latencies) / wall,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


_SUBMISSION = {
    "cpu_ms": ("server CPU per submission", "ms"),
    "per_s": ("submissions per second", "submissions/s"),
    "p50_ms": ("submission latency p50", "ms"),
    "p99_ms": ("submission latency p99", "ms"),
}
_STACK = {
    "cpu_ms": ("stack floor: CPU per request", "ms"),
    "per_s": ("stack floor: requests per second", "requests/s"),
    "p99_ms": ("stack floor: latency p99", "ms"),
}


def _rows(
    label: str,
    got: dict[str, float],
    floor: dict[str, float],
    names: dict[str, tuple[str, str]],
    *,
    rows: float | None = None,
    stack: dict[str, float] | None = None,
) -> list[dict[str, object]]:
    """One result per figure of ``names``, against the storage floor (``baseline``,
    ``ratio_to_baseline``) and, when given, the stack floor (``ratio_to_stack_floor``)."""
    baseline: dict[str, float] = {f"floor {k}": round(v, 2) for k, v in floor.items()}
    if rows is not None:
        baseline["rows per request"] = round(rows, 1)
    if stack is not None:
        baseline |= {f"stack floor {k}": round(v, 2) for k, v in stack.items()}
    out: list[dict[str, object]] = []
    for key, (title, unit) in names.items():
        row: dict[str, object] = {
            "name": f"{title}, {label}",
            "value": round(got[key], 2),
            "unit": unit,
            "baseline": baseline,
            "ratio_to_baseline": round(got[key] / floor[key], 2) if floor[key] else None,
        }
        if stack is not None:
            row["ratio_to_stack_floor"] = round(got[key] / stack[key], 2) if stack[key] else None
        out.append(row)
    return out


def _one(backend: str, per_client: int, workers: int) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="covergate-bench-api-") as name:
        tmp = Path(name)
        with _database(backend, tmp) as url:
            env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
            env["COVERGATE_DATA"] = str(tmp / "data")
            if backend == "postgresql":
                env["COVERGATE_DATABASE_URL"] = url
            token = _seed(env)
            bodies = _bodies(CLIENTS * (per_client + 1))
            warm, timed = bodies[:CLIENTS], bodies[CLIENTS:]
            port = _free_port()
            argv = [str(COVERGATE), "serve", "--port", str(port)]
            if workers > 1:
                argv += ["--workers", str(workers)]
            api = f"http://127.0.0.1:{port}/api/v1/requests"
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            with _server(argv, env, port) as server:
                _load(api, headers, warm, server.pid)
                before = _row_count(url)
                got = _figures(*_load(api, headers, timed, server.pid))
                rows = (_row_count(url) - before) / len(timed)
                answer = tmp / "answer.json"
                answer.write_text(json.dumps(_one_answer(api, headers)))
            # The bench package, then whatever covergate the run was given (PYTHONPATH).
            env["PYTHONPATH"] = os.pathsep.join(
                [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
            floors: dict[str, dict[str, float]] = {}
            for name, extra, floor_headers in (
                ("storage", [], {}),
                ("stack", ["--stack", str(answer), "--token", token], headers),
            ):
                port = _free_port()
                floor_argv = [
                    str(PYTHON), "-m", "bench.api_floor", "--url", url, "--port", str(port),
                    "--rows", str(round(rows)), *extra,
                ]  # fmt: skip
                floor_url = f"http://127.0.0.1:{port}/floor"
                with _server(floor_argv, env, port) as server:
                    _load(floor_url, floor_headers, warm, server.pid)
                    floors[name] = _figures(*_load(floor_url, floor_headers, timed, server.pid))
            floor, stack = floors["storage"], floors["stack"]
    label = f"{backend}, {CLIENTS} clients" + (f", {workers} workers" if workers > 1 else "")
    return _rows(label, got, floor, _SUBMISSION, rows=rows, stack=stack) + _rows(
        label, stack, floor, _STACK
    )


def _one_answer(api: str, headers: dict[str, str]) -> dict[str, object]:
    """A real submission's answer (``RequestDetail``), for the stack floor to give."""
    with httpx.Client(timeout=30, headers=headers) as client:
        listed = client.get(api, params={"limit": 1}).raise_for_status().json()
        detail = client.get(f"{api}/{listed['requests'][0]['id']}").raise_for_status()
        return dict(detail.json())


def run(quick: bool) -> list[dict[str, object]]:
    per_client = 6 if quick else 20
    rows = _one("sqlite", per_client, 1) + _one("postgresql", per_client, 1)
    workers = int(os.environ.get("BENCH_API_WORKERS", "1"))
    if workers > 1:
        rows += _one("postgresql", per_client, workers)
    return rows
