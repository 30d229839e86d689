"""The public report: computing it from the database, and recounting it from the log.

On a demo database (``make run``'s default size: 6,000 outside-agency and 1,500
inspectors' requests; ``--quick``: 600 and 150), each figure against a baseline
measured in the same run on the same log:

- ``facts_from_db`` (the server's path) and ``facts_from_entries`` (the recount's
  path) against ``verify_log`` of the same log: reading and hashing every entry,
  the floor any recount pays;
- ``compute`` for ``all``, a year and a half-year, and ``published_report`` cold
  (facts + compute) and warm (kept per checkpoint root);
- ``covergate report --from DIR --key K --json`` (a whole recount as a journalist
  runs it, from a ``log export`` directory) against ``covergate log verify --from
  DIR --key K`` on the same directory: the recount's cost over verifying.

    .venv/bin/python -m bench report            # the default demo size (about 3 min)
    .venv/bin/python -m bench report --quick
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PYTHON = Path(sys.executable)
COVERGATE = PYTHON.with_name("covergate")


def _best(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _wall(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)  # noqa: S603
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}")
    return seconds


def _row(name: str, seconds: float, baseline: str, base_seconds: float) -> dict[str, object]:
    return {
        "name": name,
        "value": round(seconds * 1000, 3),
        "unit": "ms (median)",
        "baseline": baseline,
        "baseline_ms": round(base_seconds * 1000, 1),
        "ratio_to_baseline": round(seconds / base_seconds, 2),
    }


def run(quick: bool) -> list[dict[str, object]]:
    from sqlalchemy import select

    from covergate.config import Settings
    from covergate.demo import seed_demo
    from covergate.report import service
    from covergate.report.figures import compute
    from covergate.report.from_db import facts_from_db
    from covergate.report.from_log import facts_from_entries
    from covergate.report.schemas import Period
    from covergate.runtime import Runtime
    from covergate.tlog.checkpoint import open_checkpoint
    from covergate.transparency import service as tlog
    from covergate.transparency.export import export_log
    from covergate.transparency.models import LogEntry
    from covergate.transparency.sources import DatabaseLogSource
    from covergate.transparency.verification import verify_log

    outside, inspectors = (600, 150) if quick else (6000, 1500)
    rounds = 3
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        data = Path(tmp)
        rt = Runtime.open(
            Settings(data_dir=data, database_url=f"sqlite:///{data / 'c.db'}"), create=True
        )
        try:
            seeded = seed_demo(rt, seed=2026, outside=outside, inspectors=inspectors)
            with rt.sessions() as s:
                note = tlog.latest_checkpoint(session=s)
                if note is None:
                    raise RuntimeError("the demo signed no checkpoint")
                checkpoint = open_checkpoint(note, rt.log_signer.verifier())
                size = checkpoint.size
                verify_s, _ = _best(lambda: verify_log(DatabaseLogSource(s), checkpoint), rounds)
                base = f"verify_log of the {size:,} entries ({seeded.requests:,} requests)"
                entries = sorted(
                    (int(i), bytes(d)) for i, d in s.execute(select(LogEntry.idx, LogEntry.data))
                )[:size]
                db_s, facts = _best(lambda: facts_from_db(s, log_size=size), rounds)
                rows.append(_row("facts_from_db (the server's path)", db_s, base, verify_s))
                log_s, _ = _best(lambda: facts_from_entries(entries, size), rounds)
                rows.append(_row("facts_from_entries (the recount's path)", log_s, base, verify_s))
                years = sorted({e.month[:4] for r in facts.requests for e in r.events})
                for label in ("all", years[-1], f"{years[-1]}-H1"):
                    period = Period.parse(label)
                    seconds, _ = _best(lambda p=period: compute(facts, p), rounds)  # type: ignore[misc]
                    rows.append(_row(f"compute, period {label}", seconds, base, verify_s))
                service._cache.clear()
                service._facts_cache.clear()
                started = time.perf_counter()
                service.published_report(s, Period.parse("all"))
                cold = time.perf_counter() - started
                rows.append(_row("published_report, cold (new checkpoint)", cold, base, verify_s))
                started = time.perf_counter()
                service.published_report(s, Period.parse(years[-1]))
                other = time.perf_counter() - started
                rows.append(_row("published_report, another period (facts kept)", other, base,
                                 verify_s))  # fmt: skip
                warm, _ = _best(lambda: service.published_report(s, Period.parse("all")), 5)
                rows.append(_row("published_report, warm (kept per root)", warm, base, verify_s))
                export_log(session=s, outdir=data / "export")
            key = rt.log_signer.verifier_key()
        finally:
            rt.close()
        out = str(data / "export")
        verify_cli = statistics.median(
            _wall([str(COVERGATE), "log", "verify", "--from", out, "--key", key])
            for _ in range(rounds)
        )
        recount_cli = statistics.median(
            _wall([str(COVERGATE), "report", "--from", out, "--key", key, "--json"])
            for _ in range(rounds)
        )
        rows.append(
            _row(
                "covergate report --from DIR --key K --json (whole recount)",
                recount_cli,
                "covergate log verify --from DIR --key K (same directory)",
                verify_cli,
            )
        )
    return rows
