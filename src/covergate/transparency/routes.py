"""The public log over HTTP, exactly as C2SP tlog-tiles lays it out.

- ``GET /log/checkpoint``: the latest signed checkpoint (text/plain; charset=utf-8),
  ``Cache-Control: no-cache`` so clients always revalidate. With a witness policy
  (``COVERGATE_WITNESS_POLICY``), the newest checkpoint that reached the witness
  quorum, cosignatures appended; before any did, a 503 problem+json (or, with
  ``COVERGATE_WITNESS_FAIL_OPEN``, the latest signed one).
- ``GET /log/tile/<L>/<N>[.p/<W>]``: hash tiles; ``GET /log/tile/entries/<N>[.p/<W>]``:
  entry bundles (application/octet-stream). A tile's bytes never change, so full
  tiles are cached for a year as immutable; partial tiles for a minute.
- Anything else under ``/log/tile/`` (malformed or not yet in a signed tree) is a
  404 NotFound, which the application's error handler turns into problem+json.

The handlers need ``request.app.state.runtime`` (a :class:`covergate.runtime.Runtime`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from covergate.api_deps import problem_response
from covergate.runtime import Runtime
from covergate.transparency.cosigned import Quorum
from covergate.transparency.sources import read_path

__all__ = ["LogContext", "log_context", "router"]

CHECKPOINT_CACHE = "no-cache"
FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"

router = APIRouter(prefix="/log", tags=["transparency log"])


@dataclass(frozen=True)
class LogContext:
    """A read-only database session, the log's origin and its witness quorum."""

    session: Session
    origin: str
    quorum: Quorum | None = None


def log_context(request: Request) -> Iterator[LogContext]:
    """One short transaction per request, from the app's runtime."""
    runtime: Runtime = request.app.state.runtime
    with runtime.transaction() as session:
        yield LogContext(session=session, origin=runtime.settings.log_origin, quorum=runtime.quorum)


Log = Annotated[LogContext, Depends(log_context)]


@router.get(
    "/checkpoint",
    response_class=Response,
    summary="Latest signed checkpoint",
    responses={
        200: {
            "description": "The signed note (C2SP tlog-checkpoint), cosignatures appended.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        503: problem_response("A witness policy is set and no checkpoint reached its quorum."),
    },
)
def get_checkpoint(log: Log) -> Response:
    note = read_path(session=log.session, path="checkpoint", quorum=log.quorum)
    return Response(
        note,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": CHECKPOINT_CACHE},
    )


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    summary="Hash tile or entry bundle",
    responses={
        200: {
            "description": "The tile's bytes (C2SP tlog-tiles).",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        },
        404: problem_response("A malformed tile path, or a tile not yet in a signed tree."),
    },
)
def get_tile(path: str, log: Log) -> Response:
    data = read_path(session=log.session, path="tile/" + path)
    cache = PARTIAL_TILE_CACHE if ".p/" in path else FULL_TILE_CACHE
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": cache})
