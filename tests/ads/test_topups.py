"""Advertiser accounts and top-ups over the API, on SQLite and PostgreSQL: a top-up is credited to the balance
once the payment provider confirms it, exactly once however often the confirmation comes or the request is
retried; refused cards fail it, a card that needs the bank's check waits for the payer; one whose request died
is finished by a periodic job from what the provider knows; accounts are their owner's alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from advertising import API, ok, open_advertiser, problem, top_up
from clipshop.ads import advertisers, balances
from clipshop.kit.everywhere import everywhere
from clipshop.payments.sandbox import AUTHENTICATION_REQUIRED, DECLINED, SandboxProvider
from clipshop.platform import Platform
from clipshop.shop.ledger.models import LedgerEntry, LedgerTransaction
from clipshop.shop.payments import webhooks
from doubles import FrozenClock
from support import Member, open_shop


class Died(Exception):
    """Stands in for the request's process dying."""


def dying_after(charge: Any) -> Any:
    """The provider's create_intent, but the request's process dies right after it charged the card."""

    def charge_then_die(**kwargs: Any) -> Any:
        charge(**kwargs)
        raise Died("the process died right after the provider charged the card")

    return charge_then_die


def sandbox(platform: Platform) -> SandboxProvider:
    assert isinstance(platform.payments, SandboxProvider)
    return platform.payments


def topup_books(platform: Platform, region: str) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """Every `ad_topup` transaction of the region's ledger: (reference, currency, its entries)."""
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        found = []
        for tx in db.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == "ad_topup")):
            entries = db.execute(
                select(LedgerEntry.account, LedgerEntry.amount)
                .where(LedgerEntry.transaction_id == tx.id)
                .order_by(LedgerEntry.account)
            )
            found.append((tx.reference, tx.currency, [(a, int(n)) for a, n in entries]))
        return sorted(found)


def balance(client: TestClient, member: Member, advertiser_id: str) -> int:
    return int(ok(client.get(f"{API}/advertisers/{advertiser_id}", headers=member.auth))["balance"])


def test_a_paid_top_up_is_credited_once_however_often_the_provider_confirms_it(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    account = open_advertiser(client, alice, "Alice Brand")
    assert (account["kind"], account["currency"], account["balance"], account["shop_id"]) == (
        "brand",
        "USD",
        0,
        None,
    )
    topup = ok(top_up(client, alice, account["id"], 5000, key="first"), 201)
    # The sandbox confirms by webhook: pending until its delivery job runs.
    assert (topup["amount"], topup["currency"], topup["status"], topup["next_url"]) == (
        5000,
        "USD",
        "pending",
        None,
    )
    assert balance(client, alice, account["id"]) == 0

    platform.jobs.drain()
    listed = ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth))
    assert [(t["id"], t["status"]) for t in listed] == [(topup["id"], "paid")]
    assert balance(client, alice, account["id"]) == 5000
    books = [(topup["id"], "USD", [(balances.account(account["id"]), -5000), ("cash:sandbox", 5000)])]
    assert topup_books(platform, "us") == books

    # Every event about it delivered again (a provider delivers at least once): nothing more is credited.
    events = sandbox(platform).all_events()
    assert {e.type for e in events} == {"payment_intent.processing", "payment_intent.succeeded"}
    for event in events:
        payload, signature = sandbox(platform).signed(event)
        assert webhooks.receive(platform, payload=payload, signature=signature) is False
    assert balance(client, alice, account["id"]) == 5000
    assert topup_books(platform, "us") == books

    clock.advance(seconds=1)
    second = ok(top_up(client, alice, account["id"], 700), 201)
    platform.jobs.drain()
    assert second["id"] != topup["id"]
    assert balance(client, alice, account["id"]) == 5700
    listed = ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth))
    assert [t["amount"] for t in listed] == [700, 5000]  # newest first


