"""The ``covergate`` console script: start-up without the cyclic garbage collector.

Starting a database command makes about 73,000 objects (the command line, SQLAlchemy,
the models) that live until the process ends, and CPython's collector walks them
while they are made: ``import covergate.cli, sqlalchemy.orm`` and the models and
services of ``maintain`` ran 155 young, 14 middle and one full collection, 40-53 ms
of about 450 ms, and the interpreter's collection at exit walks them once more,
23-34 ms. End to end, the CPU of the commands that open the database fell to
0.60-0.80 of what it was (docs/BENCHMARKS.md, "CLI start-up, fifth round").

So the console script (:func:`main`) turns the collector off before it imports
anything, and :func:`resume_collector` turns it back on where a process starts
work whose size the data decides, after moving everything made so far into the
permanent generation (:func:`gc.freeze`), which later collections skip. It is
called by:

- :meth:`covergate.runtime.Runtime.open`: every command that opens the database,
  ``serve`` and ``demo`` among them;
- :meth:`covergate.witness.service.Witness.open`: the witness's commands and server;
- ``log verify``, ``log monitor``, ``report --from`` and ``policy simulate``, which
  read a log or a set of documents without a database.

Any other command is short and ends with the collector off; objects in reference
cycles then wait for the process's exit, like every object does. When :func:`main`
returns it freezes what is left, so the exit's collection has nothing to walk
(memory goes back to the system with the process; files and connections are
closed by the code that opened them, not by the collector).

Nothing else changes: reference counting frees every object that is not in a
cycle at once, collector on or off, and code that imports covergate (the tests,
``serve --workers``' processes, an embedding program) never runs :func:`main`, so
there :func:`resume_collector` does nothing.
"""

from __future__ import annotations

import gc

__all__ = ["collector_deferred", "main", "resume_collector"]

_deferred = False


def collector_deferred() -> bool:
    """Whether the collector is off because the console script is starting."""
    return _deferred


def defer_collector() -> None:
    """Turn the collector off until :func:`resume_collector` (the console script)."""
    global _deferred
    if gc.isenabled():
        gc.disable()
        _deferred = True


def resume_collector() -> None:
    """Freeze what start-up made and turn the collector back on, if
    :func:`defer_collector` turned it off; otherwise do nothing."""
    global _deferred
    if _deferred:
        _deferred = False
        gc.freeze()
        gc.enable()


def main() -> None:
    """Console entry point: :func:`covergate.cli.main`, the collector off until
    the work starts, and nothing left for it to walk at exit."""
    defer_collector()
    try:
        from covergate.cli import main as run

        run()
    finally:
        gc.freeze()
