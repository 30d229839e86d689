"""CLI start-up: wall time of whole ``covergate`` processes, against the bare interpreter.

Each command runs as a new process, as a user runs it, several times; the figure is
the median wall time. The baseline, measured in the same run and interleaved with
the commands (one round runs every command once), is ``python -c pass`` with the
same interpreter. A command's fixed start-up cost is its median minus the baseline's.

Commands without a database:

- ``--help``: builds the whole command tree, runs nothing;
- ``serve --help``: one group's help (the server's modules are not imported);
- ``policy check docs/examples/mail-cover.json``: parse, validate and evaluate one
  request document;
- ``schema request``: the request document's JSON Schema.

Every family of commands that opens the database, on a data directory made before
the clock starts (``init``, one agency, one court, a requester and an auditor, and
three requests submitted: a log of 6 entries):

- ``log key``: reads the log's verifier key (the data directory, no database);
- ``user list``, ``token list``: the operator's account commands (no token);
- ``request list``, ``request show ID``: a requester's token checked, its requests;
- ``audit``, ``audit compliance``: the auditor's access log and compliance audit;
- ``log verify``: recompute the local log (6 entries) and check its checkpoint;
- ``log proof 0``: one entry's tlog-proof;
- ``report``: verify the log and recount the transparency report from it;
- ``maintain``: what has fallen due (nothing, here), then integrate the log.

    .venv/bin/python -m bench cli            # 15 rounds
    .venv/bin/python -m bench cli --quick    # 5 rounds

To time another source tree of covergate with the same interpreter (a "before"
figure), put its ``src`` first on the path: ``PYTHONPATH=/tmp/before/src .venv/bin/python
-m bench cli``; the commands then import covergate from there. To time both in the
same rounds, paired (each command runs under the other tree right before it runs
under this one), name the other tree in ``BENCH_CLI_BEFORE``:
``BENCH_CLI_BEFORE=/tmp/before/src .venv/bin/python -m bench cli``; each row then also
has ``before_ms`` and ``before_over_baseline_ms``. Each tree runs its commands on a
data directory its own code made (the same accounts and requests), so the two may
differ by a migration.

Each row also has ``cpu_ms``, the median CPU time (user + system) of the command's
process (``before_cpu_ms`` for the other tree): on a loaded machine wall times grow
with the other processes' load, CPU times much less, so compare those when
``load_average`` (in the last row) is above the number of cores.

The commands run with ``PYTHONDONTWRITEBYTECODE`` unset, whatever the caller's
environment says: an installed covergate has its ``.pyc`` files, and without them
every run would compile covergate's sources again (the warm-up round writes them).
"""

from __future__ import annotations

import json
import os
import resource
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
BASELINE = "python -c pass (baseline)"
#: The issue's target for any command's start-up over the bare interpreter, in ms.
TARGET_MS = 500.0


def _commands(data_dir: Path, tokens: dict[str, str], request_id: str) -> dict[str, list[str]]:
    cg = [str(COVERGATE)]
    db = [*cg, "--data", str(data_dir)]
    return {
        BASELINE: [str(PYTHON), "-c", "pass"],
        "covergate --help": [*cg, "--help"],
        "covergate serve --help": [*cg, "serve", "--help"],
        "covergate policy check mail-cover.json": [*cg, "policy", "check", str(EXAMPLE)],
        "covergate schema request": [*cg, "schema", "request"],
        "covergate --data DIR log key": [*db, "log", "key"],
        "covergate --data DIR user list": [*db, "user", "list"],
        "covergate --data DIR token list": [*db, "token", "list"],
        "covergate --data DIR request list": [
            *db, "request", "list", "--token", tokens["requester"],
        ],
        "covergate --data DIR request show ID": [
            *db, "request", "show", request_id, "--token", tokens["requester"],
        ],
        "covergate --data DIR audit": [*db, "audit", "--token", tokens["auditor"]],
        "covergate --data DIR audit compliance": [
            *db, "audit", "compliance", "--token", tokens["auditor"],
        ],
        "covergate --data DIR log verify (6 entries)": [*db, "log", "verify"],
        "covergate --data DIR log proof 0": [*db, "log", "proof", "0"],
        "covergate --data DIR report": [*db, "report"],
        "covergate --data DIR maintain": [*db, "maintain"],
    }  # fmt: skip


