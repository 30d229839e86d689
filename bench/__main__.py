"""Run every benchmark module ``bench/bench_*.py`` and print their results.

Each module exposes ``run(quick: bool) -> list[dict]``; every result dict has at
least ``name``, ``value``, ``unit`` and, where there is one, ``baseline`` figures
measured in the same run. Results are written to ``bench/results/latest.json``.

    python -m bench                # everything
    python -m bench policy tlog    # only these modules
    python -m bench --quick        # smaller sizes, for a smoke run
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path

import bench


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    if wanted:
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            print(f"error: unknown benchmark(s) {', '.join(unknown)}; have {', '.join(names)}")
            return 2
        names = [n for n in names if n in wanted]
    results: dict[str, object] = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": quick,
        "benchmarks": {},
    }
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}", flush=True)
        rows = module.run(quick=quick)
        for row in rows:
            print("  " + json.dumps(row), flush=True)
        results["benchmarks"][name] = rows  # type: ignore[index]
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
