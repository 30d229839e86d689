"""Production: after close, the records are packaged for the agency.

The package holds ``observations.json`` and ``observations.csv`` (or ``records.*``
for a records request) and ``manifest.json`` listing each file's SHA-256 digest.
The agency acknowledges receipt by quoting the manifest's own SHA-256.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.context import ServiceContext
from covergate.covers import service as covers
from covergate.errors import Conflict, InvalidInput, NotFound
from covergate.lifecycle.access import record_access, require_role
from covergate.lifecycle.advance import advance
from covergate.lifecycle.events import EventType
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import AccessKind, Request
from covergate.lifecycle.states import Action, RequestState, next_state
from covergate.productions.models import Production
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import RequestKind

FILES_LABEL = b"production.files"


@dataclass(frozen=True)
class Package:
    manifest: dict[str, Any]
    manifest_sha256: str
    files: dict[str, bytes]  # file name -> bytes, manifest.json included


def _csv(rows: list[dict[str, Any]]) -> bytes:
    flat: list[dict[str, str]] = []
    for row in rows:
        item: dict[str, str] = {
            "id": str(row["id"]),
            "category": str(row["category"]),
            "date": str(row["date"]),
        }
        _flatten("", row["data"], item)
        flat.append(item)
    columns: list[str] = []
    for item in flat:
        for key in item:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or ["id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue().encode()


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}{key}.", inner, out)
    elif value is not None:
        out[prefix.rstrip(".")] = str(value)


def build_package(request: Request, items: list[dict[str, Any]], produced_at: str) -> Package:
    stem = "observations" if request.kind is RequestKind.MAIL_COVER else "records"
    files = {
        f"{stem}.json": json.dumps(items, indent=2, sort_keys=True).encode() + b"\n",
        f"{stem}.csv": _csv(items),
    }
    manifest = {
        "request": request.public_id,
        "kind": request.kind.value,
        "agency": request.agency.name,
        "produced_at": produced_at,
        "items": len(items),
        "authorised": {
            "from": request.active_from.isoformat() if request.active_from else None,
            "until": request.active_until.isoformat() if request.active_until else None,
            "categories": request.authorised_categories,
        },
        "files": [
            {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
    files["manifest.json"] = manifest_bytes
    return Package(manifest, hashlib.sha256(manifest_bytes).hexdigest(), files)


def produce(*, session: Session, ctx: ServiceContext, actor: User, request: Request) -> Package:
    """Package a closed request's records for the agency and log the production."""
    require_role(actor, Role.REVIEWER, doing="produce a package")
    next_state(request.state, Action.PRODUCE)  # before reading (and logging a read of) data
    items = covers.read_observations(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        reason="producing the package for the requesting agency",
    )
    package = build_package(request, items, ctx.clock.now().isoformat(timespec="seconds"))
    encoded = {name: base64.b64encode(data).decode() for name, data in package.files.items()}
    session.add(
        Production(
            request_id=request.id,
            manifest=package.manifest,
            manifest_sha256=package.manifest_sha256,
            files_ct=request_cipher(ctx, request).encrypt_json(encoded, label=FILES_LABEL),
            produced_by=actor.id,
            produced_at=ctx.clock.now(),
        )
    )
    event = (
        EventType.PRODUCED
        if request.kind is RequestKind.MAIL_COVER
        else EventType.RECORDS_DISCLOSED
    )
    advance(
        session=session,
        ctx=ctx,
        request=request,
        action=Action.PRODUCE,
        event=event,
        actor=actor,
        detail={"manifest_sha256": package.manifest_sha256},
    )
    return package


def get_production(*, session: Session, request: Request) -> Production:
    row = session.scalar(select(Production).where(Production.request_id == request.id))
    if row is None:
        raise NotFound(f"request {request.public_id} has no production yet")
    return row


def read_package(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, reason: str
) -> Package:
    """The package's files, for the agency (or the IG); the read is access-logged."""
    require_role(
        actor, Role.REQUESTER, Role.REVIEWER, Role.AUDITOR, doing="read production packages"
    )
    row = get_production(session=session, request=request)
    record_access(
        session=session,
        ctx=ctx,
        actor=actor,
        request=request,
        what=AccessKind.PRODUCTION,
        reason=reason,
    )
    encoded = request_cipher(ctx, request).decrypt_json(row.files_ct, label=FILES_LABEL)
    if not isinstance(encoded, dict):
        raise InvalidInput(f"stored package of {request.public_id} is malformed")
    files = {str(k): base64.b64decode(str(v)) for k, v in encoded.items()}
    return Package(row.manifest, row.manifest_sha256, files)


def acknowledge(
    *, session: Session, ctx: ServiceContext, actor: User, request: Request, manifest_sha256: str
) -> Production:
    """The agency confirms it received exactly the package whose manifest digest it quotes."""
    require_role(actor, Role.REQUESTER, doing="acknowledge a package (the requesting agency)")
    if request.state is RequestState.ACKNOWLEDGED:
        raise Conflict(f"request {request.public_id} is already acknowledged")
    next_state(request.state, Action.ACKNOWLEDGE)
    row = get_production(session=session, request=request)
    if manifest_sha256 != row.manifest_sha256:
        raise InvalidInput(
            "manifest_sha256 does not match the produced package's manifest",
            field="manifest_sha256",
        )
    row.acknowledged_by = actor.id
    row.acknowledged_at = ctx.clock.now()
    advance(
        session=session,
        ctx=ctx,
        request=request,
        action=Action.ACKNOWLEDGE,
        event=EventType.ACKNOWLEDGED,
        actor=actor,
    )
    return row
