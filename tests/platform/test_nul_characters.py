"""A NUL character in a URL or a JSON body is refused with a problem document, on every engine (PostgreSQL
cannot store one in text and would otherwise fail the request with a 500)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from support import Member, open_shop


def test_nul_characters_are_refused_before_they_reach_a_database(client: TestClient, sign_up: Any) -> None:
    bob: Member = sign_up("bob", "DE")
    r = client.get("/api/v1/products", params={"q": "mug\x00"})
    assert r.status_code == 422 and r.json()["code"] == "nul_character"
    assert r.headers["content-type"] == "application/problem+json"
    body = json.dumps({"handle": "ab\x00c", "name": "x"})
    r = client.post("/api/v1/shops", headers={**bob.auth, "Content-Type": "application/json"}, content=body)
    assert r.status_code == 422 and r.json()["code"] == "nul_character"
    shop_id = open_shop(client, bob, "plain-shop")  # the same request without the NUL goes through
    r = client.post(
        f"/api/v1/shops/{shop_id}/products/import",
        headers={**bob.auth, "Content-Type": "text/csv"},
        content=b"title,sku,price\nMug\x00,M-1,1.00\n",
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_csv"
    assert client.get("/api/v1/products", params={"q": "mug"}).json() == []
