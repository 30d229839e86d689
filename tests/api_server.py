"""A real covergate HTTP server for tests: uvicorn in a background thread.

The server runs in this process, so a test can move its :class:`FixedClock` (to
reach a start date or an expiry) between HTTP calls. Users, agencies and tokens are
seeded with the same services as ``tests/world.py``; everything else goes over HTTP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from covergate.api import create_app
from covergate.clock import FixedClock
from covergate.config import Settings
from covergate.runtime import Runtime
from tests.world import build_world

PROBLEM = "application/problem+json"


@dataclass
class LiveServer:
    base_url: str
    clock: FixedClock
    tokens: dict[str, str]
    runtime: Runtime
    client: httpx.Client

    def auth(self, who: str | None) -> dict[str, str]:
        """Headers for user ``who`` (a key of tests.world's people), or none."""
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(
        self,
        method: str,
        path: str,
        who: str | None,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        merged = {**self.auth(who), **(headers or {})}
        return self.client.request(method, path, json=json, headers=merged, **kw)

    def get(self, path: str, who: str | None = None, **kw: Any) -> httpx.Response:
        return self.call("GET", path, who, **kw)

    def post(self, path: str, who: str | None = None, **kw: Any) -> httpx.Response:
        return self.call("POST", path, who, **kw)

    def log_size(self) -> int:
        """The public log's tree size: the checkpoint's second line."""
        response = self.client.get("/log/checkpoint")
        if response.status_code == 404:  # nothing signed yet
            return 0
        assert response.status_code == 200, response.text
        return int(response.text.split("\n")[1])

    def reseed(self, today: date) -> None:
        """Set the clock and add the agencies and people of ``tests.world`` (on an
        empty database). They carry no encrypted data, so the world's own cipher does
        not matter; everything encrypted is written over HTTP with the runtime's."""
        self.clock.set_date(today)
        world = build_world(self.runtime.sessions, start=today)
        self.tokens = dict(world.tokens)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def live_server(
    database_url: str,
    data_dir: Path,
    *,
    today: date,
    host_name: str = "127.0.0.1",
    **settings_fields: Any,
) -> Iterator[LiveServer]:
    """Open a runtime on an already migrated database, seed people, serve it.

    The server outlives the data: :meth:`LiveServer.reseed` starts a test over on
    an emptied database (the ``database`` fixture empties it) without a restart.

    ``host_name="localhost"`` makes ``base_url`` (and the settings' ``public_url``)
    ``http://localhost:PORT``, which WebAuthn needs; ``settings_fields`` are more
    :class:`Settings` fields (``require_passkey=False``, ``oidc=OidcSettings(...)``).
    """
    clock = FixedClock()
    clock.set_date(today)
    sock = _listening_socket()
    port = sock.getsockname()[1]
    base_url = f"http://{host_name}:{port}"
    settings_fields.setdefault("public_url", base_url)
    settings = Settings(data_dir=data_dir, database_url=database_url, **settings_fields)
    runtime = Runtime.open(settings, clock=clock, create=True, run_migrations=False)
    try:
        app = create_app(runtime, maintenance_interval=None)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="covergate-test-server", daemon=True
        )
        thread.start()
        try:
            with httpx.Client(base_url=base_url, timeout=30) as client:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or not thread.is_alive():
                        raise RuntimeError("the test server did not start")
                    time.sleep(0.02)
                live = LiveServer(base_url, clock, {}, runtime, client)
                live.reseed(today)
                yield live
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
    finally:
        runtime.close()
