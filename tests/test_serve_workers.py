"""``covergate serve --workers N``: several processes, one log, every submission in it.

A real ``covergate serve --workers 2`` on PostgreSQL (a database of its own), on a
free loopback port; concurrent clients POST request documents; the log must then
hold exactly the entries of the acknowledged submissions (each its own indexes,
integrated by the workers' background integrators) and verify end to end
(``covergate log verify --from URL``). On SQLite ``--workers`` is refused in one line.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import _postgres_database

COVERGATE = Path(sys.executable).with_name("covergate")
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "mail-cover.json"
AGENCY = "Federal Bureau of Investigation"
CLIENTS = 6
PER_CLIENT = 5


def _env(data: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    env["COVERGATE_DATA"] = str(data)
    if url is not None:
        env["COVERGATE_DATABASE_URL"] = url
    return env


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COVERGATE), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _ok(*args: str, env: dict[str, str]) -> str:
    done = _cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _document(i: int) -> bytes:
    doc = json.loads(EXAMPLE.read_text())
    today = datetime.now(UTC).date()
    doc["received"]["date"] = (today - timedelta(days=2)).isoformat()
    doc["legal_process"]["issued"] = (today - timedelta(days=1)).isoformat()
    doc["legal_process"]["docket"] = f"26-mj-{i:05d}"
    doc["scope"]["start"] = (today + timedelta(days=1)).isoformat()
    doc["purpose"]["case_number"] = f"FBI-2026-{i:05d}"
    return json.dumps(doc).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _size(base: str) -> int:
    response = httpx.get(f"{base}/log/checkpoint", timeout=10)
    return 0 if response.status_code == 404 else int(response.text.split("\n")[1])


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _postgres_database()


def test_two_workers_give_one_log_with_every_submission(tmp_path: Path, pg_url: str) -> None:
    env = _env(tmp_path / "data", pg_url)
    _ok("init", env=env)
    functions = ["--function", "criminal_investigation", "--function", "national_security"]
    _ok("agency", "add", AGENCY, "--jurisdiction", "federal", *functions, env=env)
    _ok("court", "add", "U.S. District Court, C.D. Ill.", env=env)
    requester = ["dreyes@fbi.example", "--name", "Dana Reyes", "--role", "requester"]
    added = _ok("user", "add", *requester, "--agency", AGENCY, "--json", env=env)
    token = json.loads(added)["token"]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(COVERGATE), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
        before = _size(base)
        indexes: list[int] = []
        failures: list[str] = []
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def client(c: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
                for k in range(PER_CLIENT):
                    response = http.post("/api/v1/requests", content=_document(c * 100 + k))
                    if response.status_code != 201:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                        continue
                    indexes.extend(e["log_index"] for e in response.json()["history"])

        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        # submitted and order_filed for each: distinct, dense after what was there.
        expected = before + 2 * CLIENTS * PER_CLIENT
        assert sorted(indexes) == list(range(before, expected))
        # The background integrators publish them all, without another request.
        deadline = time.monotonic() + 30
        while _size(base) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _size(base) == expected
        done = _cli("log", "verify", "--from", f"{base}/log", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert str(expected) in done.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    env = _env(tmp_path / "data", None)
    _ok("init", env=env)
    done = _cli("serve", "--port", str(_free_port()), "--workers", "2", env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: --workers needs PostgreSQL (COVERGATE_DATABASE_URL): SQLite has one writer, "
        "and one process serves it best"
    ]
