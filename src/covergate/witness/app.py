"""The witness's HTTP interface (Starlette): one write route and read-only GETs.

- ``POST /add-checkpoint``: C2SP tlog-witness. 200 with the cosignature line
  (``text/plain; charset=utf-8``), 409 with the latest size (``text/x.tlog.size``),
  other refusals a one-line text reason; a body over ``MAX_BODY`` is a 413.
- ``GET /key``: the witness's cosignature verifier key, one line.
- ``GET /logs``: JSON, one object per witnessed origin.
- ``GET /logs/<origin>/checkpoint``: the latest cosigned checkpoint of that origin
  (the log's signature and the witness's cosignature), for monitors.
- ``GET /evidence``: JSON, every inconsistent checkpoint kept.
- ``GET /evidence/<id>``: the request body kept as that evidence.

A wrong method is a 405 with ``Allow``; a database that does not answer is a 503.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from covergate.errors import NotFound
from covergate.tlog.witness_protocol import MAX_BODY
from covergate.witness.service import TEXT, Witness

__all__ = ["checkpoint_path", "create_app"]


_MAX_ID = (1 << 31) - 1  # evidence ids are 32-bit integers on every backend


def _text(status: int, line: str) -> Response:
    return Response(line.encode() + b"\n", status_code=status, media_type=TEXT)


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is longer than MAX_BODY (read no further)."""
    declared = request.headers.get("content-length")
    # Digits only, and the length checked before int(): a 5,000-digit header
    # must be a 413, not Python's own 4,300-digit ValueError.
    if (
        declared is not None
        and declared.isascii()
        and declared.isdigit()
        and (len(declared) > 20 or int(declared) > MAX_BODY)
    ):
        return None
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def checkpoint_path(origin: str) -> str:
    """The URL path of an origin's latest cosigned checkpoint."""
    return "/logs/" + quote(origin, safe="/:@!$&'()*,;=-._~") + "/checkpoint"


def create_app(witness: Witness) -> Starlette:
    """The HTTP app of ``witness`` (handlers run the database work in threads)."""

    async def add_checkpoint(request: Request) -> Response:
        body = await _read_body(request)
        if body is None:
            return _text(413, f"request body larger than {MAX_BODY} bytes")
        answer = await run_in_threadpool(witness.add_checkpoint, body)
        # The Content-Type exactly as given: Starlette would add a charset to text/x.tlog.size.
        return Response(
            answer.body, status_code=answer.status, headers={"content-type": answer.content_type}
        )

    async def key(_request: Request) -> Response:
        return _text(200, witness.key.verifier_key())

    async def logs(_request: Request) -> Response:
        records = await run_in_threadpool(witness.logs)
        return JSONResponse(
            [
                {
                    "origin": r.origin,
                    "verifier_key": r.verifier_key,
                    "size": r.stored.size,
                    "root": base64.b64encode(r.stored.root).decode(),
                    "cosigned_at": r.cosigned_at,
                    "checkpoint": checkpoint_path(r.origin) if r.checkpoint else None,
                }
                for r in records
            ]
        )

    async def checkpoint(request: Request) -> Response:
        origin = str(request.path_params["origin"])
        note = await run_in_threadpool(witness.checkpoint, origin)
        return Response(note, media_type=TEXT, headers={"Cache-Control": "no-cache"})

    async def evidence(_request: Request) -> Response:
        records = await run_in_threadpool(witness.evidence)
        return JSONResponse([{**e.to_json(), "body": f"/evidence/{e.id}"} for e in records])

    async def evidence_body(request: Request) -> Response:
        evidence_id = int(request.path_params["id"])
        if evidence_id > _MAX_ID:
            raise NotFound(f"no evidence {evidence_id}")
        body = await run_in_threadpool(witness.evidence_body, evidence_id)
        return Response(body, media_type=TEXT)

    async def not_found(_request: Request, exc: Exception) -> Response:
        return _text(404, exc.message if isinstance(exc, NotFound) else "not found")

    async def unavailable(_request: Request, _exc: Exception) -> Response:
        return _text(503, "the witness database is unavailable; retry later")

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/key", key, methods=["GET"]),
            Route("/logs", logs, methods=["GET"]),
            Route("/logs/{origin:path}/checkpoint", checkpoint, methods=["GET"]),
            Route("/evidence", evidence, methods=["GET"]),
            Route("/evidence/{id:int}", evidence_body, methods=["GET"]),
        ],
        exception_handlers={NotFound: not_found, SQLAlchemyError: unavailable, 404: not_found},
    )
