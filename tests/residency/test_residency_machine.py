"""Residency under random use: members in several regions sign up, post clips, like, follow, comment, buy
from shops in other regions, the shops fulfil and refund and close, and members download their data or
delete their accounts. After every step the residency check finds
nothing, every region's audit log verifies, and every step that reached another region's data left an
entry in that region's log under the actor's id."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from backends import START, Backend, make_settings
from clipshop.app import create_app
from clipshop.assembly import build_platform
from clipshop.jobs.queue import JobQueue
from clipshop.kit.everywhere import everywhere
from clipshop.residency import audit
from clipshop.residency.check import check_residency
from clipshop.residency.models import AuditEntry
from doubles import FrozenClock
from support import ADDRESS, CARD_OK, PASSWORD, Member, post_clip

COUNTRIES = {"US": "us", "DE": "eu", "AU": "au"}


def run_machine(backend: Backend, clip: Path) -> None:
    class Residency(RuleBasedStateMachine):
        members = Bundle("members")
        videos = Bundle("videos")

        def __init__(self) -> None:
            super().__init__()
            self.root = Path(tempfile.mkdtemp(prefix="residency-machine-"))
            self.platform = build_platform(
                make_settings(backend, self.root),
                clock=FrozenClock(START),
                jobs=JobQueue.from_settings(
                    backend="memory", sqlite_path="", redis_url="", name=f"m-{id(self)}"
                ),
            )
            self.client = TestClient(create_app(platform=self.platform))
            self.count = 0
            self.shops: dict[str, tuple[str, str]] = {}  # member id -> (shop id, variant id)
            self.orders: list[tuple[Member, Member, str]] = []  # buyer, merchant, order id
            self.to_ship: dict[str, set[str]] = {}  # merchant id -> paid orders not shipped yet
            self.closed: set[str] = set()  # merchants whose shop is closed
            self.by_id: dict[str, Member] = {}
            self.gone: set[str] = set()  # deleted accounts

        def teardown(self) -> None:
            self.client.close()
            self.platform.close()

        # -- helpers ---------------------------------------------------------------------------------------

        def log_size(self, region: str, actor_id: str) -> int:
            with everywhere(self.platform.databases).transaction() as uow:
                query = select(func.count()).select_from(AuditEntry).where(AuditEntry.actor_id == actor_id)
                return int(uow.region(region).scalar(query) or 0)

        def reaches(self, actor: Member, region: str, step: Any) -> Any:
            """Run `step`; when it reaches another region, that region's log must have grown by the actor."""
            before = self.log_size(region, actor.id)
            result = step()
            if region != actor.region:
                assert self.log_size(region, actor.id) > before, f"{actor.handle} reached {region} unlogged"
            return result

        # -- rules -----------------------------------------------------------------------------------------

        @rule(target=members, country=st.sampled_from(sorted(COUNTRIES)))
        def sign_up(self, country: str) -> Member:
            self.count += 1
            handle = f"m{self.count}{country.lower()}"
            r = self.client.post(
                "/api/v1/auth/signup",
                json={
                    "email": f"{handle}@example.com",
                    "password": PASSWORD,
                    "handle": handle,
                    "country": country,
                },
            )
            assert r.status_code == 201, r.text
            self.client.cookies.clear()
            body = r.json()
            member = Member(
                body["user"]["id"], handle, body["user"]["region"], f"{handle}@example.com", body["token"]
            )
            assert member.region == COUNTRIES[country]
            self.by_id[member.id] = member
            return member

        @rule(target=videos, member=members)
        def post(self, member: Member) -> str:
            if member.id in self.gone:
                return ""  # a deleted account posts nothing (the rules that take a video skip "")
            return str(
                post_clip(self.client, self.platform, member, clip, f"clip by {member.handle} #machine")["id"]
            )

        @rule(member=members, video=videos)
        def like(self, member: Member, video: str) -> None:
            if member.id in self.gone or not video:
                return
            r = self.client.post(f"/api/v1/videos/{video}/like", headers=member.auth)
            assert r.status_code in (200, 404), r.text  # a deleted creator's clip is gone

        @rule(
            member=members,
            video=videos,
            text=st.text(
                st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
            ),
        )
        def comment(self, member: Member, video: str, text: str) -> None:
            if member.id in self.gone or not video:
                return
            r = self.client.post(f"/api/v1/videos/{video}/comments", headers=member.auth, json={"body": text})
            assert r.status_code in (201, 404, 422), r.text

        @rule(member=members, other=members)
        def follow(self, member: Member, other: Member) -> None:
            if {member.id, other.id} & self.gone:
                return
            r = self.client.post(f"/api/v1/users/{other.handle}/follow", headers=member.auth)
            assert r.status_code in (200, 422), r.text  # following oneself is refused

        @rule(member=members)
        def open_shop(self, member: Member) -> None:
            if member.id in self.shops or member.id in self.gone:
                return
            r = self.client.post(
                "/api/v1/shops",
                headers=member.auth,
                json={"handle": f"shop-{member.handle}", "name": member.handle, "currency": "USD"},
            )
            assert r.status_code == 201, r.text
            shop = r.json()["id"]
            p = self.client.post(
                f"/api/v1/shops/{shop}/products",
                headers=member.auth,
                json={
                    "title": "Mug",
                    "images": [],
                    "variants": [{"sku": "M-1", "price": 1500, "stock": 1000}],
                },
            )
            assert p.status_code == 201, p.text
            self.shops[member.id] = (shop, p.json()["variants"][0]["id"])

        @precondition(lambda self: bool(self.shops))
        @rule(buyer=members, pick=st.integers(min_value=0))
        def buy(self, buyer: Member, pick: int) -> None:
            if buyer.id in self.gone:
                return
            merchant_id = sorted(self.shops)[pick % len(self.shops)]
            merchant = self.by_id[merchant_id]
            _, variant = self.shops[merchant_id]
            if merchant_id in self.closed:
                r = self.client.post(
                    "/api/v1/checkout",
                    headers={**buyer.auth, "Idempotency-Key": f"closed{self.count}-{pick}-{buyer.id}"},
                    json={
                        "items": [{"variant_id": variant, "quantity": 1}],
                        "address": ADDRESS,
                        "payment_method": CARD_OK,
                    },
                )
                assert (r.status_code, r.json()["code"]) == (409, "shop_closed"), r.text
                return

            def checkout() -> Any:
                r = self.client.post(
                    "/api/v1/checkout",
                    headers={**buyer.auth, "Idempotency-Key": f"k{self.count}-{pick}-{buyer.id}"},
                    json={
                        "items": [{"variant_id": variant, "quantity": 1}],
                        "address": ADDRESS,
                        "payment_method": CARD_OK,
                    },
                )
                assert r.status_code == 201, r.text
                self.platform.jobs.drain()
                return r.json()["orders"][0]["id"]

            self.count += 1
            order = self.reaches(buyer, merchant.region, checkout)
            self.orders.append((buyer, merchant, order))
            self.to_ship.setdefault(merchant.id, set()).add(order)

        @precondition(lambda self: bool(self.orders))
        @rule(pick=st.integers(min_value=0), refund=st.booleans())
        def the_shop_acts(self, pick: int, refund: bool) -> None:
            buyer, merchant, order = self.orders[pick % len(self.orders)]
            if merchant.id in self.gone:
                return
            shop, _ = self.shops[merchant.id]

            def act() -> None:
                if refund:
                    r = self.client.post(
                        f"/api/v1/shops/{shop}/orders/{order}/refunds",
                        headers={**merchant.auth, "Idempotency-Key": f"r{order}-{self.count}"},
                        json={"amount": 1, "reason": "a scratch"},
                    )
                else:
                    r = self.client.post(
                        f"/api/v1/shops/{shop}/orders/{order}/fulfil",
                        headers=merchant.auth,
                        json={"carrier": "DHL", "tracking_number": "T1"},
                    )
                assert r.status_code in (200, 201, 409, 422), (
                    r.text
                )  # a second fulfil or an over-refund: refused
                if not refund and r.status_code == 200:
                    self.to_ship[merchant.id].discard(order)
                self.platform.jobs.drain()

            self.count += 1
            self.reaches(merchant, buyer.region, act)

        @rule(member=members)
        def close_my_shop(self, member: Member) -> None:
            if member.id not in self.shops or member.id in self.gone:
                return
            shop, _ = self.shops[member.id]
            abroad = [r for r in self.platform.databases.regions if r != member.region]
            before = {region: self.log_size(region, member.id) for region in abroad}
            r = self.client.post(f"/api/v1/shops/{shop}/close", headers=member.auth)
            if member.id in self.closed:  # closing a closed shop answers the same, asking no one
                assert r.status_code == 200 and r.json()["closed_at"], r.text
                return
            # Each region was asked for the shop's unfinished orders, through the door, and logged it.
            assert all(self.log_size(region, member.id) > before[region] for region in abroad)
            if self.to_ship.get(member.id):
                assert (r.status_code, r.json()["code"]) == (409, "shop_has_unfinished_orders"), r.text
                return
            assert r.status_code == 200 and r.json()["closed_at"], r.text
            self.closed.add(member.id)
            assert self.client.get(f"/api/v1/shops/{shop}").status_code == 404

        @rule(member=members)
        def download_my_data(self, member: Member) -> None:
            if member.id in self.gone:
                return
            r = self.client.get("/api/v1/me/export", headers=member.auth)
            assert r.status_code == 200, r.text
            with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
                names = archive.namelist()
                assert "manifest.json" in names
                everything = b"".join(archive.read(n) for n in names if n.endswith(".json"))
            assert member.email.encode() in everything
            others = [m for m in self.by_id.values() if m.id != member.id]
            assert not [m.email for m in others if m.email.encode() in everything]

        @rule(member=members)
        def delete_my_account(self, member: Member) -> None:
            if member.id in self.gone:
                return
            r = self.client.post("/api/v1/me/delete", headers=member.auth, json={"password": PASSWORD})
            if member.id in self.shops and member.id not in self.closed:
                assert (r.status_code, r.json()["code"]) == (409, "owns_shop")
                return
            assert r.status_code == 202, r.text
            self.client.cookies.clear()
            self.platform.jobs.drain()
            self.gone.add(member.id)
            self.orders = [o for o in self.orders if o[0].id != member.id]
            assert self.client.get("/api/v1/me", headers=member.auth).status_code == 401

        # -- what must always hold -------------------------------------------------------------------------

        @invariant()
        def no_personal_data_outside_its_region(self) -> None:
            assert [str(v) for v in check_residency(self.platform)] == []

        @invariant()
        def every_audit_log_verifies(self) -> None:
            for region, engine in self.platform.databases.region_engines.items():
                verification = audit.verify(engine)
                assert verification.ok, (region, verification)

    run_state_machine_as_test(
        Residency,
        settings=settings(
            max_examples=3,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_random_members_across_regions_leave_no_personal_data_abroad_and_every_reach_logged(
    backend: Backend, clips: dict[str, Path]
) -> None:
    run_machine(backend, clips["silent"])
