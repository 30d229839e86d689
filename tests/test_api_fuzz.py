"""Every API operation fuzzed with schemathesis, for every role, on SQLite and PostgreSQL.

The schema is read from the real server's ``/openapi.json``. Each operation is called
with cases schemathesis generates from it, both valid (positive) and invalid
(negative) ones, once with each role's bearer token and once without a token. An
operation that takes a ``request_id`` is also called with the ids of two real
requests, one just submitted and one active cover, so that the calls get past the
lookup into the step itself.

Negative cases are made only for operations with a body or a query (any string is a
valid path or header value here). Positive bodies are tidied of what the server
refuses but the schema does not state (see :func:`tidy`), so more reach the steps.

What is checked, for every response:

- no status is 5xx;
- every 4xx is ``application/problem+json`` (RFC 9457) with ``type``, ``title``,
  ``status`` (equal to the response's) and ``detail``;
- a 405 carries ``Allow``; schemathesis only calls declared methods, so a second
  test calls every undeclared one on every path and checks Allow lists the path's;
- schemathesis's own conformance checks (:data:`CONFORMANCE`): the status is one
  the operation documents, the content type is the one documented for it, and the
  body validates against the documented schema (the typed response models for a
  2xx, :class:`covergate.api_deps.Problem` for an error).

The run is bounded and reproducible: a few examples per operation and mode,
``derandomize=True``, no example database, no deadline. A failure lists every
offending call with a curl command to reproduce it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, GenerationMode, Response
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation

from tests.api_server import PROBLEM, LiveServer
from tests.test_api import active_cover, submit

#: The people fuzzed with: requester, reviewer, approver, observer, auditor, admin, a
#: court (its orders and delay orders), nobody.
ROLES: list[str | None] = ["fbi", "reviewer", "osg", "observer", "auditor", "admin", "court", None]
#: Examples per operation, generation mode and request id; small so the module stays
#: fast. ``FUZZ_EXAMPLES=200`` (and ``FUZZ_SEED=N`` for other examples than the
#: reproducible default) makes a longer hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("FUZZ_SEED")
PROBLEM_MEMBERS = ("type", "title", "status", "detail")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
UNDECLARED = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: What every response must keep of the OpenAPI it was called from.
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def schema(server: LiveServer) -> BaseSchema:
    """The OpenAPI schema the running server publishes (once per backend)."""
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")


def operations(schema: BaseSchema) -> list[APIOperation]:
    found = [result.ok() for result in schema.get_all_operations()]
    assert found, "the schema declares no operation"
    return found


def takes_request_id(operation: APIOperation) -> bool:
    return any(p.name == "request_id" for p in operation.path_parameters)


def modes(operation: APIOperation) -> list[GenerationMode]:
    """Negative cases only where there is a body or a query to break: a path or header
    parameter here is any string, so hypothesis would search in vain for an invalid one."""
    if list(operation.query) or list(operation.body):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def problem_with(response: Response) -> str | None:
    """Why ``response`` breaks the contract, or None when it keeps it."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith(PROBLEM):
        return f"{status} is {content_type or 'untyped'}, not {PROBLEM}"
    try:
        body = response.json()
    except ValueError:
        return f"{status} problem is not JSON"
    if not isinstance(body, dict):
        return f"{status} problem is not a JSON object"
    missing = [m for m in PROBLEM_MEMBERS if not body.get(m)]
    if missing:
        return f"{status} problem lacks {', '.join(missing)}"
    if body["status"] != status:
        return f"{status} problem says status {body['status']}"
    if status == 405 and not response.headers.get("allow"):
        return "405 without Allow"
    return None


def breaks_schema(case: Case, response: Response) -> list[tuple[str, str]]:
    """(title, message) of each :data:`CONFORMANCE` check ``response`` fails."""
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except FailureGroup as group:
        return [(failure.title, failure.message) for failure in group.exceptions]
    return []


