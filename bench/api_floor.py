"""The storage floor of ``bench_api``: a bare endpoint, bench-only (not in ``src/``).

``POST /floor`` reads the body, parses it as JSON (as any API must), and in one
durable transaction inserts ``--rows`` rows of that body's size into a table of its
own; nothing else: no authentication, no validation, no policy, no log. It is
served the way ``covergate serve`` is (uvicorn, the same engine settings:
``covergate.db.make_engine``, so SQLite with WAL and ``synchronous=FULL``, and
PostgreSQL through psycopg 3), so the difference between the two is covergate's
own cost per submission.

``--stack ANSWER.json`` serves the *stack floor* instead: the same durable insert
behind what any implementation of this API on covergate's stack must do. It is a FastAPI
app whose ``POST /floor`` is a plain ``def`` route (run in FastAPI's thread pool, as
covergate's is) taking the body as covergate's own ``RequestDocument`` (the same
pydantic validation, duplicate-key check included), a bearer-token dependency that
finds the token's digest in memory (what covergate's token gate does on a hit), the
policy engine's ``evaluate`` under the default policy, and, as its answer, a copy of
``ANSWER.json`` (a real submission's answer) through covergate's own response model
``RequestDetail``. No ORM, no sealing, no log. The difference between covergate and
this floor is what covergate's own service, storage and log code cost.

    python -m bench.api_floor --url sqlite:////tmp/x.db --port 8123 --rows 9
    python -m bench.api_floor --url sqlite:////tmp/x.db --port 8123 --rows 9 --stack a.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from covergate.api_deps import refuse_duplicate_json_keys
from covergate.db import make_engine
from covergate.document import RequestDocument
from covergate.policy import DEFAULT_POLICY, evaluate, load_policy
from covergate.requests.responses import RequestDetail

_TABLE = "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"
_TABLE_PG = "CREATE TABLE IF NOT EXISTS bench_floor (id BIGSERIAL PRIMARY KEY, body BYTEA NOT NULL)"


def _storage(url: str, rows: int) -> Callable[[bytes], int]:
    """The one durable write both floors make: ``rows`` rows of the body, one transaction."""
    engine = make_engine(url)  # the pool covergate's own engine gets
    with engine.begin() as conn:
        conn.exec_driver_sql(_TABLE_PG if engine.dialect.name == "postgresql" else _TABLE)
    insert = text("INSERT INTO bench_floor (body) VALUES (:body)")

    def store(body: bytes) -> int:
        with engine.begin() as conn:
            conn.execute(insert, [{"body": body}] * rows)
        return rows

    return store


def app(url: str, rows: int) -> Starlette:
    store = _storage(url, rows)

    async def floor(request: Request) -> JSONResponse:
        body = await request.body()
        json.loads(body)
        written = await run_in_threadpool(store, body)
        return JSONResponse({"rows": written}, status_code=201)

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/floor", floor, methods=["POST"]), Route("/healthz", healthz)])


def stack_app(url: str, rows: int, answer: dict[str, Any], token: str) -> FastAPI:
    """The stack floor (module docstring): FastAPI, validation, policy, one insert."""
    store = _storage(url, rows)
    policy = load_policy(DEFAULT_POLICY)
    known = {hashlib.sha256(token.encode()).digest()}

    async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or hashlib.sha256(given.encode()).digest() not in known:
            raise HTTPException(401, "no valid token")
        return given

    api = FastAPI(dependencies=[Depends(refuse_duplicate_json_keys)])

    @api.post(
        "/floor", status_code=201, response_model=RequestDetail, dependencies=[Depends(bearer)]
    )
    def floor(document: RequestDocument) -> Any:
        evaluation = evaluate(document, policy)
        store(document.model_dump_json().encode())
        return dict(answer, admissible=evaluation.admissible, policy=evaluation.to_json())

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--stack", type=Path, help="serve the stack floor, answering this JSON")
    parser.add_argument("--token", default="", help="the stack floor's one bearer token")
    args = parser.parse_args()
    served = (
        stack_app(args.url, args.rows, json.loads(args.stack.read_text()), args.token)
        if args.stack
        else app(args.url, args.rows)
    )
    uvicorn.run(served, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
