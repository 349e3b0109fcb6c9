"""Order updates, commission and moderation outcomes in the inbox: the buyer hears of payment, shipping,
delivery and refunds in their region, a creator in another region of the commission a sale earned, and an
uploader of what moderation decided and how their appeal ended."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.accounts import service as accounts
from clipshop.inbox.models import Notification
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.residency.models import AuditEntry
from support import Member, a_product, a_region_video, buy, open_shop, shipped_and_delivered

INBOX = "/api/v1/me/inbox"


def lines(client: TestClient, member: Member) -> list[tuple[str, str, str | None]]:
    response = client.get(INBOX, headers=member.auth)
    assert response.status_code == 200, response.text
    return [(i["kind"], i["text"], i["link"]) for i in response.json()["items"]]


def inbox_audit(platform: Platform, region: str) -> list[tuple[str, str]]:
    with everywhere(platform.databases).transaction() as uow:
        entries = uow.region(region).scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(e.role, e.result) for e in entries if e.data_class == "inbox"]


def test_the_buyer_hears_of_each_step_of_an_order_and_a_creator_elsewhere_of_their_commission(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    creator: Member = sign_up("creator", "AU")
    shop_id = open_shop(client, merchant, "linen-co")
    product = a_product(client, merchant, shop_id, price=4000, commission_bp=1000)
    video_id = a_region_video(platform, creator)
    client.put(
        f"/api/v1/videos/{video_id}/products",
        headers=creator.auth,
        json={"products": [{"product_id": product["id"]}]},
    )
    client.post(f"/api/v1/products/{product['id']}/open", headers=buyer.auth, json={"video_id": video_id})
    order_id = buy(client, buyer, product["variants"][0]["id"], key="o1").json()["orders"][0]["id"]
    platform.jobs.drain()

    assert lines(client, buyer) == [
        ("order_paid", "Your order from Linen-Co is confirmed", f"/orders/{order_id}")
    ]
    assert lines(client, creator) == [
        ("commission", "You earned $4.00 commission on a sale of Linen shirt", "/earnings")
    ]
    # The creator lives in au: the line crossed through the door, and names neither the buyer nor the order.
    # (the sandbox confirms the payment by a webhook, handled by a job of the buyer's region)
    assert inbox_audit(platform, "au") == [("service", "allowed")]
    with everywhere(platform.databases).transaction() as uow:
        [line] = uow.region("au").scalars(select(Notification))
        stored = str([getattr(line, c.name) for c in Notification.__table__.columns])
    assert buyer.id not in stored and order_id not in stored and "buyer" not in stored

    shipped_and_delivered(client, merchant, shop_id, order_id)
    refund = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/refunds",
        headers={**merchant.auth, "Idempotency-Key": "ref-1"},
        json={"amount": 1000, "reason": "late"},
    )
    assert refund.status_code == 200, refund.text
    assert [kind for kind, _, _ in lines(client, buyer)] == [
        "order_refunded",
        "order_delivered",
        "order_shipped",
        "order_paid",
    ]
    assert [text for _, text, _ in lines(client, buyer)][:3] == [
        "Refund for your order from Linen-Co: $10.00: late",
        "Your order from Linen-Co was delivered",
        "Your order from Linen-Co has shipped (DHL JD0001)",
    ]
    # The merchant (us) told the buyer (eu) through the door, as the shop's staff, each step logged in eu.
    assert inbox_audit(platform, "eu") == [("merchant", "allowed")] * 3
    assert lines(client, merchant) == []
    assert check_residency(platform) == []


def test_the_uploader_hears_of_a_take_down_and_of_their_appeals_outcome(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    video = a_region_video(platform, bob)  # bob lives in eu
    mod, other_mod = sign_up("modeu", "DE"), sign_up("modeu2", "US")
    with everywhere(platform.databases).transaction() as uow:
        accounts.make_staff(uow, user_id=mod.id, role=Role.MODERATOR, jurisdiction="eu")
        accounts.make_staff(uow, user_id=other_mod.id, role=Role.MODERATOR, jurisdiction="eu")
    client.post(
        "/api/v1/reports",
        headers=alice.auth,
        json={"content_kind": "video", "content_id": video, "reason": "spam", "text": ""},
    )
    [case] = client.get("/api/v1/moderation/cases", headers=mod.auth).json()
    decided = client.post(
        f"/api/v1/moderation/cases/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": "take_down", "reason_code": "spam_2", "note": "link farm"},
    )
    assert decided.status_code == 201, decided.text
    platform.jobs.drain()
    assert lines(client, bob) == [
        ("moderation", "Your video was taken down (spam_2); you may appeal", "/appeals")
    ]

    decision_id = decided.json()["id"]
    client.post(f"/api/v1/me/moderation/{decision_id}/appeal", headers=bob.auth, json={"text": "mine"})
    overturned = client.post(
        f"/api/v1/moderation/appeals/{decision_id}/decision",
        headers=other_mod.auth,
        json={"outcome": "overturn"},
    )
    assert overturned.status_code == 200, overturned.text
    platform.jobs.drain()
    assert [(text, link) for _, text, link in lines(client, bob)] == [
        ("Your appeal succeeded: the decision on your video was overturned", "/appeals"),
        ("Your video was taken down (spam_2); you may appeal", "/appeals"),
    ]
    # Written at home by the decision's region's job: no door opened for it.
    assert inbox_audit(platform, "eu") == []
    assert lines(client, alice) == []
    assert check_residency(platform) == []
