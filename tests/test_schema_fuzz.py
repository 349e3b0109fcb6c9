"""Property-based sweep of the whole API from its own OpenAPI document: whatever a client sends, the server
answers without a server error, and every error is a problem-details body with a stable code."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from support import Member

EXAMPLES_PER_OPERATION = 12


@schemathesis.serializer("application/offset+octet-stream")
def _tus_bytes(_context: Any, value: Any) -> bytes:
    """Upload chunks are raw bytes (tus)."""
    return value if isinstance(value, bytes) else str(value).encode()


def test_no_input_makes_a_server_error(client: TestClient, alice: Member) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            response = case.call(headers={**(case.headers or {}), **alice.auth})
            assert response.status_code < 500, (case.method, case.formatted_path, response.text)
            if response.status_code >= 400:
                body = response.json()
                assert response.headers["content-type"] == ["application/problem+json"], case.formatted_path
                assert (
                    isinstance(body["code"], str) and body["code"] and body["status"] == response.status_code
                )

        call()
        checked.append(f"{operation.method.upper()} {operation.path}")
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    every = [f"{method.upper()} {path}" for path, operations in paths.items() for method in operations]
    assert sorted(checked) == sorted(every)  # each operation fuzzed, none left out
