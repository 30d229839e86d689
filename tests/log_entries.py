"""Reading log entries in tests as the public will once they are disclosed.

An open request's entries are sealed (``covergate.lifecycle.sealing``); tests that
check what an entry says open it with the request's details key, as anyone can
after the ``disclosed`` entry publishes it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.lifecycle.models import Request
from covergate.lifecycle.sealing import is_sealed, open_fields


def entry_fields(session: Session, data: bytes) -> dict[str, Any]:
    """The entry's fields; a sealed entry's as it opens with its request's key."""
    fields: dict[str, Any] = json.loads(data)
    if not is_sealed(fields):
        return fields
    key = session.scalar(select(Request.details_key).where(Request.public_id == fields["request"]))
    if key is None:
        raise LookupError(f"no details key for request {fields['request']}")
    opened: dict[str, Any] = open_fields(fields, key)
    opened["commitment"] = fields["commitment"]
    return opened


def entry_bytes(session: Session, data: bytes) -> bytes:
    """The entry as it reads opened: sorted compact JSON, as the log writes entries."""
    return json.dumps(entry_fields(session, data), sort_keys=True, separators=(",", ":")).encode()
