"""An advertiser's data rights, on SQLite and PostgreSQL: their accounts, top-ups, campaigns, groups and ads
are in their export; deleting their account closes the advertiser accounts, takes their ads and the codes
they made as a creator out of the directory, and leaves the ledger's books as they were."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from advertising import (
    API,
    campaign_with_group,
    new_ad,
    ok,
    open_advertiser,
    public_ad,
    published_video,
    top_up,
)
from clipshop.ads.models import PublicAdAuthorization
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.ledger import postings as ledger
from support import PASSWORD, Member


def table(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(archive.read(f"{name}.json"))
    return rows


def test_an_advertisers_export_holds_their_accounts_and_erasure_closes_them(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    account = open_advertiser(client, alice, "Alice Brand")
    ok(top_up(client, alice, account["id"], 4000, key="t"), 201)
    platform.jobs.drain()
    campaign, group = campaign_with_group(client, alice, account["id"])
    video = published_video(client, platform, alice)
    ad = ok(new_ad(client, alice, group, video), 201)
    ok(client.post(f"{API}/videos/{video}/ad-authorizations", headers=alice.auth), 201)
    open_advertiser(client, bob, "Bob Brand")

    exported = client.get(f"{API}/me/export", headers=alice.auth)
    assert exported.status_code == 200, exported.text
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert [a["id"] for a in table(archive, "region/advertisers")] == [account["id"]]
    assert [(t["amount"], t["status"]) for t in table(archive, "region/ad_topups")] == [(4000, "paid")]
    assert [c["id"] for c in table(archive, "region/ad_campaigns")] == [campaign]
    assert [g["id"] for g in table(archive, "region/ad_groups")] == [group]
    assert [a["id"] for a in table(archive, "region/ads")] == [ad["id"]]
    assert "Bob Brand" not in exported.content.decode("latin-1")

    with everywhere(platform.databases).transaction() as uow:
        books = ledger.balances(uow.region("us"))
    deleted = client.post(f"{API}/me/delete", headers=alice.auth, json={"password": PASSWORD})
    assert deleted.status_code == 202, deleted.text
    platform.jobs.drain()
    assert public_ad(platform, ad["id"]) is None
    with everywhere(platform.databases).transaction() as uow:
        codes = uow.directory.scalar(select(func.count()).select_from(PublicAdAuthorization))
        assert codes == 0
        assert ledger.balances(uow.region("us")) == books  # the books stay
    assert [a["name"] for a in ok(client.get(f"{API}/advertisers", headers=bob.auth))] == ["Bob Brand"]
