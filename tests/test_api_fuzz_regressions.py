"""What the schemathesis run (tests/test_api_fuzz.py) found, one small test each."""

from __future__ import annotations

from tests.api_server import LiveServer
from tests.test_api import assert_problem


def test_405_allow_names_every_method_of_the_path(api: LiveServer) -> None:
    # GET and POST /api/v1/requests are two routes; Starlette named only the first
    # one's methods, and the problem handler dropped even those.
    response = api.call("DELETE", "/api/v1/requests", "fbi")
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, POST"


def test_405_allow_on_a_path_with_one_method(api: LiveServer) -> None:
    response = api.call("PUT", "/log/checkpoint", None)
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET"


def test_a_body_that_is_not_utf8_is_a_bad_request_problem(api: LiveServer) -> None:
    # It was a problem typed ".../problems/error" titled "Error".
    response = api.post(
        "/api/v1/requests", "fbi", content=b"\xf9", headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 400, "bad-request")
    assert body["title"] == "Bad request"
