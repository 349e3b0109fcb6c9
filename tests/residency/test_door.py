"""The one door between regions: a unit of work reaches only its home region's personal data, the residency
gateway opens another's when the policy grants it, and every decision lands in that region's audit log,
denials too, whatever becomes of the request."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import clipshop
from clipshop.accounts import service as accounts
from clipshop.accounts.models import User
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import ForeignRegion, RegionBase
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency import audit, gateway, policy
from clipshop.residency.models import AuditEntry
from clipshop.shop.catalog.models import Product
from support import Member, a_product, buy, open_shop

SOURCE = Path(clipshop.__file__).parent


def entries(platform: Platform, region: str) -> list[AuditEntry]:
    with everywhere(platform.databases).transaction() as uow:
        return list(uow.region(region).scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def staff(platform: Platform, member: Member, role: Role, jurisdiction: str) -> Actor:
    with everywhere(platform.databases).transaction() as uow:
        user = accounts.make_staff(uow, user_id=member.id, role=role, jurisdiction=jurisdiction)
        return accounts.actor_of(user)


# -- by structure ------------------------------------------------------------------------------------------


def test_a_unit_of_work_reads_another_regions_public_rows_but_never_its_personal_ones(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    shop_id = open_shop(client, bob, "bobs-shop", currency="EUR")
    product = a_product(client, bob, shop_id)
    alice_actor = Actor(id=alice.id, region="us", handle=alice.handle)
    with platform.uow(actor=alice_actor).transaction() as uow:
        assert uow.region("us").get(User, alice.id) is not None  # at home: anything
        assert uow.region("eu").get(Product, product["id"]) is not None  # public content: open
        with pytest.raises(ForeignRegion, match="contact"):
            uow.region("eu").get(User, bob.id)
        with pytest.raises(ForeignRegion, match="raw_sql"):
            uow.region("eu").connection()
    uow = platform.uow(actor=alice_actor)
    uow.region("eu").get_one(Product, product["id"]).title = "Renamed from abroad"
    with pytest.raises(ForeignRegion, match="write public_content"):
        uow.region("eu").flush()
    uow.rollback()
    uow.close()
    anonymous = platform.uow()
    with pytest.raises(ForeignRegion):
        anonymous.region("us").get(User, alice.id)
    anonymous.close()


def test_only_the_gateway_admits_a_foreign_region() -> None:
    """`UnitOfWork.admit` is the door's hinge: no module but the gateway may call it."""
    callers = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("admit", "_everywhere"):
                callers.append(str(path.relative_to(SOURCE)))
    assert sorted(set(callers)) == ["kit/db/unit_of_work.py", "kit/everywhere.py", "residency/gateway.py"]


def test_every_region_table_is_classed_and_every_owned_table_but_a_shop_is_personal() -> None:
    from clipshop.migrations import load_models
    from clipshop.residency.check import owner_columns

    load_models()
    rules = policy.load()
    tables = set(RegionBase.metadata.tables)
    assert rules.unclassified(tables) == []
    personal = rules.personal_classes()
    owned = set(owner_columns(RegionBase.metadata))
    # A shop names its owner, in public on purpose (its storefront shows who runs it); all else is personal.
    assert {t for t in owned if rules.class_of(t) not in personal} == {"shops"}


def test_a_policy_that_names_an_unknown_class_or_purpose_is_refused() -> None:
    base: dict[str, Any] = {"classes": {"contact": {"tables": ["users"]}}, "purposes": {"support": ""}}
    grant = {"role": "support", "jurisdiction": "home", "purpose": "support", "fields": ["*"]}
    with pytest.raises(policy.PolicyError, match="no data class 'orders'"):
        policy.parse({**base, "grants": [{**grant, "data_class": "orders"}]})
    with pytest.raises(policy.PolicyError, match="no purpose 'curiosity'"):
        policy.parse({**base, "grants": [{**grant, "data_class": "contact", "purpose": "curiosity"}]})
    with pytest.raises(policy.PolicyError, match="both"):
        policy.parse({"classes": {"a": {"tables": ["users"]}, "b": {"tables": ["users"]}}})
    assert policy.parse({**base, "grants": [{**grant, "data_class": "contact"}]}).grants


# -- denials and grants ------------------------------------------------------------------------------------


