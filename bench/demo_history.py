"""The demo's history, hashed, and what it cost: a check that a speed-up changed nothing.

    PYTHONPATH=src .venv/bin/python -m bench.demo_history --outside 1500 --inspectors 375
    PYTHONPATH=/tmp/before/src .venv/bin/python -m bench.demo_history ...   # the same, before

Seeds ``seed_demo`` on a fresh SQLite data directory and prints its CPU and wall time,
the SQL statements it ran (by kind and table), and one SHA-256 of its whole history:
every row of every table, ordered by primary key, and every log entry's bytes. Two
trees give the same hash only if they seed the same history, byte for byte.

What is random by design is made repeatable here, not left out: the field and log
keys are fixed (the same key files in every data directory), and covergate's draws of
``os.urandom`` (salts, nonces, data keys, tokens) come from a seeded stream. No column
is left out: every timestamp the demo writes comes from its simulated clock. So a
change that draws randomness in another order, or a different number of times, shows
as a different hash, as it should: the history would differ.

``--profile FILE`` writes a cProfile of the seeding to FILE.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

STATEMENT = re.compile(
    r"^\s*(?:(?P<kind>SELECT|INSERT|DELETE|WITH)\b|UPDATE\s+\"?(?P<updated>\w+))"
    r"(?:.*?\b(?:FROM|INTO)\s+\"?(?P<table>\w+))?",
    re.IGNORECASE | re.DOTALL,
)


def _repeatable_randomness(seed: int) -> None:
    """Every draw of ``os.urandom`` by covergate (and of ``secrets``, through
    ``random``) from one seeded stream, so that two runs salt and seal alike.

    Only covergate's draws: SQLAlchemy draws a few bytes for an anonymous alias when
    it compiles a statement it has not cached, and a change to what is cached must
    not move every salt after it.
    """
    stream = random.Random(seed)  # repeatable by design: a bench, not keys
    system = os.urandom

    def urandom(n: int) -> bytes:
        frame = sys._getframe(1)
        while frame.f_globals.get("__name__") in {"random", "secrets"}:
            frame = frame.f_back  # type: ignore[assignment]
        if str(frame.f_globals.get("__name__", "")).startswith("covergate."):
            return stream.randbytes(n)
        return system(n)

    os.urandom = urandom
    random._urandom = urandom  # type: ignore[attr-defined]  # secrets' SystemRandom


def _keys(home: Path) -> Path:
    """One data directory's key files, made once and copied into every run's."""
    from covergate.config import Settings
    from covergate.runtime import Runtime

    keys = home / "keys"
    if not keys.exists():
        rt = Runtime.open(
            Settings(data_dir=keys, database_url=f"sqlite:///{keys}/k.db"), create=True
        )
        rt.close()
    return keys


def _caller() -> str:
    """The innermost covergate function on the stack (outside covergate.db)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/covergate/" in name and not name.endswith(("/db.py", "demo_history.py")):
            module = name.rsplit("/covergate/", 1)[1].removesuffix(".py").replace("/", ".")
            return f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _count(engine: object, counts: Counter[str], callers: Counter[str] | None) -> None:
    from sqlalchemy import event

    def before(conn: object, cursor: object, statement: str, *_: object) -> None:
        if callers is not None:
            callers[f"{_caller()}: {statement.split(None, 1)[0].upper()}"] += 1
        found = STATEMENT.match(statement)
        if found is None:
            counts[statement.split(None, 1)[0].upper()] += 1
            return
        kind = "UPDATE" if found["updated"] else found["kind"].upper()
        table = found["updated"] or found["table"]
        counts[f"{kind} {table or ''}".strip()] += 1

    event.listen(engine, "before_cursor_execute", before)


def _history(url: str) -> tuple[str, dict[str, str], dict[str, int]]:
    """SHA-256 of every table's rows, and of each table's."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    whole = hashlib.sha256()
    tables: dict[str, str] = {}
    rows: dict[str, int] = {}
    with engine.connect() as conn:
        for name in sorted(meta.tables):
            table = meta.tables[name]
            columns = list(table.columns)
            order = list(table.primary_key.columns) or columns
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(select(*columns).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            tables[name] = digest.hexdigest()
            rows[name] = count
            whole.update(name.encode() + b"\0" + digest.digest())
    engine.dispose()
    return whole.hexdigest(), tables, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outside", type=int, default=6000)
    parser.add_argument("--inspectors", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--keep", type=Path, help="seed into this directory and keep it")
    parser.add_argument("--tables", action="store_true", help="print each table's hash")
    parser.add_argument("--callers", action="store_true", help="count statements by caller")
    args = parser.parse_args()
    from covergate.config import Settings
    from covergate.demo import seed_demo
    from covergate.runtime import Runtime

    home = Path(tempfile.gettempdir()) / "covergate-demo-history"
    home.mkdir(exist_ok=True)
    keys = _keys(home)  # before the seeded stream: every run then draws alike
    _repeatable_randomness(args.seed)
    data = args.keep or Path(tempfile.mkdtemp(prefix="run-", dir=home))
    data.mkdir(parents=True, exist_ok=True)
    for name in ("field.key", "log-signing.key"):
        shutil.copy(keys / name, data / name)
    url = f"sqlite:///{data}/covergate.db"
    rt = Runtime.open(Settings(data_dir=data, database_url=url), create=True)
    counts: Counter[str] = Counter()
    callers: Counter[str] | None = Counter() if args.callers else None
    _count(rt.engine, counts, callers)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = seed_demo(rt, seed=args.seed, outside=args.outside, inspectors=args.inspectors)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rt.close()
    digest, tables, rows = _history(url)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"size {args.outside} + {args.inspectors}, seed {args.seed}: {result.requests} requests,")
    print(f"  {result.log_size} log entries, cpu {cpu:.2f} s, wall {wall:.2f} s, {peak:.0f} MiB")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  statements {sum(counts.values())}:")
    for key, n in counts.most_common():
        print(f"    {n:>9,}  {key}")
    if callers is not None:
        print("  statements by caller (the innermost covergate function):")
        for key, n in callers.most_common(40):
            print(f"    {n:>9,}  {key}")
    print(f"  rows {sum(rows.values())}: " + ", ".join(f"{t} {n}" for t, n in rows.items() if n))
    if args.tables:
        for name, table_digest in tables.items():
            print(f"    {table_digest[:16]}  {name}")
    print(f"history sha256 {digest}")
    if args.keep is None:
        shutil.rmtree(data)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