def test_a_retried_top_up_charges_once_and_answers_as_the_first(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    account = open_advertiser(client, alice)
    first = ok(top_up(client, alice, account["id"], 2500, key="k-1"), 201)
    again = ok(top_up(client, alice, account["id"], 2500, key="k-1"), 201)
    assert again == first
    problem(top_up(client, alice, account["id"], 2600, key="k-1"), 422, "idempotency_key_reused")
    platform.jobs.drain()
    assert ok(top_up(client, alice, account["id"], 2500, key="k-1"), 201) == first  # the stored answer
    assert [c.amount for c in sandbox(platform).charges()] == [2500]
    assert balance(client, alice, account["id"]) == 2500


def test_a_retry_after_the_first_request_died_finishes_its_top_up_without_charging_again(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = open_advertiser(client, alice)
    provider = sandbox(platform)
    charge = provider.create_intent
    monkeypatch.setattr(platform, "settings", platform.settings.with_overrides(idempotency_wait_s=0.0))
    monkeypatch.setattr(provider, "create_intent", dying_after(charge))
    with pytest.raises(Died):
        top_up(client, alice, account["id"], 3000, key="dies")
    monkeypatch.setattr(provider, "create_intent", charge)
    # While the dead request's claim holds, a retry is told to wait; once its lease ran out, it takes over.
    problem(top_up(client, alice, account["id"], 3000, key="dies"), 409, "request_in_flight")
    clock.advance(seconds=platform.settings.idempotency_lease_s + 1)
    finished = ok(top_up(client, alice, account["id"], 3000, key="dies"), 201)
    platform.jobs.drain()
    assert [c.amount for c in provider.charges()] == [3000]
    listed = ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth))
    assert [(t["id"], t["status"]) for t in listed] == [(finished["id"], "paid")]
    assert balance(client, alice, account["id"]) == 3000
    assert [ref for ref, *_ in topup_books(platform, "us")] == [finished["id"]]


def test_a_refused_card_fails_the_top_up_and_one_that_needs_the_bank_waits_for_the_payer(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    account = open_advertiser(client, alice)
    refused = ok(top_up(client, alice, account["id"], 1000, key="refused", card=DECLINED), 201)
    assert (refused["status"], refused["next_url"]) == ("failed", None)

    waiting = ok(top_up(client, alice, account["id"], 1500, key="3ds", card=AUTHENTICATION_REQUIRED), 201)
    assert waiting["status"] == "pending" and waiting["next_url"].startswith("/sandbox/payments/")
    platform.jobs.drain()
    listed = {
        t["id"]: t for t in ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth))
    }
    assert listed[waiting["id"]]["next_url"] == waiting["next_url"]  # still there for the payer
    assert balance(client, alice, account["id"]) == 0

    ref = waiting["next_url"].split("/")[3]
    ok(client.post(f"{API}/sandbox/payments/{ref}/authenticate", json={"approve": True}))
    platform.jobs.drain()
    listed = {
        t["id"]: t for t in ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth))
    }
    assert [(listed[i]["status"], listed[i]["next_url"]) for i in (refused["id"], waiting["id"])] == [
        ("failed", None),
        ("paid", None),
    ]
    assert balance(client, alice, account["id"]) == 1500


