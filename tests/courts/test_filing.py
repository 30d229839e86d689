"""Filing the court order with the request, and uploading its document."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from covergate.courts import filing
from covergate.courts.models import CourtOrder
from covergate.document import request_document_from_data
from covergate.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from covergate.lifecycle.events import OrderIdentity, order_commitment
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import OrderState
from covergate.policy import load_policy
from covergate.requests import service as requests
from tests.courts.common import order_entries, order_row, unchanged
from tests.factories import extension_data, mail_cover_data, records_data
from tests.requests.test_views import statements
from tests.world import COURT, World


def test_an_order_is_filed_with_its_request_and_logged_without_identity(world: World) -> None:
    rid = world.submit(confirm=False)
    order = order_row(world, rid)
    assert order is not None
    assert order.state is OrderState.FILED
    assert order.filed_on == world.clock.today()
    assert (order.docket, order.judge, order.issued) == (
        "26-mj-0042",
        "Hon. A. Judge",
        date(2026, 1, 4),
    )
    assert order.court.name == COURT
    assert order.seal_salt_ct is not None
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.court_id == order.court_id
        salt = filing.seal_salt(world.ctx, request, order)
    assert len(salt) == 32
    [entry] = order_entries(world, rid)
    assert entry["event"] == "order_filed"
    identity = OrderIdentity(COURT, "26-mj-0042", "Hon. A. Judge", date(2026, 1, 4), None)
    assert entry["order_commitment"] == order_commitment(salt, identity)
    # nothing about the order is public until its court acts
    for key in ("court", "docket", "judge", "issued", "expires", "order_salt", "document_sha256"):
        assert entry[key] is None, key
    assert entry["sealed_until"] is None
    assert entry["outcome"] is None
    assert "26-mj-0042" not in repr(order_entries(world, rid))


def test_the_salt_is_random_per_order(world: World) -> None:
    first, second = world.submit(confirm=False), world.submit(confirm=False)
    assert (
        order_entries(world, first)[0]["order_commitment"]
        != (order_entries(world, second)[0]["order_commitment"])
    )


def test_an_extension_files_its_own_order(world: World) -> None:
    rid = world.active_cover()
    ext = world.extend(rid, extension_data()).request.public_id
    assert [e["event"] for e in order_entries(world, ext)] == ["order_filed", "order_confirmed"]


def test_no_order_is_filed_for_other_process(world: World) -> None:
    rid = world.submit(records_data())  # a subpoena
    assert order_row(world, rid) is None
    assert order_entries(world, rid) == []


def submit_fails(world: World, data: dict[str, object], match: str) -> InvalidInput:
    """Submitting ``data`` raises InvalidInput and writes no request, order or entry."""
    with unchanged(world, InvalidInput, match) as info, world.tx() as s:
        requests.submit(
            session=s, ctx=world.ctx, actor=world.user(s, "fbi"),
            document=request_document_from_data(data),
        )  # fmt: skip
    assert isinstance(info.value, InvalidInput)
    return info.value


def test_an_unregistered_court_is_refused_listing_the_registered(world: World) -> None:
    data = mail_cover_data(legal_process__court="Court of Nowhere")
    error = submit_fails(world, data, "not a registered court")
    assert error.field == "legal_process.court"
    assert "U.S. District Court, C.D. Ill.; U.S. District Court, N.D. Ill." in error.message
    assert "judge first" in error.message  # the citation


@pytest.mark.parametrize(
    ("change", "field", "match"),
    [
        ({"legal_process__court": None}, "legal_process.court", "names the court"),
        ({"legal_process__docket": None}, "legal_process.docket", "gives its docket"),
        ({"legal_process__judge": None}, "legal_process.judge", "gives its judge"),
        ({"legal_process__docket": "26 mj 0042 !"}, "legal_process.docket", "published"),
        ({"legal_process__judge": "Judge 42"}, "legal_process.judge", "published"),
        ({"legal_process__judge": "J" * 101}, "legal_process.judge", "at most 100"),
    ],
)
def test_an_order_must_be_fit_for_the_log(
    world: World, change: dict[str, object], field: str, match: str
) -> None:
    assert submit_fails(world, mail_cover_data(**change), match).field == field


def test_the_court_name_is_matched_whatever_its_case(world: World) -> None:
    rid = world.submit(mail_cover_data(legal_process__court=COURT.upper()), confirm=False)
    order = order_row(world, rid)
    assert order is not None
    assert order.court.name == COURT  # the registered spelling is what is published


def test_under_usps_2017_an_unregistered_court_files_nothing(world: World) -> None:
    world.ctx = world.ctx.with_policy(load_policy("usps-2017"))
    rid = world.submit(mail_cover_data(legal_process__court="Court of Nowhere"))
    assert order_row(world, rid) is None
    with world.tx() as s:
        assert world.request(s, rid).court_id is None
    registered = world.submit(confirm=False)
    order = order_row(world, registered)
    assert order is not None
    assert order.state is OrderState.FILED


# --- the order's document -------------------------------------------------------------


def upload(world: World, rid: str, data: bytes, who: str = "fbi") -> CourtOrder:
    with world.tx() as s:
        return filing.attach_document(
            session=s, ctx=world.ctx, actor=world.user(s, who), request=world.request(s, rid),
            data=data,
        )  # fmt: skip


def test_the_agency_uploads_the_order_document_while_it_is_filed(world: World) -> None:
    rid = world.submit(confirm=False)
    pdf = b"%PDF-1.7\n" + b"order " * 1000
    upload(world, rid, b"a first draft")
    order = upload(world, rid, pdf)  # replaces the first
    assert order.document_sha256 == hashlib.sha256(pdf).digest()
    assert order.document_ct is not None
    assert pdf not in order.document_ct  # sealed under the request's key
    assert order_entries(world, rid)[-1]["event"] == "order_filed"  # nothing new logged
    world.confirm(rid)
    assert order_entries(world, rid)[-1]["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    with unchanged(world, RuleViolation, "only while the court has not acted"):
        upload(world, rid, b"too late")


def test_an_empty_or_too_big_document_is_refused(world: World) -> None:
    rid = world.submit(confirm=False)
    with unchanged(world, InvalidInput, "is empty"):
        upload(world, rid, b"")
    with unchanged(world, InvalidInput, "larger than 10 MiB"):
        upload(world, rid, b"x" * (filing.MAX_DOCUMENT_BYTES + 1))
    upload(world, rid, b"x" * filing.MAX_DOCUMENT_BYTES)  # exactly the limit is fine


@pytest.mark.parametrize(
    ("who", "error", "match"),
    [
        ("fbi2", None, None),  # another officer of the same agency may
        ("dea", NotFound, "no request"),
        ("reviewer", Forbidden, "only a requester"),
        ("court", Forbidden, "only a requester"),
    ],
)
def test_only_the_requesting_agency_uploads(
    world: World, who: str, error: type | None, match: str | None
) -> None:
    rid = world.submit(confirm=False)
    if error is None:
        assert upload(world, rid, b"order", who=who).document_sha256 is not None
        return
    with unchanged(world, error, match), world.tx() as s:
        request = s.scalar(select(Request).where(Request.public_id == rid))
        filing.attach_document(
            session=s, ctx=world.ctx, actor=world.user(s, who), request=request, data=b"x"
        )


def test_a_request_without_an_order_has_no_document(world: World) -> None:
    rid = world.submit(records_data())
    with unchanged(world, NotFound, "no court order on file"):
        upload(world, rid, b"order")
    with world.tx() as s:
        assert s.scalar(select(func.count()).select_from(CourtOrder)) == 0


def test_an_order_found_once_in_a_transaction_is_not_asked_for_again(world: World) -> None:
    rid = world.submit(confirm=False)
    with world.tx() as s:
        request = world.request(s, rid)
        with statements(world) as seen:
            first = filing.order_of(session=s, request=request)
            again = filing.order_of(session=s, request=request)
        assert first is not None
        assert again is first
        assert sum("court_orders" in sql for sql in seen) == 1
        with s.begin_nested():  # found inside a savepoint: asked again each time
            nested = filing.order_of(session=s, request=request)
        assert nested is first
    with world.tx() as s:  # a new transaction asks the database again
        request = world.request(s, rid)
        with statements(world) as seen:
            assert filing.order_of(session=s, request=request) is not None
        assert sum("court_orders" in sql for sql in seen) == 1


def test_none_yet_is_asked_again_so_a_late_order_is_seen(world: World) -> None:
    rid = world.submit(records_data())  # records: no order filed at intake
    with world.tx() as s:
        request = world.request(s, rid)
        with statements(world) as seen:
            assert filing.order_of(session=s, request=request) is None
            assert filing.order_of(session=s, request=request) is None
        assert sum("court_orders" in sql for sql in seen) == 2
