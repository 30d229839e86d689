"""The public log over HTTP: FastAPI TestClient and a real uvicorn server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from covergate.config import Settings
from covergate.errors import CovergateError, VerificationFailed
from covergate.runtime import Runtime
from covergate.tlog.checkpoint import open_checkpoint
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.verify import verify_full_log
from covergate.transparency import service
from covergate.transparency.monitor import MonitorState, poll
from covergate.transparency.routes import router
from covergate.transparency.sources import HttpLogSource
from covergate.transparency.verification import verify_log
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, append_many, cipher, signer


def make_app(runtime: Runtime) -> FastAPI:
    """The smallest app serving the log: the router, the runtime, a problem handler."""
    app = FastAPI()
    app.state.runtime = runtime
    app.include_router(router)

    @app.exception_handler(CovergateError)
    async def problem(_request: Request, exc: CovergateError) -> JSONResponse:
        body = {"type": exc.code, "title": exc.title, "status": exc.status, "detail": exc.message}
        return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")

    return app


@pytest.fixture
def log(database: Database, tmp_path: Path) -> tuple[Runtime, Ed25519Signer]:
    key, fc = signer(), cipher()
    settings = Settings(data_dir=tmp_path, database_url=database.url, log_origin=ORIGIN)
    runtime = Runtime(
        settings=settings, engine=database.engine, sessions=database.sessions, cipher=fc
    )
    append_many(database.sessions, fc, 300)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    append_many(database.sessions, fc, 5, start=300)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    return runtime, key


def test_checkpoint_tiles_and_bundles(log: tuple[Runtime, Ed25519Signer]) -> None:
    runtime, key = log
    client = TestClient(make_app(runtime))
    r = client.get("/log/checkpoint")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert open_checkpoint(r.content, key.verifier()).size == 305

    full = client.get("/log/tile/0/000")
    assert full.status_code == 200
    assert full.headers["content-type"] == "application/octet-stream"
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(full.content) == 256 * 32
    partial = client.get("/log/tile/0/001.p/49")
    assert partial.status_code == 200
    assert len(partial.content) == 49 * 32
    assert "immutable" not in partial.headers["cache-control"]
    # The partial tile of the earlier checkpoint (size 300) is still served.
    assert client.get("/log/tile/0/001.p/44").content == partial.content[: 44 * 32]
    assert len(client.get("/log/tile/1/000.p/1").content) == 32
    bundle = client.get("/log/tile/entries/001.p/49")
    assert bundle.status_code == 200
    assert client.get("/log/tile/entries/000").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/log/tile/0/001.p/50",  # beyond the signed tree
        "/log/tile/0/002",
        "/log/tile/entries/001",
        "/log/tile/entries/001.p/50",
        "/log/tile/0/1",  # malformed: not three digits
        "/log/tile/0/x000/001",  # non-canonical
        "/log/tile/0/001.p/0",  # empty tile
        "/log/tile/0/001.p/256",
        "/log/tile/-1/000",
        "/log/tile/entries/../checkpoint",
        "/log/tile/",
    ],
)
def test_missing_or_malformed_tiles_are_404_problems(
    log: tuple[Runtime, Ed25519Signer], path: str
) -> None:
    client = TestClient(make_app(log[0]))
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_no_checkpoint_yet_is_404(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database.url, log_origin=ORIGIN)
    rt = Runtime(
        settings=settings, engine=database.engine, sessions=database.sessions, cipher=cipher()
    )
    assert TestClient(make_app(rt)).get("/log/checkpoint").status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(log: tuple[Runtime, Ed25519Signer]) -> Iterator[str]:
    """A real uvicorn server on a free loopback port; yields the log's base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(log[0]), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/log"
    server.should_exit = True
    thread.join(timeout=10)


def test_third_party_verifies_and_monitors_over_http(
    served: str, log: tuple[Runtime, Ed25519Signer], database: Database, tmp_path: Path
) -> None:
    runtime, key = log
    assert httpx.get(served + "/tile/0/x000/000").status_code == 404
    source = HttpLogSource(served)
    checkpoint = open_checkpoint(source.fetch("checkpoint"), key.verifier())
    assert verify_log(source, checkpoint).root == checkpoint.root
    assert verify_full_log(source, checkpoint).root == checkpoint.root

    state = MonitorState(tmp_path / "monitor.checkpoint")
    seen: list[int] = []
    first = poll(source, key.verifier(), state, on_entry=lambda i, _e: seen.append(i))
    assert first.new_entries == 305
    assert seen == list(range(305))
    append_many(database.sessions, runtime.cipher, 7, start=305)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    second = poll(source, key.verifier(), state, on_entry=lambda i, _e: seen.append(i))
    assert second.new_entries == 7
    assert seen[-7:] == list(range(305, 312))
    assert poll(source, key.verifier(), state).new_entries == 0
    source.close()


def test_monitor_rejects_a_fork(tmp_path: Path) -> None:
    from covergate.tlog.checkpoint import Checkpoint, sign_checkpoint
    from covergate.tlog.verify import MemoryLogSource

    key = signer()
    state = MonitorState(tmp_path / "state")
    state.save(sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), key))  # type: ignore[arg-type]
    other = sign_checkpoint(Checkpoint(ORIGIN, 3, b"\x01" * 32), key)  # type: ignore[arg-type]
    with pytest.raises(VerificationFailed):
        poll(MemoryLogSource({"checkpoint": other}), key.verifier(), state)
    shrunk = sign_checkpoint(Checkpoint(ORIGIN, 2, b"\x01" * 32), key)  # type: ignore[arg-type]
    with pytest.raises(VerificationFailed):
        poll(MemoryLogSource({"checkpoint": shrunk}), key.verifier(), state)