def test_top_ups_between_the_minimum_and_the_maximum(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    account = open_advertiser(client, alice)
    settings = platform.settings
    small = problem(top_up(client, alice, account["id"], settings.ads_topup_min - 1), 422, "topup_too_small")
    assert (small["field"], small["minimum"]) == ("amount", settings.ads_topup_min)
    large = problem(top_up(client, alice, account["id"], settings.ads_topup_max + 1), 422, "topup_too_large")
    assert large["maximum"] == settings.ads_topup_max
    assert sandbox(platform).charges() == []
    assert (
        ok(top_up(client, alice, account["id"], settings.ads_topup_min), 201)["amount"]
        == settings.ads_topup_min
    )


def test_a_shops_account_is_its_owners_in_the_shops_currency(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any
) -> None:
    shop_id = open_shop(client, alice, "alice-goods", currency="EUR")
    problem(
        client.post(f"{API}/advertisers", headers=bob.auth, json={"kind": "shop", "shop_id": shop_id}),
        404,
        "not_found",
    )
    carol = sign_up("carol", "US")
    staff = client.post(f"{API}/shops/{shop_id}/staff", headers=alice.auth, json={"user_id": carol.id})
    assert staff.status_code == 201, staff.text
    # Staff run the shop but only its owner opens its advertiser account.
    problem(
        client.post(f"{API}/advertisers", headers=carol.auth, json={"kind": "shop", "shop_id": shop_id}),
        404,
        "not_found",
    )
    problem(
        client.post(
            f"{API}/advertisers",
            headers=alice.auth,
            json={"kind": "shop", "shop_id": shop_id, "currency": "USD"},
        ),
        422,
        "currency_mismatch",
    )
    problem(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"kind": "shop"}), 422, "shop_required"
    )
    problem(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"name": "x", "shop_id": shop_id}),
        422,
        "shop_for_brand",
    )
    problem(client.post(f"{API}/advertisers", headers=alice.auth, json={"name": " "}), 422, "invalid_name")
    problem(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"name": "x", "currency": "ZZZ"}),
        422,
        "invalid_currency",
    )
    account = ok(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"kind": "shop", "shop_id": shop_id}), 201
    )
    assert (account["kind"], account["shop_id"], account["currency"], account["name"]) == (
        "shop",
        shop_id,
        "EUR",
        "Alice-Goods",
    )
    problem(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"kind": "shop", "shop_id": shop_id}),
        409,
        "shop_has_advertiser",
    )
    ok(top_up(client, alice, account["id"], 900), 201)
    platform.jobs.drain()
    assert balance(client, alice, account["id"]) == 900
    books = topup_books(platform, "us")
    assert [(currency, entries) for _, currency, entries in books] == [
        ("EUR", [(balances.account(account["id"]), -900), ("cash:sandbox", 900)])
    ]


def test_accounts_and_their_top_ups_are_their_owners_alone(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    mine = open_advertiser(client, alice, "Alice Brand")
    theirs = open_advertiser(client, bob, "Bob Brand", currency="eur")
    assert theirs["currency"] == "EUR" and theirs["id"].startswith("eu_")  # in its owner's home region
    assert [a["id"] for a in ok(client.get(f"{API}/advertisers", headers=alice.auth))] == [mine["id"]]
    for url in (f"{API}/advertisers/{mine['id']}", f"{API}/advertisers/{mine['id']}/topups"):
        problem(client.get(url, headers=bob.auth), 404, "not_found")
    problem(top_up(client, bob, mine["id"], 1000, key="b"), 404, "not_found")
    problem(top_up(client, bob, "us_not-an-id", 1000), 404, "not_found")
    assert sandbox(platform).charges() == []
    assert client.get(f"{API}/advertisers").status_code == 401


def test_top_ups_whose_request_died_are_failed_if_never_charged_and_credited_once_if_charged(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = open_advertiser(client, alice)
    provider = sandbox(platform)
    charge = provider.create_intent

    def die_before_charging(**kwargs: Any) -> Any:
        raise Died("the process died before it asked the provider")

    for dying in (die_before_charging, dying_after(charge)):  # sent without a key: nobody retries them
        monkeypatch.setattr(provider, "create_intent", dying)
        with pytest.raises(Died):
            top_up(client, alice, account["id"], 2500)
        clock.advance(seconds=1)
    monkeypatch.setattr(provider, "create_intent", charge)
    never, charged = sorted(
        ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth)),
        key=lambda t: t["created_at"],
    )
    assert [never["status"], charged["status"]] == ["pending", "pending"]

    # Too young to tell from a request still under way: left alone.
    assert advertisers.recover_topups(platform, region="us", older_than=timedelta(minutes=2)) == 0
    clock.advance(seconds=120)
    assert advertisers.run_topup_recovery(platform) == 2  # every region; the webhook was not delivered yet
    listed = ok(client.get(f"{API}/advertisers/{account['id']}/topups", headers=alice.auth))
    assert {t["id"]: t["status"] for t in listed} == {never["id"]: "failed", charged["id"]: "paid"}
    platform.jobs.drain()  # the provider's webhooks come after all: nothing is credited twice
    assert [c.amount for c in provider.charges()] == [2500]
    assert balance(client, alice, account["id"]) == 2500
    assert [ref for ref, *_ in topup_books(platform, "us")] == [charged["id"]]
    assert advertisers.run_topup_recovery(platform) == 0
