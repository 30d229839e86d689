"""The published report: what the page, the downloads and the API show.

:func:`published_report` is what the public page, ``/report.json``, the CSV tables
and ``GET /api/v1/statistics`` show: the facts of the database as the publication
rule lets them be read (``report.from_db``), up to the size of the checkpoint the
log serves (the last signed one; with witnesses, the newest they cosigned), so
that anyone can recount exactly those figures from the log (``covergate report
--from``). The facts are read once per checkpoint (its root names the entries)
and each period's report is kept per (root, size, period): the facts up to a
log size never change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from covergate.report.figures import compute
from covergate.report.from_db import facts_from_db
from covergate.report.schemas import LogFacts, Period, Report
from covergate.transparency.cosigned import Quorum
from covergate.transparency.service import published_checkpoint

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


def _published_tree(session: Session, quorum: Quorum | None) -> tuple[str, int]:
    # The (root hex, size) of the checkpoint the public log serves: the latest
    # signed one, or with a witness policy the newest the witnesses cosigned.
    # Before any is served (fail-closed, no quorum yet) nothing is published.
    served = published_checkpoint(session=session, quorum=quorum)
    return ("", 0) if served is None else (bytes(served.root).hex(), served.size)


def published_size(session: Session, quorum: Quorum | None = None) -> int:
    """The size of the checkpoint the public log serves."""
    return _published_tree(session, quorum)[1]


def published_report(session: Session, period: Period, quorum: Quorum | None = None) -> Report:
    """The report for ``period`` from the first :func:`published_size` entries.

    Kept by the checkpoint's root hash: a root names the log's entries, and the
    figures are those the entries let anyone recount. ``quorum`` is the log's
    witness policy, if it has one: then the served (cosigned) checkpoint counts.
    """
    root, size = _published_tree(session, quorum)
    key = (root, size, period.label)
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
