"""The storage floor of ``bench_api``: a bare endpoint, bench-only (not in ``src/``).

``POST /floor`` reads the body, parses it as JSON (as any API must), and in one
durable transaction inserts ``--rows`` rows of that body's size into a table of its
own; nothing else: no authentication, no validation, no policy, no log. It is
served the way ``covergate serve`` is (uvicorn, the same engine settings:
``covergate.db.make_engine``, so SQLite with WAL and ``synchronous=FULL``, and
PostgreSQL through psycopg 3), so the difference between the two is covergate's
own cost per submission.

    python -m bench.api_floor --url sqlite:////tmp/x.db --port 8123 --rows 9
"""

from __future__ import annotations

import argparse
import json

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from covergate.db import make_engine

_TABLE = "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"
_TABLE_PG = "CREATE TABLE IF NOT EXISTS bench_floor (id BIGSERIAL PRIMARY KEY, body BYTEA NOT NULL)"


def app(url: str, rows: int) -> Starlette:
    engine = make_engine(url)  # the pool covergate's own engine gets
    with engine.begin() as conn:
        conn.exec_driver_sql(_TABLE_PG if engine.dialect.name == "postgresql" else _TABLE)
    insert = text("INSERT INTO bench_floor (body) VALUES (:body)")

    def store(body: bytes) -> int:
        with engine.begin() as conn:
            conn.execute(insert, [{"body": body}] * rows)
        return rows

    async def floor(request: Request) -> JSONResponse:
        body = await request.body()
        json.loads(body)
        written = await run_in_threadpool(store, body)
        return JSONResponse({"rows": written}, status_code=201)

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/floor", floor, methods=["POST"]), Route("/healthz", healthz)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rows", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app(args.url, args.rows), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
