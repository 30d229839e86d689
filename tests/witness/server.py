"""A real ``covergate witness serve`` subprocess on a free loopback port, for tests."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

COVERGATE = Path(sys.executable).with_name("covergate")


def cli_env(database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    env.update(COLUMNS="200", NO_COLOR="1")
    if database_url:
        env["COVERGATE_WITNESS_DATABASE_URL"] = database_url
    return env


def covergate(
    *args: str | Path, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``covergate ARGS`` in a new interpreter, as a user would."""
    return subprocess.run(
        [str(COVERGATE), *map(str, args)],
        env=cli_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Served:
    """A running witness: its base URL and what it wrote to stderr so far."""

    base_url: str
    process: subprocess.Popen[str]
    stderr_lines: list[str] = field(default_factory=list)


def _pump(stream: IO[str], sink: queue.Queue[str] | list[str]) -> None:
    for line in stream:
        if isinstance(sink, list):
            sink.append(line.rstrip("\n"))
        else:
            sink.put(line)


@contextmanager
def serving(data_dir: Path, database_url: str | None = None, *, port: int = 0) -> Iterator[Served]:
    """``covergate witness serve --data DIR --port PORT`` (0: a free one); the URL
    from its first line."""
    process = subprocess.Popen(
        [str(COVERGATE), "witness", "serve", "--data", str(data_dir), "--port", str(port)],
        env=cli_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    served = Served("", process)
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, served.stderr_lines), daemon=True).start()
    try:
        first = ""
        for _ in range(600):
            try:
                first = lines.get(timeout=0.1)
                break
            except queue.Empty:
                if process.poll() is not None:
                    break
        if not first:
            raise AssertionError(f"the witness did not start: {served.stderr_lines}")
        # "witness <name> on http://127.0.0.1:<port>  (POST /add-checkpoint)"
        served.base_url = first.split(" on ", 1)[1].split()[0]
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
