from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from support import PASSWORD, Member


def test_sign_up_fixes_the_home_region_from_the_country(client: TestClient, sign_up: Any) -> None:
    maya = sign_up("maya", "DE")
    kai = sign_up("kai", "AU")
    sam = sign_up("sam", "BR")  # a country no region lists goes to the default region
    assert (maya.region, kai.region, sam.region) == ("eu", "au", "us")
    assert maya.id.startswith("eu_") and kai.id.startswith("au_")
    me = client.get("/api/v1/me", headers=maya.auth).json()
    assert (me["handle"], me["country"], me["region"], me["email"]) == (
        "maya",
        "DE",
        "eu",
        "maya@example.com",
    )


def test_password_rules(client: TestClient) -> None:
    def attempt(password: str) -> Any:
        return client.post(
            "/api/v1/auth/signup",
            json={"email": "p@example.com", "password": password, "handle": "pat", "country": "US"},
        )

    short = attempt("abc1234")
    assert short.status_code == 422 and short.json()["code"] == "password_too_short"
    assert short.headers["content-type"] == "application/problem+json"
    assert short.json()["field"] == "password"
    assert attempt("password123").json()["code"] == "password_too_common"
    assert attempt("iloveyou").json()["code"] == "password_too_common"
    long_ok = attempt("x" * 40 + " a long passphrase " + "y" * 40)
    assert long_ok.status_code == 201


def test_duplicate_email_and_handle_are_refused(client: TestClient, alice: Member) -> None:
    same_email = client.post(
        "/api/v1/auth/signup",
        json={"email": "ALICE@example.com", "password": PASSWORD, "handle": "alice2", "country": "DE"},
    )
    assert same_email.status_code == 409 and same_email.json()["code"] == "email_taken"
    same_handle = client.post(
        "/api/v1/auth/signup",
        json={"email": "other@example.com", "password": PASSWORD, "handle": "Alice", "country": "AU"},
    )
    assert same_handle.status_code == 409 and same_handle.json()["code"] == "handle_taken"


def test_log_in_rotates_the_session_and_log_out_ends_it(client: TestClient, alice: Member) -> None:
    first = client.post("/api/v1/auth/login", json={"email": alice.email, "password": PASSWORD})
    assert first.status_code == 200
    cookie = first.cookies.get("clipshop_session")
    assert cookie == first.json()["token"]
    assert client.get("/api/v1/me").json()["handle"] == "alice"  # the cookie session works for pages
    second = client.post("/api/v1/auth/login", json={"email": alice.email, "password": PASSWORD})
    new_cookie = second.json()["token"]
    assert new_cookie != cookie
    old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})
    assert old.status_code == 401 and old.json()["code"] == "unauthenticated"
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new_cookie}"}).status_code == 401


def test_wrong_password_and_unknown_email_answer_alike(client: TestClient, alice: Member) -> None:
    wrong = client.post("/api/v1/auth/login", json={"email": alice.email, "password": "not the password"})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "bad_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_login_is_rate_limited(client: TestClient, alice: Member) -> None:
    codes = [
        client.post(
            "/api/v1/auth/login", json={"email": alice.email, "password": "wrong password!"}
        ).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    limited = client.post("/api/v1/auth/login", json={"email": alice.email, "password": PASSWORD})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60  # when the oldest counted attempt leaves the minute


def test_tampered_or_foreign_tokens_are_unauthenticated(client: TestClient, alice: Member) -> None:
    session_id, _, secret = alice.token.partition(".")
    for token in (f"{session_id}.{secret[:-2]}xx", f"zz_{'0' * 32}.{secret}", "garbage", ""):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_profile_update_is_public_in_every_region(client: TestClient, alice: Member, bob: Member) -> None:
    response = client.patch(
        "/api/v1/me", headers=alice.auth, json={"display_name": "Alice A.", "bio": "makes things"}
    )
    assert response.status_code == 200 and response.json()["display_name"] == "Alice A."
    seen_by_bob = client.get("/api/v1/users/alice", headers=bob.auth).json()
    assert (seen_by_bob["display_name"], seen_by_bob["bio"], seen_by_bob["region"]) == (
        "Alice A.",
        "makes things",
        "us",
    )
    assert "email" not in seen_by_bob
    too_long = client.patch("/api/v1/me", headers=alice.auth, json={"bio": "x" * 301})
    assert too_long.status_code == 422 and too_long.json()["code"] == "validation_error"
