"""CLI start-up: wall time of whole ``covergate`` processes, against the bare interpreter.

Each command runs as a new process, as a user runs it, several times; the figure is
the median wall time. The baseline, measured in the same run and interleaved with
the commands (one round runs every command once), is ``python -c pass`` with the
same interpreter. A command's fixed start-up cost is its median minus the baseline's.

- ``--help``: builds the whole command tree, runs nothing;
- ``policy check docs/examples/mail-cover.json``: parse, validate and evaluate one
  request document, no database;
- ``schema request``: the request document's JSON Schema, no database;
- ``--data DIR log key``: reads the log's verifier key from a data directory
  initialised before the clock starts (``init``);
- ``--data DIR user list``: opens that directory's SQLite database (the runtime, the
  schema check, one transaction) and lists its users: the fixed cost of a command
  that uses the database.

    .venv/bin/python -m bench cli            # 15 rounds
    .venv/bin/python -m bench cli --quick    # 5 rounds

To time another source tree of covergate with the same interpreter (a "before"
figure), put its ``src`` first on the path: ``PYTHONPATH=/tmp/before/src .venv/bin/python
-m bench cli``; the commands then import covergate from there.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
COVERGATE = PYTHON.with_name("covergate")
EXAMPLE = ROOT / "docs" / "examples" / "mail-cover.json"


def _commands(data_dir: Path) -> dict[str, list[str]]:
    return {
        "python -c pass (baseline)": [str(PYTHON), "-c", "pass"],
        "covergate --help": [str(COVERGATE), "--help"],
        "covergate policy check mail-cover.json": [
            str(COVERGATE), "policy", "check", str(EXAMPLE),
        ],
        "covergate schema request": [str(COVERGATE), "schema", "request"],
        "covergate --data DIR log key": [str(COVERGATE), "--data", str(data_dir), "log", "key"],
        "covergate --data DIR user list": [str(COVERGATE), "--data", str(data_dir), "user", "list"],
    }  # fmt: skip


def _wall(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning ``argv`` to its exit; a failed command stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603 (fixed argv)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return seconds


def run(quick: bool) -> list[dict[str, object]]:
    rounds = 5 if quick else 15
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    with tempfile.TemporaryDirectory(prefix="covergate-bench-cli-") as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run(  # noqa: S603 (our own console script, fixed argv)
            [str(COVERGATE), "--data", str(data_dir), "init"],
            env=env, capture_output=True, check=True,
        )  # fmt: skip
        commands = _commands(data_dir)
        for argv in commands.values():  # warm the page cache and the .pyc files
            _wall(argv, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, argv in commands.items():
                times[name].append(_wall(argv, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline_name = next(iter(commands))
    baseline = medians[baseline_name]
    rows: list[dict[str, object]] = []
    for name, median in medians.items():
        row: dict[str, object] = {
            "name": name,
            "value": round(median * 1000, 1),
            "unit": "ms (median wall)",
            "min_ms": round(min(times[name]) * 1000, 1),
            "max_ms": round(max(times[name]) * 1000, 1),
            "runs": rounds,
        }
        if name != baseline_name:
            row["baseline"] = {"python -c pass ms": round(baseline * 1000, 1)}
            row["ratio_to_baseline"] = round(median / baseline, 1)
            row["startup_over_baseline_ms"] = round((median - baseline) * 1000, 1)
        rows.append(row)
    return rows
