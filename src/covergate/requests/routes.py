"""HTTP routes for requests: intake, reading, review, decision, extension, close."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status

from covergate.api_deps import (
    PROBLEM_RESPONSES,
    ContextDep,
    LimitQuery,
    OffsetQuery,
    RuntimeDep,
    TokenDep,
    replayed,
)
from covergate.document import RequestDocument, request_json_schema
from covergate.lifecycle import access, documents
from covergate.lifecycle.states import RequestState
from covergate.requests import decisions, notes, service, views
from covergate.requests.responses import RecordingView, RequestDetail, RequestList, RequestNotes
from covergate.requests.schemas import CloseInput, DecisionInput, ReviewInput
from covergate.users.schemas import Role

router = APIRouter(prefix="/api/v1", tags=["requests"], responses=PROBLEM_RESPONSES)

ReasonHeader = Annotated[
    str | None,
    Header(alias="X-Access-Reason", description="Why you read subject data (access-logged)."),
]


def _created(
    response: Response, result: service.Submission, body: dict[str, Any]
) -> dict[str, Any]:
    """201 with Location for a new request; 200 for an Idempotency-Key replay."""
    if not result.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/requests/{body['id']}"
    return body


@router.get(
    "/schema/request",
    summary="JSON Schema of the request document",
    response_model=dict[str, Any],
)
def request_schema() -> dict[str, Any]:
    return request_json_schema()


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a request",
    response_model=RequestDetail,
    responses=replayed(RequestDetail),
)
def submit_request(
    document: RequestDocument,
    response: Response,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        result = service.submit(
            session=session,
            ctx=ctx,
            actor=user,
            document=document,
            idempotency_key=idempotency_key,
        )
        body = views.detail(session=session, request=result.request)
    return _created(response, result, body)


@router.get(
    "/requests",
    summary="List the requests you may see (no search by subject)",
    response_model=RequestList,
)
def list_requests(
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    state: RequestState | None = None,
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        rows = access.list_visible(
            session=session, ctx=ctx, actor=user, state=state, limit=limit, offset=offset
        )
        return {"requests": [views.summary(r) for r in rows], "limit": limit, "offset": offset}


@router.get(
    "/requests/{request_id}",
    summary="One request, without subject data",
    response_model=RequestDetail,
)
def show_request(
    request_id: str, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        return views.detail(session=session, request=request)


@router.get(
    "/requests/{request_id}/document",
    summary="The full request document with subject data (every read is access-logged)",
    description=(
        "Staff and the requesting agency get the whole document. An observer gets only "
        "what recording needs: the covered address, the attorneys' addresses (never "
        "recorded), the window and the categories."
    ),
    # Documented, not re-validated: the document was validated when it was stored.
    response_model=None,
    responses={
        200: {
            "model": RequestDocument | RecordingView,
            "description": "The request document, or an observer's recording view.",
        }
    },
)
def show_document(
    request_id: str,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    reason: ReasonHeader = None,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        if user.role is Role.OBSERVER:
            return documents.recording_view(
                session=session, ctx=ctx, actor=user, request=request, reason=reason or ""
            ).to_json()
        document = documents.full_document(
            session=session, ctx=ctx, actor=user, request=request, reason=reason or ""
        )
        return document.model_dump(mode="json")


@router.get(
    "/requests/{request_id}/notes",
    summary="Reviewer note and decision reasons (sealed; every read is access-logged)",
    description=(
        "Reviewers, approvers and auditors read the reviewer's note and every decision's "
        "reasons and justifications; the requesting agency reads the decisions' reasons."
    ),
    response_model=RequestNotes,
)
def show_notes(
    request_id: str,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    reason: ReasonHeader = None,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        return notes.read_notes(
            session=session, ctx=ctx, actor=user, request=request, reason=reason or ""
        ).to_json()


@router.post(
    "/requests/{request_id}/review", summary="Annotate as reviewer", response_model=RequestDetail
)
def review_request(
    request_id: str, body: ReviewInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        service.review(session=session, ctx=ctx, actor=user, request=request, note=body.note)
        return views.detail(session=session, request=request)


@router.post(
    "/requests/{request_id}/decision",
    summary="Approve, modify or deny",
    response_model=RequestDetail,
)
def decide_request(
    request_id: str, body: DecisionInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        decisions.decide(session=session, ctx=ctx, actor=user, request=request, decision=body)
        return views.detail(session=session, request=request)


@router.post(
    "/requests/{request_id}/extensions",
    status_code=status.HTTP_201_CREATED,
    summary="Ask for an extension (a new request continuous with the cover)",
    description=(
        "An extension is a new request for the days that follow the cover, at most as "
        "many as the policy in force allows for one extension (its `authority.extension`: "
        "30 days under 39 CFR 233.3(g)(5), none for fugitive and national security "
        "covers). It always covers the subject of the cover it extends: the `subject` "
        "given in the body (name, address, attorneys) is replaced by the cover's own, so "
        "the answer never depends on a guess about the covered address. That use of the "
        "cover's subject data is written to the access log."
    ),
    response_model=RequestDetail,
    responses=replayed(RequestDetail),
)
def extend_request(
    request_id: str,
    document: RequestDocument,
    response: Response,
    runtime: RuntimeDep,
    ctx: ContextDep,
    token: TokenDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        parent = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        result = service.extend(
            session=session,
            ctx=ctx,
            actor=user,
            parent=parent,
            document=document,
            idempotency_key=idempotency_key,
        )
        body = views.detail(session=session, request=result.request)
    return _created(response, result, body)


@router.post(
    "/requests/{request_id}/close",
    summary="Close a cover or records request",
    response_model=RequestDetail,
)
def close_request(
    request_id: str, body: CloseInput, runtime: RuntimeDep, ctx: ContextDep, token: TokenDep
) -> dict[str, Any]:
    with runtime.unit_of_work(token) as (session, user):
        request = access.get_visible(session=session, ctx=ctx, actor=user, public_id=request_id)
        service.close(session=session, ctx=ctx, actor=user, request=request, reason=body.reason)
        return views.detail(session=session, request=request)
