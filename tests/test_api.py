"""The API's contract: an OpenAPI document, problem details for every error, health."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Clipshop"
    for path in (
        "/api/v1/auth/signup",
        "/api/v1/uploads",
        "/api/v1/videos",
        "/api/v1/feed/for-you",
        "/api/v1/videos/{video_id}/comments",
        "/api/v1/events",
    ):
        assert path in doc["paths"], path


def test_errors_are_problem_details(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong_method = client.put("/api/v1/feed/for-you")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    invalid = client.post("/api/v1/auth/signup", json={"email": "x@example.com"})
    body = invalid.json()
    assert invalid.status_code == 422 and body["code"] == "validation_error" and body["field"] == "password"
    assert {e["field"] for e in body["errors"]} == {"password", "handle", "country"}
    assert client.get("/api/v1/health").json()["status"] == "ok"
