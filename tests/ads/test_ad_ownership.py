"""Advertiser accounts are their owners' alone: another user, in the same region or another, sweeping every
route that takes an advertiser's id gets 404, as for an id that does not exist."""

from __future__ import annotations

from typing import Any

from ad_rows import an_advertiser, top_up
from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import ADS_OBJECTS, Member, sweep_as


def test_another_user_cannot_reach_an_advertisers_routes(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    alice: Member = sign_up("alice", "US")
    bob: Member = sign_up("bob", "DE")
    carol: Member = sign_up("carol", "US")
    advertiser_id = an_advertiser(platform, alice)
    top_up(platform, advertiser_id, 10)
    ids = {"advertiser_id": advertiser_id}
    assert ids.keys() == ADS_OBJECTS
    body = {"amount": 100, "name": "x", "objective": "views", "daily_budget": 10, "kind": "brand"}
    for stranger in (bob, carol):
        swept = sweep_as(client, stranger, ids, body=body)
        assert "GET /api/v1/advertisers/{advertiser_id}/statements" in swept, swept
    mine = client.get(f"/api/v1/advertisers/{advertiser_id}/statements?days=1", headers=alice.auth)
    assert mine.status_code == 200 and mine.json()[0]["closing"] == 10
