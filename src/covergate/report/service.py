"""The published report: what the page, the downloads and the API show.

:func:`published_report` is what the public page, ``/report.json``, the CSV tables
and ``GET /api/v1/statistics`` show: the facts of the database as the publication
rule lets them be read (``report.from_db``), up to the size of the last signed
checkpoint, so that anyone can recount exactly those figures from the log
(``covergate report --from``). The facts are read once per signed checkpoint
(its root names the entries) and each period's report is kept per (root, size,
period): the facts up to a log size never change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from covergate.report.figures import compute
from covergate.report.from_db import facts_from_db
from covergate.report.schemas import LogFacts, Period, Report
from covergate.transparency.state import read_state

_CACHE_SIZE = 32
_cache: OrderedDict[tuple[str, int, str], Report] = OrderedDict()
_cache_lock = threading.Lock()


_facts_cache: dict[tuple[str, int], LogFacts] = {}


def _facts(session: Session, root: str, size: int) -> LogFacts:
    """The facts of the log at (root, size): read once, whichever period is asked."""
    with _cache_lock:
        found = _facts_cache.get((root, size))
    if found is None:
        found = facts_from_db(session, log_size=size)
        with _cache_lock:
            _facts_cache.clear()  # only the latest checkpoint's facts are kept
            _facts_cache[(root, size)] = found
    return found


def published_size(session: Session) -> int:
    """The size of the last signed checkpoint: what the public log serves."""
    state = read_state(session)
    return 0 if state is None else state.size


def published_report(session: Session, period: Period) -> Report:
    """The report for ``period`` from the first :func:`published_size` entries.

    Kept by the checkpoint's root hash: a root names the log's entries, and the
    figures are those the entries let anyone recount.
    """
    state = read_state(session)
    size = 0 if state is None else state.size
    key = ("" if state is None else bytes(state.root).hex(), size, period.label)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    report = compute(_facts(session, key[0], size), period)
    with _cache_lock:
        _cache[key] = report
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return report