def tidy(value: Any) -> Any:
    """``value`` without what the server refuses but the schema does not say: control
    characters in text (each becomes "x"), and dates outside 1900-2200 (they move to 2026). Positive
    cases are tidied so that more of them get past validation into the steps."""
    if isinstance(value, str):
        # Replaced, not dropped: a pattern or a minimum length still holds.
        text = "".join("x" if unicodedata.category(c) in ("Cc", "Cs") else c for c in value)
        if DATE.fullmatch(text) and not 1900 <= int(text[:4]) <= 2200:
            text = "2026" + text[4:]
        return text
    if isinstance(value, list):
        return [tidy(item) for item in value]
    if isinstance(value, dict):
        return {tidy(key): tidy(item) for key, item in value.items()}
    return value


def tidied(case: Case) -> Case:
    if isinstance(case.body, dict | list):
        case.body = tidy(case.body)
    return case


def fuzz(strategy: st.SearchStrategy[Case], call: Callable[[Case], None]) -> None:
    """Run ``call`` on a few reproducible examples of ``strategy``."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        # Nothing raises inside: failures are collected, so there is nothing to shrink.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Case) -> None:
        call(case)

    if SEED is not None:
        run = hypothesis_seed(int(SEED))(run)
    run()


def seed(api: LiveServer) -> list[str]:
    """Two real requests: one just submitted, one active cover (the clock moves on)."""
    submitted = submit(api)
    return [submitted, active_cover(api)]


@pytest.mark.slow
@pytest.mark.parametrize("who", ROLES, ids=lambda who: who or "no-token")
def test_every_operation_keeps_the_contract(
    api: LiveServer, schema: BaseSchema, who: str | None
) -> None:
    real_ids = seed(api)
    headers = {} if who is None else {"authorization": f"Bearer {api.tokens[who]}"}
    failures: dict[tuple[str, str], str] = {}

    def call(case: Case) -> None:
        if who is None:
            # No token: whatever was generated for the optional header goes too.
            for name in [n for n in case.headers or {} if n.lower() == "authorization"]:
                del case.headers[name]
        response = case.call(base_url=api.base_url, timeout=30)
        why = problem_with(response)
        found = [(why, "")] if why is not None else breaks_schema(case, response)
        for title, message in found:
            failures.setdefault(
                (case.operation.label, title),
                f"{who or 'no token'} {case.operation.label}: {title}: {message[:600]} "
                f"{response.content[:300]!r}\n    {case.as_curl_command()}",
            )

    for operation in operations(schema):
        ids: list[str | None] = [None, *real_ids] if takes_request_id(operation) else [None]
        for mode in modes(operation):
            for rid in ids:
                fixed: dict[str, Any] = {} if rid is None else {"request_id": rid}
                strategy = operation.as_strategy(
                    generation_mode=mode, headers=headers or None, path_parameters=fixed or None
                )
                if mode is GenerationMode.POSITIVE:
                    strategy = strategy.map(tidied)
                fuzz(strategy, call)

    assert not failures, "\n".join(failures.values())


def test_undeclared_methods_are_405_problems_with_allow(
    api: LiveServer, schema: BaseSchema
) -> None:
    """schemathesis only calls declared methods; every other one must be a 405 problem."""
    failures: list[str] = []
    for path, declared in schema.raw_schema["paths"].items():
        url = path.replace("{request_id}", "x").replace("{email}", "x@example.org")
        url = url.replace("{token_id}", "1").replace("{path}", "0/000")
        allowed = {m.upper() for m in declared}
        for method in UNDECLARED:
            if method in allowed or (method == "HEAD" and "GET" in allowed):
                continue
            response = api.call(method, url, "admin")
            if response.status_code != 405:
                failures.append(f"{method} {path}: {response.status_code}, not 405")
                continue
            got = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            if not allowed <= got:
                failures.append(f"{method} {path}: Allow is {got or 'missing'}, not {allowed}")
            if not response.headers.get("content-type", "").startswith(PROBLEM):
                failures.append(f"{method} {path}: 405 is not {PROBLEM}")
    assert not failures, "\n".join(failures)
