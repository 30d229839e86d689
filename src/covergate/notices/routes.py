"""HTTP routes of the notice to the subject: list, show, delay, mailed, letter, bundle."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from covergate.api_deps import (
    PROBLEM_RESPONSES,
    ContextDep,
    LimitQuery,
    OffsetQuery,
    RuntimeDep,
    TokenDep,
)
from covergate.lifecycle import access
from covergate.lifecycle.states import NoticeState
from covergate.notices import bundle, reading, service
from covergate.notices.facts import bundle_name
from covergate.notices.responses import DelayedNotice, NoticeList, NoticeView
from covergate.notices.schemas import DelayInput, MailedInput
from covergate.notices.verify import encode_bundle

router = APIRouter(prefix="/api/v1", tags=["notices"], responses=PROBLEM_RESPONSES)


@router.get(
    "/notices", summary="Notices you may read, soonest due first", response_model=NoticeList
)
def list_notices(
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    state: NoticeState | None = None,
    overdue: bool = False,
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        rows = reading.list_notices(
            session=session,
            ctx=ctx,
            actor=user,
            state=state,
            overdue_only=overdue,
            limit=limit,
            offset=offset,
        )
        return {
            "notices": [
                reading.notice_view(session=session, ctx=ctx, notice=n, request=r) for n, r in rows
            ],
            "limit": limit,
            "offset": offset,
        }


@router.get(
    "/requests/{request_id}/notice",
    summary="The notice a request owes its subject",
    response_model=NoticeView,
)
def show_notice(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        notice = reading.get_notice(session=session, ctx=ctx, actor=user, request=request)
        return reading.notice_view(session=session, ctx=ctx, notice=notice, request=request)


@router.post(
    "/requests/{request_id}/notice/delay",
    status_code=status.HTTP_201_CREATED,
    summary="A court's order delaying notice (court users of the request's court)",
    response_model=DelayedNotice,
)
def delay_notice(
    request_id: str, body: DelayInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        order = service.delay(
            session=session,
            ctx=ctx,
            actor=user,
            request=request,
            until=body.until,
            docket=body.docket,
            reasons=body.reasons,
        )
        notice = reading.get_notice(session=session, ctx=ctx, actor=user, request=request)
        view = reading.notice_view(session=session, ctx=ctx, notice=notice, request=request)
        return {**view, "entry_index": order.entry_index}


@router.post(
    "/requests/{request_id}/notice/mailed",
    summary="Record that the letter was mailed (reviewer)",
    response_model=NoticeView,
)
def mailed(
    request_id: str, body: MailedInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        notice = service.mark_mailed(
            session=session,
            ctx=ctx,
            actor=user,
            request=request,
            mailed_on=body.mailed_on,
            tracking=body.tracking,
        )
        return reading.notice_view(session=session, ctx=ctx, notice=notice, request=request)


@router.get(
    "/requests/{request_id}/notice/letter.pdf",
    summary="The letter to the subject, as PDF (reviewer; the read is access-logged)",
    response_class=Response,
    responses={
        200: {
            "description": "The letter, as a PDF attachment.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def letter(request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep) -> Response:
    key = runtime.log_signer.verifier_key()
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        pdf = bundle.print_letter(
            session=session, ctx=ctx, actor=user, request=request, log_key=key
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="notice-{request_id}.pdf"'},
    )


@router.get(
    "/requests/{request_id}/notice/bundle.json",
    summary="The subject's bundle: the request's log entries, proofs and openings",
    response_class=Response,
    responses={
        200: {
            "description": "The bundle (JSON, sorted keys), as an attachment: check it with "
            "`covergate notice verify`.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def notice_bundle(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> Response:
    runtime.integrate_log()  # every entry committed so far goes into a signed checkpoint
    key = runtime.log_signer.verifier_key()
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        data = encode_bundle(
            bundle.build_bundle(session=session, ctx=ctx, actor=user, request=request, log_key=key)
        )
        name = bundle_name(request)
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
