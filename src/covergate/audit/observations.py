"""Observations kept outside what the order allowed (class 3 of the audit).

Each stored observation is checked again as :func:`covers.service.observe` checked it
when it was accepted: dated within the window and not before the order, in an
authorised category, and (mail) addressed to the covered address. The address
comparison decrypts the covered address and the observation: the software's own
check with the same matcher (:func:`covers.service.same_address`), not a person's
read, so no access record, and no address ever appears in a finding. Requests whose
data was destroyed are skipped: there is nothing left to compare.
"""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.audit.casefiles import CaseFiles
from covergate.audit.findings import FindingClass, Findings
from covergate.context import ServiceContext
from covergate.covers.models import Observation
from covergate.covers.schemas import MailObservation
from covergate.covers.service import DATA_LABEL, same_address
from covergate.crypto import DecryptionFailed, FieldCipher
from covergate.document import Address, DataCategory, RequestKind
from covergate.errors import CovergateError
from covergate.lifecycle.documents import decrypt_document
from covergate.lifecycle.keys import request_cipher
from covergate.lifecycle.models import Request

__all__ = ["check"]

_BATCH = 2000


def check(session: Session, ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    """Every observation, request by request, streamed in batches."""
    rows = session.execute(
        select(
            Observation.id,
            Observation.request_id,
            Observation.category,
            Observation.item_date,
            Observation.data_ct,
        )
        .order_by(Observation.request_id, Observation.id)
        .execution_options(yield_per=_BATCH)
    )
    covered: _Covered | None = None
    for obs_id, request_id, category, item_date, data_ct in rows:
        request = files.requests.get(request_id)
        if request is None:
            continue
        _window(request, obs_id, category, item_date, found)
        if (
            category is not DataCategory.MAIL_EXTERIOR
            or request.kind is not RequestKind.MAIL_COVER
            or request.destroyed_on is not None
        ):
            continue
        if covered is None or covered.request_id != request_id:
            covered = _Covered.of(ctx, request)
        _address(covered, request, obs_id, item_date, bytes(data_ct), found)


def _window(
    request: Request, obs_id: int, category: DataCategory, day: date, found: Findings
) -> None:
    cls, pid = FindingClass.OBSERVATION_OUTSIDE_WINDOW, request.public_id
    start, end, ordered = request.active_from, request.active_until, request.ordered_on
    if ordered is not None and day < ordered:
        found.add(
            cls,
            pid,
            f"observation {obs_id} is dated before the cover was ordered",
            item_date=day,
            ordered_on=ordered,
        )
    elif start is None or end is None or not start <= day <= end:
        found.add(
            cls,
            pid,
            f"observation {obs_id} is dated outside the authorised window",
            item_date=day,
            active_from=start,
            active_until=end,
        )
    if category.value not in (request.authorised_categories or []):
        found.add(
            cls,
            pid,
            f"observation {obs_id} is of category {category.value}, which was not authorised",
            item_date=day,
        )


class _Covered:
    """One request's cipher and covered address, or why they could not be read."""

    def __init__(
        self, request_id: int, cipher: FieldCipher | None, address: Address | None
    ) -> None:
        self.request_id = request_id
        self.cipher = cipher
        self.address = address

    @classmethod
    def of(cls, ctx: ServiceContext, request: Request) -> _Covered:
        try:
            cipher = request_cipher(ctx, request)
            address = decrypt_document(ctx, request).subject.address
        except CovergateError:
            return cls(request.id, None, None)
        return cls(request.id, cipher, address)


def _address(
    covered: _Covered,
    request: Request,
    obs_id: int,
    day: date,
    data_ct: bytes,
    found: Findings,
) -> None:
    cls, pid = FindingClass.OBSERVATION_WRONG_ADDRESS, request.public_id
    if covered.cipher is None or covered.address is None:
        found.add(
            cls,
            pid,
            f"observation {obs_id} cannot be checked: the covered address does not decrypt",
            item_date=day,
        )
        return
    try:
        item = MailObservation.model_validate(
            covered.cipher.decrypt_json(data_ct, label=DATA_LABEL)
        )
    except (DecryptionFailed, ValidationError, ValueError):
        found.add(
            cls,
            pid,
            f"observation {obs_id} cannot be checked: it does not decrypt to a mail observation",
            item_date=day,
        )
        return
    if not same_address(item.addressee.address, covered.address):
        found.add(
            cls,
            pid,
            f"observation {obs_id} is of mail not addressed to the covered address",
            item_date=day,
        )
