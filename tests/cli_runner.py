"""Running the ``covergate`` command line as a user would: a process per command.

The data directory comes from ``--data`` (and ``COVERGATE_DATA``); PostgreSQL is
chosen with ``COVERGATE_DATABASE_URL``, SQLite is the CLI's own file in the data dir.

A command runs either through the installed ``covergate`` script (``real=True``:
a new interpreter, about a second of imports) or through :class:`Zygote`, a
pre-imported covergate that forks a fresh process per command (same argv,
environment, streams and exit status; see ``tests/cli_zygote.py``).
:func:`snapshot` reads the database directly to check that a failed command
changed nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from covergate import models
from covergate.config import sqlite_url
from covergate.db import Base, make_engine
from covergate.lifecycle.models import Request

_ = models  # every table registered

COVERGATE = Path(sys.executable).with_name("covergate")
ZYGOTE_SCRIPT = Path(__file__).with_name("cli_zygote.py")


class Zygote:
    """One long-lived ``cli_zygote.py`` process; each :meth:`run` forks a command."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, str(ZYGOTE_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def run(
        self, argv: list[str], env: dict[str, str], stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        process = self._process
        assert process.stdin is not None
        assert process.stdout is not None
        with self._lock:
            process.stdin.write(json.dumps({"argv": argv, "env": env, "stdin": stdin}) + "\n")
            process.stdin.flush()
            line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the CLI zygote died (status {process.poll()})")
        answer = json.loads(line)
        return subprocess.CompletedProcess(
            ["covergate", *argv], answer["rc"], answer["stdout"], answer["stderr"]
        )

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


@dataclass
class Cli:
    data_dir: Path
    database_url: str | None  # None: the CLI's own SQLite file in data_dir
    tokens: dict[str, str] = field(default_factory=dict)
    zygote: Zygote | None = None

    @property
    def url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
        env["COVERGATE_DATA"] = str(self.data_dir)
        if self.database_url:
            env["COVERGATE_DATABASE_URL"] = self.database_url
        env["COLUMNS"] = "200"
        env["NO_COLOR"] = "1"
        return env

    def run(
        self,
        *args: str | Path,
        token: str | None = None,
        data_flag: bool = True,
        stdin: str | None = None,
        real: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """``covergate [--data DIR] ARGS [--token T]``; ``token`` is a key of ``tokens``
        or, when it is not one, the literal token. ``real`` (or no zygote) runs the
        installed script in a new interpreter."""
        argv: list[str] = []
        if data_flag:
            argv += ["--data", str(self.data_dir)]
        argv += [str(a) for a in args]
        if token is not None:
            argv += ["--token", self.tokens.get(token, token)]
        if self.zygote is not None and not real:
            return self.zygote.run(argv, self.env(), stdin)
        return subprocess.run(
            [str(COVERGATE), *argv],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin,
            check=False,
        )

    def ok(self, *args: str | Path, token: str | None = None, real: bool = False) -> str:
        done = self.run(*args, token=token, real=real)
        assert done.returncode == 0, (args, done.returncode, done.stdout, done.stderr)
        return done.stdout

    def json(self, *args: str | Path, token: str | None = None, real: bool = False) -> Any:
        return json.loads(self.ok(*args, "--json", token=token, real=real))


def assert_one_error_line(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit status 2, and stderr is exactly one line ``error: ...`` naming the problem."""
    assert done.returncode == 2, (done.args, done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, (done.args, done.stderr)
    assert lines[0].startswith("error: "), (done.args, done.stderr)
    for needle in needles:
        assert needle in lines[0], (done.args, needle, lines[0])
    return lines[0]


def snapshot(url: str) -> dict[str, Any]:
    """Row counts of every table and each request's state and last update."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            counts = {
                table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }
            rows = conn.execute(
                select(
                    Request.public_id,
                    Request.state,
                    Request.updated_at,
                    Request.refused_observations,
                ).order_by(Request.id)
            ).all()
    finally:
        engine.dispose()
    return {"counts": counts, "requests": [tuple(r) for r in rows]}
