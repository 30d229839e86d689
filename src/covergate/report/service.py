"""The published report, and the older all-columns statistics.

:func:`published_report` is what the public page, ``/report.json``, the CSV tables
and ``GET /api/v1/statistics`` show: the facts of the database as the publication
rule lets them be read (``report.from_db``), up to the size of the last signed
checkpoint, so that anyone can recount exactly those figures from the log
(``covergate report --from``). It is kept per (database, log size, period): the
facts up to a log size never change.

:func:`statistics` (below) is the staff's older summary, from public columns only
(no decryption), not limited by the publication rule.

Counts per agency, ground, legal process and outcome, plus refused observations by
reason. Each request is counted once (extensions are counted as requests too,
flagged by ``extensions``); each figure can be checked against the public
transparency log, whose entries carry the same public fields.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.covers.models import Observation, RefusedObservation
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import APPROVED_STATES, RequestState
from covergate.report.figures import compute
from covergate.report.from_db import facts_from_db
from covergate.report.schemas import Period, Report
from covergate.transparency.state import read_state

_CACHE_SIZE = 32
_cache: OrderedDict[tuple[str, int, str], Report] = OrderedDict()
_cache_lock = threading.Lock()


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
    report = compute(facts_from_db(session, log_size=size), period)
    with _cache_lock:
        _cache[key] = report
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return report


def _outcome(state: RequestState) -> str:
    if state in APPROVED_STATES:
        return "approved"
    if state is RequestState.DENIED:
        return "denied"
    return "pending"


def statistics(*, session: Session, year: int | None = None) -> dict[str, Any]:
    dimensions = (
        Agency.name,
        Request.ground,
        Request.legal_process,
        Request.kind,
        Request.state,
        Request.parent_id.is_not(None),
    )
    query = (
        select(*dimensions, func.count())
        .join(Agency, Agency.id == Request.agency_id)
        .group_by(*dimensions)
    )
    if year is not None:
        query = query.where(
            Request.received_on >= date(year, 1, 1), Request.received_on <= date(year, 12, 31)
        )
    blank = {"requests": 0, "approved": 0, "denied": 0, "pending": 0}
    dims: dict[str, dict[str, dict[str, int]]] = {
        "by_agency": defaultdict(lambda: dict(blank)),
        "by_ground": defaultdict(lambda: dict(blank)),
        "by_process": defaultdict(lambda: dict(blank)),
        "by_kind": defaultdict(lambda: dict(blank)),
    }
    outcomes = dict(blank)
    extensions = 0
    total = 0
    for agency, ground, process, kind, state, is_extension, count in session.execute(query):
        outcome = _outcome(state)
        total += count
        outcomes["requests"] += count
        outcomes[outcome] += count
        if is_extension:
            extensions += count
        keys = {
            "by_agency": agency,
            "by_ground": ground.value,
            "by_process": process.value if process else "none",
            "by_kind": kind.value,
        }
        for dim, key in keys.items():
            dims[dim][key]["requests"] += count
            dims[dim][key][outcome] += count
    refused = dict(
        session.execute(
            select(RefusedObservation.reason, func.count()).group_by(RefusedObservation.reason)
        ).all()
    )
    # Observations deleted with destroyed data are still counted (Request.observations_destroyed).
    observations = (session.scalar(select(func.count()).select_from(Observation)) or 0) + (
        session.scalar(select(func.coalesce(func.sum(Request.observations_destroyed), 0))) or 0
    )
    decided = outcomes["approved"] + outcomes["denied"]
    return {
        "year": year,
        "total": total,
        "extensions": extensions,
        "outcomes": outcomes,
        "approval_rate": round(outcomes["approved"] / decided, 4) if decided else None,
        **{
            dim: dict(sorted(rows.items(), key=lambda kv: -kv[1]["requests"]))
            for dim, rows in dims.items()
        },
        "observations_recorded": observations,
        "observations_refused": {reason.value: n for reason, n in refused.items()},
    }
