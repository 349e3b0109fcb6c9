"""Numbers about a region's users leave it only as totals over at least the minimum group size: a merchant's
sales by buyer region and a creator's audience by viewer region."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import Member, a_product, a_public_video, buy, open_shop


def test_a_merchant_sees_sales_by_buyer_region_only_over_enough_buyers(
    client: TestClient, platform: Platform, bob: Member, sign_up: Any
) -> None:
    platform.settings.min_group_size = 2
    shop = open_shop(client, bob, "bobs-shop", currency="EUR")
    variant = a_product(client, bob, shop, stock=50)["variants"][0]["id"]
    buyers = [sign_up("us1", "US"), sign_up("us2", "US"), sign_up("au1", "AU")]
    for n, buyer in enumerate(buyers):
        assert buy(client, buyer, variant, key=f"k{n}", quantity=n + 1).status_code == 201
    platform.jobs.drain()  # the payments are confirmed by webhook
    r = client.get(f"/api/v1/shops/{shop}/sales/regions", headers=bob.auth)
    assert r.status_code == 200, r.text
    by_region = {row["region"]: row for row in r.json()}
    assert (
        by_region["us"]["buyers"] == 2
        and by_region["us"]["orders"] == 2
        and not by_region["us"]["suppressed"]
    )
    assert by_region["us"]["revenue"] > 0
    assert by_region["au"] == {
        "region": "au",
        "currency": "EUR",
        "buyers": None,
        "orders": None,
        "revenue": None,
        "suppressed": True,
    }
    assert "eu" not in by_region  # no buyers there: no row at all
    # Someone who does not run the shop learns nothing, not even that it sells.
    assert client.get(f"/api/v1/shops/{shop}/sales/regions", headers=buyers[0].auth).status_code == 404


def test_a_creator_sees_their_audience_by_region_only_over_enough_viewers(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any
) -> None:
    platform.settings.min_group_size = 2
    video = a_public_video(platform, alice, "hello #world")
    viewers = [sign_up("eu1", "DE"), sign_up("eu2", "FR"), sign_up("au1", "AU")]
    for viewer in viewers:
        body = {"events": [{"video_id": video, "kind": "play"}, {"video_id": video, "kind": "play"}]}
        assert client.post("/api/v1/events", headers=viewer.auth, json=body).status_code == 202
    r = client.get("/api/v1/me/audience", headers=alice.auth)
    assert r.status_code == 200, r.text
    by_region = {row["region"]: row for row in r.json()}
    assert by_region["eu"] == {"region": "eu", "viewers": 2, "plays": 4, "suppressed": False}
    assert by_region["au"] == {"region": "au", "viewers": None, "plays": None, "suppressed": True}
    assert (
        by_region["us"]["viewers"] is None and by_region["us"]["suppressed"]
    )  # nobody: under the minimum too
