"""The published OpenAPI describes every answer: typed 2xx bodies, problem+json errors.

The schemathesis run (tests/test_api_fuzz.py) checks real responses against this
document; these tests check the document says enough to be checked against.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api_server import PROBLEM, LiveServer

#: JSON answers that are free-form objects by design: a JSON Schema, a notice bundle
#: (its own verifier checks it), the report's schema.
FREE_FORM = {
    ("get", "/api/v1/schema/request"),
    ("get", "/api/v1/requests/{request_id}/notice/bundle.json"),
    ("get", "/api/v1/statistics/schema.json"),
}
#: Every route with a bearer token documents these errors.
AUTHENTICATED_ERRORS = {"400", "401", "403", "404", "409", "422"}


@pytest.fixture(scope="module")
def spec(server: LiveServer) -> dict[str, Any]:
    response = server.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_json_success_names_a_typed_model(spec: dict[str, Any]) -> None:
    untyped = []
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            content = response.get("content")
            assert content, f"{method} {path} {status} documents no content"
            schema = content.get("application/json", {}).get("schema")
            if schema is None or (method, path) in FREE_FORM:
                continue  # text or bytes (checkpoint, tiles, PDF), or free-form by design
            if not {"$ref", "anyOf", "properties"} & set(schema):  # a model, or inline
                untyped.append(f"{method} {path} {status}: {schema}")
    assert not untyped, "\n".join(untyped)


def test_every_error_is_documented_as_a_problem(spec: dict[str, Any]) -> None:
    wrong = []
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status[0] in "45" and response.get("content") != {
                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }:
                wrong.append(f"{method} {path} {status}: {response.get('content')}")
    assert not wrong, "\n".join(wrong)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_authenticated_routes_document_their_errors(spec: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in operations(spec):
        if path.startswith("/api/v1/") and not path.startswith("/api/v1/statistics"):
            lacking = AUTHENTICATED_ERRORS - set(operation["responses"])
            if lacking:
                missing.append(f"{method} {path}: {sorted(lacking)}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", ["/api/v1/requests", "/api/v1/requests/{request_id}/extensions"])
def test_an_idempotent_create_documents_its_replay(spec: dict[str, Any], path: str) -> None:
    responses = spec["paths"][path]["post"]["responses"]
    assert {"200", "201"} <= set(responses)
    assert "Idempotency-Key" in responses["200"]["description"]
    assert responses["200"]["content"] == responses["201"]["content"]


def test_the_log_documents_its_files_and_a_missing_tile(spec: dict[str, Any]) -> None:
    tile = spec["paths"]["/log/tile/{path}"]["get"]["responses"]
    assert "application/octet-stream" in tile["200"]["content"]
    assert "404" in tile
    checkpoint = spec["paths"]["/log/checkpoint"]["get"]["responses"]
    assert "text/plain" in checkpoint["200"]["content"]


def test_request_bodies_keep_their_component_names(spec: dict[str, Any]) -> None:
    """Typing the answers did not rename a body's schema (RequestDocument is both)."""
    names = set(spec["components"]["schemas"])
    assert {"RequestDocument", "Requester", "TokenInput", "ReviewInput"} <= names
    assert not [n for n in names if n.endswith(("-Input", "-Output"))]
