"""The advertiser's money under random histories of top-ups, served ads with valid and invalid impressions and
clicks, rebalancing, billing runs and time passing (days too): the balance is top-ups less billed spend to
the unit; after a billing run each (campaign, region, day) is billed the whole units it spent and no more;
what the slices spent is exactly what the recorded events were charged; invalid traffic is never charged;
and nothing is ever spent beyond the money paid in."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from factory import Promoted, a_campaign, an_advertiser, serve, top_up
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st
from sqlalchemy import func, select

from clipshop.accounts.models import User
from clipshop.accounts.service import open_session
from clipshop.ads import balances
from clipshop.ads.billing import bill
from clipshop.ads.models import MICROS, AdBilling, AdBudgetSlice, AdEvent, BidType, Campaign, CampaignStatus
from clipshop.ads.projection import project_campaign
from clipshop.ads.rebalancing import rebalance
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.ledger.models import LedgerEntry, LedgerTransaction
from doubles import FrozenClock
from support import Member, a_public_video, quick_members

TRAFFIC = ["valid", "valid", "repeat", "rapid", "staff"]
# The auction's price of an event, micros: from a CPM's fraction of a unit up to a CPC's few units.
PRICES = st.one_of(st.sampled_from([7_919, 999_999, 1_333_337, 2_500_000]), st.integers(100_000, 2_500_000))
EVENTS = st.tuples(
    st.sampled_from(["impression", "click"]),
    st.integers(0, 2),  # which viewer
    PRICES,
    st.sampled_from(TRAFFIC),
    st.integers(1, 6),  # how many served ads
)
# A round: a top-up (0: none), whether the job rebalances, what viewers do, whether billing runs, and how long
# until the next round (under the days billing reads live, over a whole history).
ROUNDS = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.booleans(),
        st.lists(EVENTS, min_size=1, max_size=4),
        st.booleans(),
        st.integers(0, 600),
    ),
    min_size=1,
    max_size=6,
)


def as_operations(first_topup: int, rounds: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    ops: list[tuple[Any, ...]] = [("topup", first_topup), ("rebalance",)]
    for topup, rebalances, events, bills, wait in rounds:
        ops += (
            [("topup", topup)]
            + [("rebalance",)] * rebalances
            + events
            + [("bill",)] * bills
            + [("wait", wait)]
        )
    return [*ops, ("bill",)]


@dataclass
class People:
    owner: Member
    viewers: list[Member]
    video_id: str
    examples: int = 0


@dataclass
class Model:
    """What the money should be, from the test's own records."""

    advertiser_id: str
    cpm: Promoted
    cpc: Promoted
    paid_in: int = 0
    billed_once: bool = False
    served: dict[str, int] = field(default_factory=dict)  # served id -> price
    invalid: dict[str, str] = field(default_factory=dict)  # served id -> the traffic made of it


