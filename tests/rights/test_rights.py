"""Data rights over the API, on SQLite and PostgreSQL: the export holds everything about the user from every
store and nothing of anyone else; deleting the account erases them from every store but the records the law
keeps, leaves the ledger as it was, frees the email, and finishes after a run cut short."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.kit.db import DirectoryBase, RegionBase
from clipshop.kit.everywhere import everywhere
from clipshop.migrations import load_models
from clipshop.platform import Platform
from clipshop.residency.check import check_residency, owner_columns
from clipshop.rights import erasure
from clipshop.rights.models import Erasure, ErasureState
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.orders.models import Order
from clipshop.videos.models import PublicVideo
from support import PASSWORD, Member, a_product, a_region_video, buy, open_shop, upload_file

ZOE_ADDRESS = {
    "name": "Zoe Quartz",
    "line1": "77 Quartz Lane",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
DECLINED = "4000 0000 0000 0002"


@dataclass
class World:
    zoe: Member
    bob: Member
    creator: Member
    merchant: Member
    creator_video: str
    zoe_video: str
    zoe_upload: str
    paid_order: str
    unpaid_order: str


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 140, 90)).save(out, format="PNG")
    return out.getvalue()


def checkout(
    client: TestClient, member: Member, variant_id: str, *, key: str, card: str = "4242424242424242"
) -> str:
    r = buy(
        client,
        member,
        variant_id,
        key=key,
        card=card,
        address=ZOE_ADDRESS if member.handle == "zoe_quartz" else None,
    )
    assert r.status_code in (201, 402, 422), r.text
    return str(r.json()["orders"][0]["id"]) if r.status_code == 201 else ""


@pytest.fixture
def world(client: TestClient, platform: Platform, sign_up: Any, clips: dict[str, Path]) -> World:
    """Zoe (us) has an avatar, an upload, a published video, likes, comments, a share, a follow, watch
    history, an address, a cart, a paid order and an unpaid one; Bob (eu) does the same things to the same
    creator's video, so his data is there to be left alone."""
    zoe: Member = sign_up("zoe_quartz", "US")
    bob: Member = sign_up("bob_berg", "DE")
    creator: Member = sign_up("cre_ator", "DE")
    merchant: Member = sign_up("mer_chant", "US")
    shop_id = open_shop(client, merchant, "quartz-goods")
    product = a_product(client, merchant, shop_id, price=2500, stock=10)
    variant_id = product["variants"][0]["id"]
    creator_video = a_region_video(platform, creator)

    avatar = client.put("/api/v1/me/avatar", headers={**zoe.auth, "Content-Type": "image/png"}, content=png())
    assert avatar.status_code == 200, avatar.text
    zoe_upload = upload_file(client, zoe, clips["silent"])
    zoe_video = a_region_video(platform, zoe)
    platform.media_store("us").put_bytes(f"videos/{zoe_video}/hls/master.m3u8", b"#EXTM3U zoe")

    for member in (zoe, bob):
        assert client.post(f"/api/v1/videos/{creator_video}/like", headers=member.auth).status_code == 200
        assert client.post(f"/api/v1/users/{creator.handle}/follow", headers=member.auth).status_code == 200
        shared = client.post(
            f"/api/v1/videos/{creator_video}/share", headers=member.auth, json={"channel": "link"}
        )
        assert shared.status_code in (200, 201), shared.text
        watched = client.post(
            "/api/v1/events",
            headers=member.auth,
            json={"events": [{"video_id": creator_video, "kind": "complete", "watched_s": 8}]},
        )
        assert watched.status_code == 202, watched.text
    top = client.post(
        f"/api/v1/videos/{creator_video}/comments", headers=zoe.auth, json={"body": "zoe was here"}
    ).json()
    reply = client.post(
        f"/api/v1/videos/{creator_video}/comments",
        headers=bob.auth,
        json={"body": "bob answers", "parent_id": top["id"]},
    )
    assert reply.status_code == 201, reply.text
    assert (
        client.post(
            f"/api/v1/videos/{creator_video}/comments", headers=bob.auth, json={"body": "bob on his own"}
        ).status_code
        == 201
    )
    assert client.post(f"/api/v1/videos/{zoe_video}/like", headers=bob.auth).status_code == 200
    assert client.post("/api/v1/me/addresses", headers=zoe.auth, json=ZOE_ADDRESS).status_code == 201
    added = client.post(
        "/api/v1/cart/items", headers=zoe.auth, json={"variant_id": variant_id, "quantity": 1}
    )
    assert added.status_code == 200, added.text
    paid = buy(client, zoe, variant_id, key="zoe-1", address=ZOE_ADDRESS)
    assert paid.status_code == 201, paid.text
    unpaid = buy(client, zoe, variant_id, key="zoe-2", card=DECLINED, address=ZOE_ADDRESS)
    assert unpaid.status_code in (201, 402), unpaid.text
    assert buy(client, bob, variant_id, key="bob-1").status_code == 201
    platform.jobs.drain()
    with everywhere(platform.databases).transaction() as uow:
        orders = {
            o.id: o.paid_at for o in uow.region("us").scalars(select(Order).where(Order.buyer_id == zoe.id))
        }
    paid_order = next(o for o, at in orders.items() if at is not None)
    unpaid_order = next(o for o, at in orders.items() if at is None)
    return World(zoe, bob, creator, merchant, creator_video, zoe_video, zoe_upload, paid_order, unpaid_order)