def test_a_moderator_from_another_jurisdiction_is_refused_and_the_refusal_is_logged(
    platform: Platform, alice: Member, bob: Member
) -> None:
    moderator = staff(platform, bob, Role.MODERATOR, "eu")
    uow = platform.uow(actor=moderator)
    with pytest.raises(gateway.AccessDenied) as refused:
        gateway.access(uow, "us", data_class="private_content", purpose="moderation", records=["v1"])
    uow.rollback()  # the request fails: its own transaction is rolled back, the log is not
    uow.close()
    assert refused.value.status == 403 and refused.value.code == "access_denied"
    (entry,) = entries(platform, "us")
    assert (entry.actor_id, entry.role, entry.jurisdiction, entry.result) == (
        bob.id,
        "moderator",
        "eu",
        "denied",
    )
    assert entry.purpose == "moderation" and "no grant" in entry.reason
    assert audit.verify(platform.databases.region_engines["us"]).ok


def test_support_reads_contact_details_at_home_with_a_ticket_and_never_without_a_purpose(
    platform: Platform, alice: Member, sign_up: Any
) -> None:
    agent = staff(platform, sign_up("agent", "US"), Role.SUPPORT, "us")
    uow = platform.uow(actor=agent)
    with pytest.raises(gateway.AccessDenied):
        gateway.access(uow, "us", data_class="contact", purpose="service", records=[alice.id])
    door = gateway.access(
        uow, "us", data_class="contact", purpose="support", records=[alice.id], reason="ticket 42"
    )
    assert door.db.get_one(User, alice.id).email == alice.email
    assert door.shows("email") and not door.shows("password_hash")
    uow.close()
    denied, allowed = entries(platform, "us")
    assert (denied.result, allowed.result) == ("denied", "allowed")
    assert allowed.reason == "ticket 42" and alice.id in allowed.records


def test_staff_roles_cannot_be_claimed(platform: Platform, alice: Member) -> None:
    actor = Actor(id=alice.id, region="us", handle=alice.handle)
    with platform.uow(actor=actor).transaction() as uow, pytest.raises(gateway.AccessDenied):
        gateway.access(uow, "us", data_class="*", purpose="legal_request", role=Role.OPERATOR)
    (entry,) = entries(platform, "us")
    assert entry.result == "denied" and "cannot act as operator" in entry.reason


def test_a_merchant_reading_another_shops_order_gets_a_403_and_a_logged_denial(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any
) -> None:
    """Bob (eu) runs a shop; Carol (eu) runs another; Alice (us) buys from Bob. Carol asks her own shop's
    orders endpoint for Alice's order: refused, and the refusal is in the log of Alice's region."""
    carol = sign_up("carol", "FR")
    bobs = open_shop(client, bob, "bobs-shop", currency="EUR")
    carols = open_shop(client, carol, "carols-shop", currency="EUR")
    variant = a_product(client, bob, bobs)["variants"][0]["id"]
    r = buy(client, alice, variant, key="k1")
    assert r.status_code in (200, 201), r.text
    order_id = r.json()["orders"][0]["id"]

    r = client.get(f"/api/v1/shops/{carols}/orders/{order_id}", headers=carol.auth)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "access_denied"
    r = client.get(f"/api/v1/shops/{bobs}/orders/{order_id}", headers=bob.auth)
    assert r.status_code == 200 and "email" not in r.text

    log = entries(platform, "us")
    refusals = [e for e in log if e.actor_id == carol.id and e.result == "denied"]
    assert len(refusals) == 1 and order_id in refusals[0].records and refusals[0].role == "merchant"
    assert any(e.actor_id == bob.id and e.result == "allowed" and order_id in e.records for e in log)
    # Alice's checkout took stock in Bob's region through the door, and said so there.
    assert {(e.actor_id, e.purpose, e.data_class) for e in entries(platform, "eu")} >= {
        (alice.id, "checkout", "public_content"),
        (alice.id, "checkout", "business"),
    }
    assert audit.verify(platform.databases.region_engines["us"]).ok


def test_staff_are_made_by_the_staff_add_command_only(
    platform: Platform, settings: Any, alice: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from clipshop.cli import app
    from support import settings_environ

    for name, value in settings_environ(settings).items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    refused = runner.invoke(app, ["staff", "add", f"@{alice.handle}", "--role", "merchant"])
    assert refused.exit_code != 0
    made = runner.invoke(
        app, ["staff", "add", f"@{alice.handle}", "--role", "support", "--jurisdiction", "eu"]
    )
    assert made.exit_code == 0, made.output
    assert "support" in made.output
    with everywhere(platform.databases).transaction() as uow:
        actor = accounts.actor_of(uow.region("us").get_one(User, alice.id))
    assert (actor.role, actor.jurisdiction, actor.is_staff) == (Role.SUPPORT, "eu", True)