#: Commands that exit 1 on purpose: the compliance audit when it finds something.
_FINDINGS_EXIT = {"covergate --data DIR audit compliance"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Seconds from spawning ``argv`` to its exit, and the CPU seconds (user + system)
    it used; a failed command stops the benchmark. The commands run one at a time, so
    the growth of this process's children's usage is that command's."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603 (fixed argv)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return seconds, _children_cpu() - cpu


def _output(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


def _prepare(data_dir: Path, env: dict[str, str]) -> tuple[dict[str, str], str]:
    """A data directory with accounts and three requests: (tokens by role, a request id)."""
    db = [str(COVERGATE), "--data", str(data_dir)]
    document = json.loads(EXAMPLE.read_text())
    agency = document["agency"]
    _output([*db, "init"], env)
    _output(
        [*db, "agency", "add", agency["name"], "--jurisdiction", agency["jurisdiction"]]
        + [arg for function in agency["functions"] for arg in ("--function", function)],
        env,
    )
    _output([*db, "court", "add", document["legal_process"]["court"]], env)
    tokens: dict[str, str] = {}
    for role, email, extra in (
        ("requester", document["requester"]["email"], ["--agency", agency["name"]]),
        ("auditor", "auditor@oig.example", []),
    ):
        added = _output(
            [*db, "user", "add", email, "--name", role, "--role", role, *extra, "--json"], env
        )
        tokens[role] = json.loads(added)["token"]
    ids = []
    for _ in range(3):
        submitted = _output(
            [*db, "request", "submit", str(EXAMPLE), "--token", tokens["requester"], "--json"], env
        )
        ids.append(json.loads(submitted)["id"])
    return tokens, ids[0]


def _env(src: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COVERGATE_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    if src is not None:
        env["PYTHONPATH"] = src
    return env


def run(quick: bool) -> list[dict[str, object]]:
    rounds = 5 if quick else 15
    env = _env(None)
    before_src = os.environ.get("BENCH_CLI_BEFORE")
    trees = {"after": env} | ({"before": _env(before_src)} if before_src else {})
    with tempfile.TemporaryDirectory(prefix="covergate-bench-cli-") as tmp:
        # Each tree gets a data directory made by its own code: the two may
        # differ by a migration, which the older one could not open.
        argvs: dict[str, dict[str, list[str]]] = {}
        for tree, tree_env in trees.items():
            data_dir = Path(tmp) / f"data-{tree}"
            tokens, request_id = _prepare(data_dir, tree_env)
            argvs[tree] = _commands(data_dir, tokens, request_id)
        commands = argvs["after"]
        ok = {name: (0, 1) if name in _FINDINGS_EXIT else (0,) for name in commands}
        for tree, tree_env in trees.items():  # warm the page cache and the .pyc files
            for name, argv in argvs[tree].items():
                _wall(argv, tree_env, ok[name])
        times: dict[tuple[str, str], list[float]] = {
            (tree, name): [] for tree in trees for name in commands
        }
        cpu: dict[tuple[str, str], list[float]] = {key: [] for key in times}
        for _ in range(rounds):
            for name in commands:
                for tree in sorted(trees):  # "after", then "before", paired in each round
                    wall, used = _wall(argvs[tree][name], trees[tree], ok[name])
                    times[tree, name].append(wall)
                    cpu[tree, name].append(used)
    medians = {key: statistics.median(values) for key, values in times.items()}
    cpu_medians = {key: statistics.median(values) for key, values in cpu.items()}
    baseline = medians["after", BASELINE]
    rows: list[dict[str, object]] = []
    for name in commands:
        median = medians["after", name]
        row: dict[str, object] = {
            "name": name,
            "value": round(median * 1000, 1),
            "unit": "ms (median wall)",
            "min_ms": round(min(times["after", name]) * 1000, 1),
            "max_ms": round(max(times["after", name]) * 1000, 1),
            "runs": rounds,
            "cpu_ms": round(cpu_medians["after", name] * 1000, 1),
        }
        if name != BASELINE:
            row["baseline"] = {"python -c pass ms": round(baseline * 1000, 1)}
            row["ratio_to_baseline"] = round(median / baseline, 1)
            row["startup_over_baseline_ms"] = round((median - baseline) * 1000, 1)
            if "before" in trees:
                before = medians["before", name]
                row["before_ms"] = round(before * 1000, 1)
                row["before_over_baseline_ms"] = round((before - baseline) * 1000, 1)
                row["after_to_before"] = round(median / before, 2)
                row["before_cpu_ms"] = round(cpu_medians["before", name] * 1000, 1)
        rows.append(row)
    over = [name for name in commands if name != BASELINE]
    slowest = max(over, key=lambda name: medians["after", name])
    rows.append(
        {
            "name": "slowest command (start-up over baseline)",
            "value": round((medians["after", slowest] - baseline) * 1000, 1),
            "unit": "ms",
            "command": slowest,
            "target_ms": TARGET_MS,
            "over_target": [
                name for name in over if (medians["after", name] - baseline) * 1000 > TARGET_MS
            ],
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    )
    return rows