def export(client: TestClient, member: Member) -> zipfile.ZipFile:
    r = client.get("/api/v1/me/export", headers=member.auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(r.content))


def table(archive: zipfile.ZipFile, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(archive.read(f"{name}.json"))
    return rows


def test_the_export_holds_every_store_about_the_user_and_nothing_of_others(
    client: TestClient, platform: Platform, world: World, clips: dict[str, Path]
) -> None:
    zoe, bob = world.zoe, world.bob
    archive = export(client, zoe)
    names = set(archive.namelist())

    load_models()
    personal = {f"region/{t}.json" for t in owner_columns(RegionBase.metadata)}
    assert personal - names == set()  # every table that names its owner is in it

    [user] = table(archive, "region/users")
    assert (user["id"], user["email"], user["handle"]) == (zoe.id, zoe.email, "zoe_quartz")
    assert user["password_hash"].startswith("(withheld")
    assert [p["handle"] for p in table(archive, "directory/public_profiles")] == ["zoe_quartz"]
    assert [a["user_id"] for a in table(archive, "directory/account_index")] == [zoe.id]
    assert [v["id"] for v in table(archive, "directory/public_videos")] == [world.zoe_video]
    assert [c["body"] for c in table(archive, "directory/public_comments")] == ["zoe was here"]
    assert [c["body"] for c in table(archive, "region/comments")] == ["zoe was here"]
    assert [lk["video_id"] for lk in table(archive, "region/likes")] == [world.creator_video]
    assert [f["followee_id"] for f in table(archive, "region/follows")] == [world.creator.id]
    assert [w["video_id"] for w in table(archive, "region/watch_history")] == [world.creator_video]
    assert [a["line1"] for a in table(archive, "region/addresses")] == ["77 Quartz Lane"]
    assert sorted(o["id"] for o in table(archive, "region/orders")) == sorted(
        [world.paid_order, world.unpaid_order]
    )
    assert [u["id"] for u in table(archive, "region/uploads")] == [
        world.zoe_upload,
        *[u["id"] for u in table(archive, "region/uploads")[1:]],
    ]
    payments = table(archive, "region/payments")
    intents = table(archive, "payments/processor_intents")
    assert sorted(i["payment_id"] for i in intents) == sorted(p["id"] for p in payments)
    assert {i["status"] for i in intents} >= {"succeeded"}
    assert {i["amount"] for i in intents} == {p["amount"] for p in payments}

    media = {n for n in names if n.startswith("media/")}
    assert f"media/videos/{world.zoe_video}/hls/master.m3u8" in media
    assert archive.read(f"media/videos/{world.zoe_video}/hls/master.m3u8") == b"#EXTM3U zoe"
    assert any(n.startswith(f"media/avatars/{zoe.id}/") for n in media)
    assert archive.read(f"media/uploads/{world.zoe_upload}") == clips["silent"].read_bytes()
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["user_id"] == zoe.id and sorted(manifest["media"]) == sorted(media)

    text = "\n".join(archive.read(n).decode() for n in names if n.endswith(".json"))
    for other in (bob.id, bob.email, "bob_berg", "bob answers", world.merchant.email, world.creator.email):
        assert other not in text, other


def scan(platform: Platform, needles: list[str]) -> set[tuple[str, str, str]]:
    """Every (store, table, needle) where a row of any table of any store holds the needle."""
    load_models()
    found: set[tuple[str, str, str]] = set()
    with everywhere(platform.databases).transaction() as uow:
        stores = [("directory", uow.directory, DirectoryBase.metadata)] + [
            (region, uow.region(region), RegionBase.metadata) for region in platform.databases.regions
        ]
        for store, session, metadata in stores:
            for t in metadata.sorted_tables:
                for row in session.execute(select(t)):
                    text = json.dumps([str(v) for v in row], ensure_ascii=False)
                    found |= {(store, t.name, n) for n in needles if n in text}
    for region in platform.databases.regions:
        keys = platform.media_store(region).keys()
        found |= {(f"media {region}", k, n) for k in keys for n in needles if n in k}
        uploads = platform.upload_volumes[region].upload_ids()
        found |= {(f"uploads {region}", u, n) for u in uploads for n in needles if n in u}
    return found


def ledgers(platform: Platform) -> dict[str, dict[tuple[str, str], int]]:
    with everywhere(platform.databases).transaction() as uow:
        return {region: ledger.balances(uow.region(region)) for region in platform.databases.regions}


def assert_erased(platform: Platform, client: TestClient, world: World) -> None:
    zoe = world.zoe
    personal = [zoe.email, "zoe_quartz", "zoe was here", "Zoe Quartz", world.zoe_upload]
    # Kept on purpose: the paid order's address (the merchant ships it and keeps it with the sale).
    assert scan(platform, personal) == {("us", "orders", "Zoe Quartz")}
    # Her video is gone from every store; Bob's own region still records that he liked it (his data).
    assert {(s, t) for s, t, _ in scan(platform, [world.zoe_video])} == {
        ("eu", "likes"),
        ("eu", "events"),
        ("eu", "region_video_counts"),
    }
    # Her id stays only on the records the law keeps, the blanked account row and its erasure record, in
    # Bob's region as the creator of a video he liked (his event, naming an account that is no more), in
    # the creator's inbox among those who liked, followed and commented (theirs, shown now as "someone"),
    # and in her region's append-only access log, where the door opened her inbox for Bob's reply.
    assert {(s, t) for s, t, _ in scan(platform, [zoe.id])} == {
        ("us", "users"),
        ("us", "erasures"),
        ("us", "checkouts"),
        ("us", "orders"),
        ("us", "payments"),
        ("us", "audit_log"),
        ("eu", "events"),
        ("eu", "notification_actors"),
    }
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region("us")
        assert db.get_one(Order, world.paid_order).shipping_address["line1"] == "77 Quartz Lane"
        assert db.get_one(Order, world.unpaid_order).shipping_address == {}
        row = db.get_one(Erasure, zoe.id)
        assert row.state is ErasureState.DONE and row.steps == list(erasure.STEPS)
        video = uow.directory.get_one(PublicVideo, world.creator_video)
        # Bob's like, share and two comments (one a reply under Zoe's, which is gone): the counters moved
        # as if she had unliked, unshared and deleted her comment.
        assert (video.like_count, video.comment_count, video.share_count) == (1, 2, 1)
        creator = uow.directory.get_one(PublicProfile, world.creator.id)
        assert (creator.follower_count, creator.like_count) == (1, 1)
    assert check_residency(platform) == []


def test_deleting_an_account_erases_it_from_every_store_and_keeps_the_books(
    client: TestClient, platform: Platform, world: World
) -> None:
    zoe = world.zoe
    books = ledgers(platform)
    wrong = client.post("/api/v1/me/delete", headers=zoe.auth, json={"password": "not it"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_password"

    r = client.post("/api/v1/me/delete", headers=zoe.auth, json={"password": PASSWORD})
    assert r.status_code == 202 and r.json()["state"] == "pending"
    # Locked at once, before the job runs: no session works, the password logs no one in.
    assert client.get("/api/v1/me", headers=zoe.auth).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": zoe.email, "password": PASSWORD})
    assert login.status_code == 401

    platform.jobs.drain()
    assert_erased(platform, client, world)
    assert ledgers(platform) == books
    assert client.get("/api/v1/users/zoe_quartz").status_code == 404
    assert (
        client.post("/api/v1/auth/login", json={"email": zoe.email, "password": PASSWORD}).status_code == 401
    )

    again = client.post(
        "/api/v1/auth/signup",
        json={"email": zoe.email, "password": PASSWORD, "handle": "zoe_quartz", "country": "US"},
    )
    assert again.status_code == 201, again.text
    assert again.json()["user"]["id"] != zoe.id
    # Running the finished job again changes nothing.
    assert erasure.erase(platform, zoe.id) is True


class CrashAt:
    """Stands in for the process dying at one fault point: the step before it has committed, none after."""

    def __init__(self, point: str) -> None:
        self.point = point

    def hit(self, point: str) -> None:
        if point == self.point:
            raise SystemExit(f"killed at {point}")


@pytest.mark.parametrize("step", ["social", "videos", "shop"])
def test_an_erasure_cut_short_is_finished_by_the_reconciler(
    client: TestClient, platform: Platform, world: World, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    zoe = world.zoe
    books = ledgers(platform)
    assert client.post("/api/v1/me/delete", headers=zoe.auth, json={"password": PASSWORD}).status_code == 202
    monkeypatch.setattr(platform, "faults", CrashAt(f"erasure_after_{step}"))
    with pytest.raises(SystemExit):
        platform.jobs.drain()  # the job is taken off the queue and dies with its process
    with everywhere(platform.databases).transaction() as uow:
        row = uow.region("us").get_one(Erasure, zoe.id)
        done = list(erasure.STEPS[: erasure.STEPS.index(step) + 1])
        assert (row.state, row.steps) == (ErasureState.PENDING, done)

    monkeypatch.undo()
    assert erasure.reconcile(platform) == 1
    platform.jobs.drain()
    assert erasure.reconcile(platform) == 0
    assert_erased(platform, client, world)
    assert ledgers(platform) == books


def test_an_account_that_runs_an_open_shop_is_not_deleted_until_it_closes_it(
    client: TestClient, world: World
) -> None:
    merchant = world.merchant
    [shop] = client.get("/api/v1/me/shops", headers=merchant.auth).json()
    r = client.post("/api/v1/me/delete", headers=merchant.auth, json={"password": PASSWORD})
    assert (r.status_code, r.json()["code"], r.json()["shop_id"]) == (409, "owns_shop", shop["id"])
    assert f"POST /api/v1/shops/{shop['id']}/close" in r.json()["detail"]
    assert client.get("/api/v1/me", headers=merchant.auth).status_code == 200
    # Zoe's and Bob's orders are paid and not shipped yet: the shop cannot close, nor its owner leave.
    refused = client.post(f"/api/v1/shops/{shop['id']}/close", headers=merchant.auth)
    assert (refused.status_code, refused.json()["code"]) == (409, "shop_has_unfinished_orders")
    assert (
        client.post("/api/v1/me/delete", headers=merchant.auth, json={"password": PASSWORD}).status_code
        == 409
    )


def test_the_settings_page_offers_the_download_and_the_deletion(client: TestClient, alice: Member) -> None:
    away = client.get("/settings", follow_redirects=False)
    assert away.status_code in (302, 303) and away.headers["location"].startswith("/login")
    client.cookies.set("clipshop_session", alice.token)
    page = client.get("/settings")
    assert page.status_code == 200
    assert 'href="/api/v1/me/export"' in page.text and 'id="delete-form"' in page.text
    assert 'href="/settings"' in page.text  # in the menu
    client.cookies.clear()
