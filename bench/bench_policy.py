"""Policy engine throughput: evaluations per second, and simulate over many stored requests.

Baselines measured in the same run on the same documents: pydantic validation of the
document (what intake does before evaluating) and ``json.loads`` of its JSON text.

    .venv/bin/python -m bench policy            # simulate over 1,000,000 stored requests
    .venv/bin/python -m bench policy --quick    # 10,000
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.factories import mail_cover_data

from covergate.document import RequestDocument, request_document_from_data
from covergate.policy import (
    DecisionOutcome,
    StoredRequest,
    evaluate,
    load_policy,
    redact,
    simulate,
)

AGENCIES = ["FBI", "DEA", "IRS-CI", "DHS", "ICE", "USPIS", "ATF", "State police"]
STATUTES = [
    ("18 U.S.C. 1341", 240), ("18 U.S.C. 1708", 60), ("26 U.S.C. 7201", 60),
    ("8 U.S.C. 1325(a)", 6), ("8 U.S.C. 1326(a)", 24), ("21 U.S.C. 841(b)(1)(C)", 240),
    ("18 U.S.C. 1956", 240), ("18 U.S.C. 1343", 240), ("18 U.S.C. 9999", 36), (None, None),
]  # fmt: skip


def varied_data(rng: random.Random) -> dict[str, Any]:
    """A valid request document with drawn kind, ground, dates, process, emergency."""
    start = date(2025, 1, 6) + timedelta(days=rng.randrange(700))
    data = mail_cover_data(start)
    kind = rng.choice(["mail_cover", "mail_cover", "records"])
    data["kind"] = kind
    if kind == "records":
        pool = ["subscriber", "session_ip", "payment", "tracking", "change_of_address"]
    else:
        pool = ["mail_exterior", "mail_exterior", "unsealed_contents", "sealed_contents"]
    data["scope"]["data_categories"] = sorted(set(rng.sample(pool, rng.randint(1, 2))))
    data["agency"]["functions"] = rng.choice(
        [["criminal_investigation"], ["postal_inspection"], ["civil_enforcement"],
         ["criminal_investigation", "national_security"]]
    )  # fmt: skip
    purpose = data["purpose"]
    purpose["ground"] = rng.choice(
        ["crime", "crime", "crime", "fugitive", "national_security", "postal_statute",
         "forfeiture", "civil_enforcement"]
    )  # fmt: skip
    purpose["statute"], purpose["max_imprisonment_months"] = rng.choice(STATUTES)
    if purpose["ground"] == "fugitive":
        purpose["fugitive_warrant"] = {
            "type": rng.choice(["criminal_arrest", "bench", "administrative_immigration"]),
            "issued_by": "A court",
            "date": (start - timedelta(days=30)).isoformat(),
        }
    if purpose["ground"] == "national_security":
        purpose["national_security"] = {
            "threat": rng.choice(["attack", "international_terrorism", "other"]),
            "foreign_power": rng.choice([None, "A foreign power"]),
            "approved_by_agency_head": rng.random() < 0.8,
        }
    purpose["indictment_or_information_filed"] = rng.random() < 0.05
    data["received"]["via"] = "oral" if rng.random() < 0.1 else "written"
    scope = data["scope"]
    scope["days"] = rng.choice([30, 30, 30, 15, 60, 90])
    scope["prior_days"] = rng.choice([0, 0, 0, 30, 60, 90, 100])
    if scope["prior_days"]:
        scope["extension_benefit"] = "Benefit so far and expected."
    if scope["days"] > 30 and rng.random() < 0.5:
        scope["longer_period_justification"] = "Mail arrives monthly."
    scope["include_attorney_mail"] = rng.random() < 0.02
    if rng.random() < 0.6:  # most historical requests had no court order
        data["legal_process"] = None
    elif kind == "records" and rng.random() < 0.5:
        data["legal_process"]["type"] = "subpoena"
        data["legal_process"]["standard"] = "relevance"
    if rng.random() < 0.05:
        data["emergency"] = {"kind": "physical_harm", "description": "Threat to a witness."}
    return data


def rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def stored_rows(pool: list[RequestDocument], n: int, rng: random.Random) -> Iterator[StoredRequest]:
    outcomes = [DecisionOutcome.APPROVED] * 97 + [DecisionOutcome.DENIED] * 3
    for i in range(n):
        document = pool[i % len(pool)]
        yield StoredRequest(
            public_id=f"R{i:08d}",
            agency=AGENCIES[i % len(AGENCIES)],
            kind=document.kind,
            ground=document.purpose.ground,
            outcome=outcomes[rng.randrange(100)],
            document=document,
        )


def run(quick: bool) -> list[dict[str, object]]:
    rng = random.Random(2026)
    n_docs = 2_000 if quick else 20_000
    n_stored = 10_000 if quick else 1_000_000
    data = [varied_data(rng) for _ in range(n_docs)]
    texts = [json.dumps(d) for d in data]
    documents = [request_document_from_data(d) for d in data]
    repeats = 3 if quick else 10
    results: list[dict[str, object]] = []

    t_json = timed(lambda: [json.loads(t) for _ in range(repeats) for t in texts])
    t_pydantic = timed(
        lambda: [request_document_from_data(d) for _ in range(repeats) for d in data]
    )
    baseline = {
        "json.loads per s": rate(n_docs * repeats, t_json),
        "pydantic validation per s": rate(n_docs * repeats, t_pydantic),
    }
    for name in ("usps-2017", "safeguards-2026"):
        policy = load_policy(name)
        t_eval = timed(lambda p=policy: [evaluate(d, p) for _ in range(repeats) for d in documents])
        admitted = sum(evaluate(d, policy).admissible for d in documents)
        results.append(
            {
                "name": f"evaluate {name}",
                "value": rate(n_docs * repeats, t_eval),
                "unit": "evaluations/s (one core)",
                "documents": n_docs,
                "admissible_share": round(admitted / n_docs, 3),
                "baseline": baseline,
            }
        )

    pool = [redact(d) for d in documents]
    policy = load_policy("safeguards-2026")
    report_box: list[Any] = []
    t_sim = timed(lambda: report_box.append(simulate(stored_rows(pool, n_stored, rng), policy)))
    report = report_box[0]
    results.append(
        {
            "name": "simulate safeguards-2026, in memory",
            "value": rate(n_stored, t_sim),
            "unit": "stored requests/s",
            "requests": n_stored,
            "seconds": round(t_sim, 2),
            "distinct_documents": len(pool),
            "approved_would_refuse": report.approved_would_refuse,
            "approved": report.overall.approved,
        }
    )
    results.append(simulate_sqlite(pool, 10_000 if quick else 1_000_000, rng, policy))
    return results


def simulate_sqlite(
    pool: list[RequestDocument], n: int, rng: random.Random, policy: Any
) -> dict[str, object]:
    """Stored requests read back from a SQLite file through simulation_rows()."""
    try:
        from sqlalchemy import insert

        from covergate.agencies.models import Agency
        from covergate.db import make_engine, make_sessionmaker, migrate
        from covergate.lifecycle.models import Request
        from covergate.lifecycle.states import RequestState
        from covergate.requests.service import simulation_rows
        from covergate.users.models import User
        from covergate.users.schemas import Role
    except ImportError as exc:
        return {"name": "simulate over SQLite", "value": None, "unit": "stored requests/s",
                "skipped": f"request storage not importable: {exc}"}  # fmt: skip
    states = [RequestState.APPROVED] * 97 + [RequestState.DENIED] * 3
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'sim.db'}")
        migrate(engine)
        public = [d.model_dump(mode="json") for d in pool]
        t_load = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Agency).values(id=1, name="Agency", jurisdiction="federal",
                                               functions=["criminal_investigation"],
                                               created_at=now))  # fmt: skip
            conn.execute(insert(User).values(id=1, email="a@b.example", name="Agent",
                                             role=Role.REQUESTER, created_at=now))  # fmt: skip
            batch: list[dict[str, Any]] = []
            for i in range(n):
                doc = pool[i % len(pool)]
                batch.append(
                    {
                        "public_id": f"R{i:08d}", "kind": doc.kind, "state": rng.choice(states),
                        "agency_id": 1, "submitter_id": 1, "ground": doc.purpose.ground,
                        "legal_process": None, "received_on": doc.received.date,
                        "start": doc.scope.start, "days_requested": doc.scope.days,
                        "public_document": public[i % len(public)], "private_ct": b"",
                        "policy_name": "usps-2017", "policy_version": "sha256:x",
                        "evaluation": {}, "admissible": True, "refused_observations": 0,
                        "created_at": now, "updated_at": now, "version": 1,
                    }
                )  # fmt: skip
                if len(batch) == 20_000:
                    conn.execute(insert(Request), batch)
                    batch = []
            if batch:
                conn.execute(insert(Request), batch)
        t_load = time.perf_counter() - t_load
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            t_sim = time.perf_counter()
            report = simulate(simulation_rows(session=session, since=None), policy)
            t_sim = time.perf_counter() - t_sim
        engine.dispose()
    return {
        "name": "simulate safeguards-2026, SQLite file via simulation_rows",
        "value": rate(n, t_sim),
        "unit": "stored requests/s",
        "requests": report.total,
        "seconds": round(t_sim, 2),
        "load_seconds": round(t_load, 2),
    }