@pytest.fixture
def people(platform: Platform) -> People:
    owner, creator = quick_members(platform, "us", 2, "usm")
    viewers = quick_members(platform, "eu", 2, "eum") + quick_members(platform, "au", 1, "aum")
    return People(owner, viewers, a_public_video(platform, creator, "#linen"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first_topup=st.integers(0, 12), rounds=ROUNDS)
def test_random_histories_keep_the_advertisers_money_exact(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    people: People,
    first_topup: int,
    rounds: list[tuple[Any, ...]],
) -> None:
    people.examples += 1
    advertiser_id = an_advertiser(platform, people.owner, name=f"Brand {people.examples}")
    model = Model(
        advertiser_id,
        cpm=a_campaign(
            platform,
            advertiser_id,
            video_id=people.video_id,
            daily_budget=30,
            bid_type=BidType.CPM,
            regions="eu au",
        ),
        cpc=a_campaign(
            platform,
            advertiser_id,
            video_id=people.video_id,
            daily_budget=9,
            bid_type=BidType.CPC,
            regions="eu au",
        ),
    )
    for op in as_operations(first_topup, rounds):
        if op[0] == "topup":
            if op[1]:
                top_up(platform, advertiser_id, op[1])
                model.paid_in += op[1]
        elif op[0] in ("impression", "click"):
            _, which, price, traffic, count = op
            rows = model.cpm if op[0] == "impression" else model.cpc
            viewer = people.owner if traffic == "staff" else people.viewers[which]
            ago = timedelta(seconds=0.5 if traffic == "rapid" else 30)
            reports = []
            for n in range(count):
                served = serve(platform, viewer, rows, price_micros=price + n, at=clock.now() - ago)
                model.served[served], model.invalid[served] = price + n, traffic
                reports += [{"served_id": served, "kind": op[0]}] * (2 if traffic == "repeat" else 1)
            r = client.post(
                "/api/v1/ads/events", headers=signed_in(platform, viewer), json={"events": reports}
            )
            assert r.status_code == 202 and r.json()["accepted"] == len(reports), r.text
        elif op[0] == "rebalance":
            rebalance(platform)
        elif op[0] == "bill":
            bill(platform)
            model.billed_once = True
        else:
            clock.advance(minutes=op[1])
        spent = check(platform, model, billed_just_now=op[0] == "bill")
    # steer the search toward histories that spend all the money there is
    target(spent / max(model.paid_in * MICROS, 1), label="share of the money spent")
    _stop(platform, model)


def signed_in(platform: Platform, member: Member) -> dict[str, str]:
    """A bearer header of a session opened now (the clock runs on across examples, past older sessions)."""
    with everywhere(platform.databases).transaction() as uow:
        user = uow.region(member.region).get_one(User, member.id)
        token = open_session(uow, user=user, now=platform.clock.now(), days=1).token
    return {"Authorization": f"Bearer {token}"}


def check(platform: Platform, model: Model, *, billed_just_now: bool) -> int:
    """Check the money after one step; returns the micros spent so far."""
    campaigns = (model.cpm.campaign_id, model.cpc.campaign_id)
    with everywhere(platform.databases).transaction() as uow:
        charged: dict[tuple[str, str, date], int] = defaultdict(int)
        spent: dict[tuple[str, str, date], int] = {}
        for region in uow.databases.regions:
            db = uow.region(region)
            for e in db.scalars(
                select(AdEvent).where(AdEvent.campaign_id.in_(campaigns), AdEvent.kind != "served")
            ):
                traffic = model.invalid[e.served_id or ""]
                if e.invalid in ("repeat", "rapid", "staff"):
                    assert e.price_micros == 0  # invalid traffic is never charged
                else:
                    assert traffic in ("valid", "repeat")  # the first of a repeat counts
                    billable = (e.kind == "impression") == (e.campaign_id == model.cpm.campaign_id)
                    expected = model.served[e.served_id or ""] if billable and e.invalid == "" else 0
                    assert e.price_micros == expected
                if traffic == "rapid":
                    assert e.invalid == "rapid"
                if traffic == "staff":  # or rapid, when the same person clicked the ad seconds before
                    assert e.invalid in ("staff", "rapid")
                charged[(e.campaign_id, region, e.created_at.date())] += e.price_micros
            for s in db.scalars(select(AdBudgetSlice).where(AdBudgetSlice.campaign_id.in_(campaigns))):
                assert s.spent_micros <= s.allotted_micros
                spent[(s.campaign_id, region, s.day)] = s.spent_micros
        # the slices spent exactly what the events were charged
        assert {k: v for k, v in spent.items() if v} == {k: v for k, v in charged.items() if v}
        # nothing is spent beyond the money paid in
        assert sum(spent.values()) <= model.paid_in * MICROS

        home = uow.region("us")
        rows = list(home.scalars(select(AdBilling).where(AdBilling.campaign_id.in_(campaigns))))
        billed = sum(b.billed for b in rows)
        posted = home.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerEntry.account == balances.account(model.advertiser_id),
                LedgerTransaction.kind == balances.AD_SPEND,
            )
        )
        assert posted == billed
        balance = balances.balance(uow, advertiser_id=model.advertiser_id, currency="USD")
        assert balance == model.paid_in - billed >= 0
        if billed_just_now:
            for b in rows:
                assert b.spent_micros == spent.get((b.campaign_id, b.region, b.day), 0)
                assert b.billed * MICROS <= b.spent_micros < (b.billed + 1) * MICROS
            billable = {k for k, v in spent.items() if v >= MICROS}
            assert billable <= {(b.campaign_id, b.region, b.day) for b in rows}
    return sum(spent.values())


def _stop(platform: Platform, model: Model) -> None:
    """Stop the example's campaigns, so later examples' runs have only their own to size."""
    with everywhere(platform.databases).transaction() as uow:
        for rows in (model.cpm, model.cpc):
            uow.region("us").get_one(Campaign, rows.campaign_id).status = CampaignStatus.ENDED
            uow.region("us").flush()
            project_campaign(uow, campaign_id=rows.campaign_id, now=platform.clock.now())
