"""The first run: ``covergate demo`` on a fresh SQLite data directory, as ``make run`` does.

Each run is a new process in a new data directory: the default year (seed 2026, 6,000
outside-agency requests, 1,500 inspectors' own) through the real services, the policy
engine and the log. The figures are the whole process's wall time (what a user waits
for), the seeding time the demo prints itself, and the process's CPU time; the same-run
baseline is ``python -c pass`` with the same interpreter. The target is 20 s of wall
time for the default year on the project's machine.

    .venv/bin/python -m bench demo            # the default year, 3 runs
    .venv/bin/python -m bench demo --quick    # a tenth of it, 3 runs
    BENCH_DEMO_RUNS=1 .venv/bin/python -m bench demo   # one run of each

Each also times ``--size small`` (160 + 40 requests, passed as counts so that an
older tree without ``--size`` can be timed too), whose target is the same 20 s.

To time another source tree (a "before" figure): ``PYTHONPATH=/tmp/before/src
.venv/bin/python -m bench demo``.

Whether a change kept the seeded history (every row and every log entry, byte for
byte), what it costs in CPU and SQL statements, and a profile: ``python -m
bench.demo_history`` (its docstring says how), run on both trees.
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = Path(sys.executable)
COVERGATE = PYTHON.with_name("covergate")
SMALL = (160, 40)  # covergate demo --size small (commands.demo_command.SIZES)
SEEDED = re.compile(rb"seeded (\d+) requests .*? and (\d+) log entries in ([\d.]+) s")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one process, and what it printed; a failure stops the bench."""
    cpu = _child_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603 (fixed argv)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return wall, _child_cpu() - cpu, done.stdout


def _measure(outside: int, inspectors: int, env: dict[str, str], runs: int) -> dict[str, object]:
    """``runs`` demos of this size, each a new process in a new data directory."""
    walls: list[float] = []
    cpus: list[float] = []
    seeding: list[float] = []
    requests = entries = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="covergate-bench-demo-") as tmp:
            argv = [str(COVERGATE), "--data", str(Path(tmp) / "data"), "demo"]
            argv += ["--outside", str(outside), "--inspectors", str(inspectors)]
            wall, cpu, out = _run(argv, env)
        found = SEEDED.search(out)
        if found is None:
            raise RuntimeError(f"the demo did not print its figures: {out[-500:]!r}")
        requests, entries = int(found[1]), int(found[2])
        walls.append(wall)
        cpus.append(cpu)
        seeding.append(float(found[3]))
    size = f"{outside} + {inspectors} requests asked, {requests} stored, {entries} log entries"
    return {
        "name": f"covergate demo, fresh SQLite data directory ({size})",
        "value": round(statistics.median(walls), 2),
        "unit": "s (median wall, whole process)",
        "min_s": round(min(walls), 2),
        "max_s": round(max(walls), 2),
        "seeding_s": round(statistics.median(seeding), 2),
        "cpu_s": round(statistics.median(cpus), 2),
        "runs": len(walls),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def run(quick: bool) -> list[dict[str, object]]:
    outside, inspectors = (600, 150) if quick else (6000, 1500)
    runs = int(os.environ.get("BENCH_DEMO_RUNS", "3"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    env["COLUMNS"] = "200"  # one line per message, so the seeded figures can be read
    baseline = statistics.median(_run([str(PYTHON), "-c", "pass"], env)[0] for _ in range(5))
    rows = [_measure(outside, inspectors, env, runs), _measure(*SMALL, env, runs)]
    for row in rows:
        row["baseline"] = {"python -c pass ms": round(baseline * 1000, 1)}
    return rows
