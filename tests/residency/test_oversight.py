"""Operators read each region's audit log and the transparency report; nobody else does, and every reading,
allowed or refused, is itself in the log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from clipshop.accounts import service as accounts
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from support import Member, a_product, buy, open_shop


def make_operator(platform: Platform, member: Member) -> None:
    with everywhere(platform.databases).transaction() as uow:
        accounts.make_staff(uow, user_id=member.id, role=Role.OPERATOR, jurisdiction=member.region)


def test_only_operators_read_the_audit_log_and_a_refusal_is_logged(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any
) -> None:
    # Alice (us) buys from Bob's shop (eu): the checkout opens Bob's region and says so in its log.
    shop = open_shop(client, bob, "bobs-shop", currency="EUR")
    variant = a_product(client, bob, shop)["variants"][0]["id"]
    assert buy(client, alice, variant, key="k1").status_code in (200, 201)

    refused = client.get("/api/v1/operator/audit/eu", headers=alice.auth)
    assert (refused.status_code, refused.json()["code"]) == (403, "access_denied")

    root: Member = sign_up("root", "US")
    make_operator(platform, root)
    r = client.get("/api/v1/operator/audit/eu", headers=root.auth)
    assert r.status_code == 200, r.text
    log = r.json()
    assert [e["seq"] for e in log] == sorted((e["seq"] for e in log), reverse=True)
    assert {(e["actor_id"], e["purpose"], e["result"]) for e in log} >= {
        (alice.id, "checkout", "allowed"),
        (alice.id, "oversight", "denied"),
        (root.id, "oversight", "allowed"),  # the reading itself, appended before the rows were read
    }
    denied = client.get("/api/v1/operator/audit/eu", params={"result": "denied"}, headers=root.auth).json()
    assert [(e["actor_id"], e["reason"]) for e in denied] == [
        (alice.id, "audit log of eu; refused: user cannot act as operator")
    ]
    mine = client.get("/api/v1/operator/audit/eu", params={"actor": alice.id, "limit": 1}, headers=root.auth)
    assert len(mine.json()) == 1 and mine.json()[0]["actor_id"] == alice.id
    page = client.get("/api/v1/operator/audit/eu", params={"before": log[-1]["seq"]}, headers=root.auth)
    assert all(e["seq"] < log[-1]["seq"] for e in page.json())
    assert client.get("/api/v1/operator/audit/mars", headers=root.auth).status_code == 422


def test_the_transparency_report_counts_decisions_by_region_month_purpose_and_outcome(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any
) -> None:
    shop = open_shop(client, bob, "bobs-shop", currency="EUR")
    variant = a_product(client, bob, shop)["variants"][0]["id"]
    for n in range(2):
        assert buy(client, alice, variant, key=f"k{n}").status_code in (200, 201)
    root: Member = sign_up("root", "US")
    make_operator(platform, root)
    r = client.get("/api/v1/operator/transparency", params={"months": 3}, headers=root.auth)
    assert r.status_code == 200, r.text
    report = r.json()
    month = datetime.now(UTC).strftime("%Y-%m")  # the log keeps wall-clock time, whatever the app's clock
    counts = {(m["region"], m["month"], m["purpose"], m["result"]): m["count"] for m in report["months"]}
    # Two checkouts each opened Bob's stock and holds (two classes), and committed them when paid.
    assert counts[("eu", month, "checkout", "allowed")] >= 4
    assert set(report["regions"]) == set(platform.databases.regions)
    assert report["since"] <= f"{month}-01T00:00:00Z"
    assert client.get("/api/v1/operator/transparency", headers=alice.auth).status_code == 403


def test_operator_pages_are_for_operators(client: TestClient, platform: Platform, alice: Member) -> None:
    client.cookies.set("clipshop_session", alice.token)
    assert client.get("/operator/transparency").status_code == 404
    make_operator(platform, alice)
    for path in ("/operator/transparency", "/operator/audit"):
        page = client.get(path)
        assert page.status_code == 200 and "operator" in page.text.lower()
    assert 'href="/operator/audit"' in client.get("/").text
    client.cookies.clear()
