"""FastAPI dependencies: the runtime, the service context, the checked token.

Handlers own their transaction through ``runtime.unit_of_work(token)``
(:meth:`covergate.runtime.Runtime.unit_of_work`): it commits the request's state
change together with its log entries, then, if the log grew, integrates it (tiles
and a new signed checkpoint) in a second transaction.

:func:`refuse_duplicate_json_keys` runs before every route (``create_app`` sets it
on the app): FastAPI's JSON parser lets the last of two equal keys win. So does
:func:`refuse_control_characters`: a NUL in a path or query parameter or a form
field (an id, an email) would reach the database, which on PostgreSQL cannot hold it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from covergate.context import ServiceContext, Via
from covergate.errors import InvalidInput
from covergate.lifecycle.access import MAX_LIMIT, MAX_OFFSET
from covergate.runtime import Runtime
from covergate.textchecks import no_control, no_control_but_layout
from covergate.users.service import authenticate
from covergate.validation import refuse_duplicate_keys

# The dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def``
# dependency in its thread pool, and under concurrency those hops cost CPU
# (docs/BENCHMARKS.md, "Request submission under load", third round). The context's
# policy and witnesses are loaded at start-up (``api.maintain``), never on the loop.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_context(runtime: RuntimeDep) -> ServiceContext:
    return runtime.context(Via.API)


ContextDep = Annotated[ServiceContext, Depends(get_context)]


async def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticated_token(
    runtime: RuntimeDep, token: Annotated[str | None, Depends(bearer_token)]
) -> str:
    """Check the bearer token before anything else about the request.

    FastAPI solves dependencies before it validates the body, so a caller
    without a valid token gets 401, never a description of the request schema.
    The handler's unit of work authenticates again inside its transaction, and
    that check decides: this one is a gate, which lets a token that passed it in
    the last few seconds through without a database read (:mod:`covergate.users.gate`).
    """
    gate = runtime.token_gate
    if token is not None and gate.admits(token):
        return token
    await run_in_threadpool(_check_token, runtime, token)
    if token is not None:
        gate.passed(token)
    return token or ""


def _check_token(runtime: Runtime, token: str | None) -> None:
    with runtime.read_transaction() as session:
        authenticate(session=session, token=token, clock=runtime.clock)


TokenDep = Annotated[str, Depends(authenticated_token)]

#: One page of a list: the bounds every list endpoint takes (lifecycle.access).
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many rows.")]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many rows.")]


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads this body as JSON (no type given counts as JSON)."""
    if content_type is None:
        return True
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def refuse_duplicate_json_keys(request: Request) -> None:
    """422 naming the path when a JSON body gives a key twice (``{"kind": .., "kind": ..}``).

    FastAPI has already read and cached the body of a route that takes one, so this
    reads it from memory; a form (the web pages) is left alone, unread. Text that is
    not JSON passes here and FastAPI reports it. Like malformed JSON, a repeated key
    is answered before the token is checked: it says nothing of the request schema.
    """
    if not _is_json(request.headers.get("content-type")):
        return
    body = await request.body()
    if body:
        refuse_duplicate_keys(body, what="request body")


async def refuse_control_characters(request: Request) -> None:
    """422 naming the parameter when a path or query parameter, or a form field, holds a
    control character (a form's free text may keep its tabs and line breaks).

    Text in a JSON body is checked by its model; text in the URL (a request id, an
    email, a token id, a filter) and in a page's form (the sign-in email) is checked
    here, once for every route, before any lookup.
    """
    given = [("path parameter", k, v, no_control) for k, v in request.path_params.items()]
    given += [("query parameter", k, v, no_control) for k, v in request.query_params.multi_items()]
    if _is_form(request.headers.get("content-type")):
        form = await request.form()  # cached: the route's own Form parameters reuse it
        given += [("form field", k, v, no_control_but_layout) for k, v in form.multi_items()]
    for where, name, value, check in given:
        for text in (name, value):
            if not isinstance(text, str):
                continue  # an uploaded file
            try:
                check(text)
            except ValueError as exc:
                raise InvalidInput(f"{where} {name!a}: {exc}", field=name) from None


def _is_form(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind in {"application/x-www-form-urlencoded", "multipart/form-data"}


class Problem(BaseModel):
    """An RFC 9457 problem detail, as every error of this API is returned."""

    type: str = Field(examples=["https://covergate.example/problems/rule-violation"])
    title: str = Field(examples=["Rule violation"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["days: an approval can narrow but never widen: 40 > 30"])
    field: str | None = Field(default=None, examples=["days"])


def problem_response(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


#: Error responses every authenticated API route can give (documented at /docs).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: problem_response("A request the server cannot read (no more specific error applies)."),
    401: problem_response("No token, or a token that matches no active user."),
    403: problem_response("Your role or delegation does not allow this."),
    404: problem_response("No such request, or one you may not see (another agency's)."),
    409: problem_response("Invalid state transition, idempotency conflict, or concurrent change."),
    410: problem_response("The data asked for was destroyed on schedule (retention)."),
    422: problem_response("Invalid input (names the field) or a rule the software enforces."),
}


def replayed(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The 200 of a create that names an ``Idempotency-Key`` already used with the same
    body: the first answer again, nothing created (the first call's status was 201)."""
    return {
        200: {
            "model": model,
            "description": "Idempotency-Key replay: the request this key already created.",
        }
    }


class ResponseModel(BaseModel):
    """Base of every JSON body the API returns.

    ``extra="allow"``: the contract is that fields are added, never renamed or
    removed, so a field a newer server sends passes through (and a client must
    ignore what it does not know). Routes declare these as ``response_model``, so the
    OpenAPI at ``/openapi.json`` describes every body and FastAPI checks it.
    """

    model_config = ConfigDict(extra="allow")


#: An instant, ISO 8601 with its UTC offset (``2026-03-02T14:05:09+00:00``).
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
#: A day, ``YYYY-MM-DD``.
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]


class Page(ResponseModel):
    """The bounds a list was read with (``limit``, ``offset``)."""

    limit: int
    offset: int
