"""The auction: for hand-built sets of ads, exactly the winner and the price generalised second price with a
reserve gives, ties broken by the stated rule (higher bid, then the older ad); and, for any set, the
properties that define it."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from clipshop.ads.auction import Entry, ranked, run, values

RESERVE_CPM = 100  # minor units per 1000 impressions: 100,000 micros per impression


def cpm(ad_id: str, bid: int, *, advertiser: str | None = None, quality: float = 1.0) -> Entry:
    return Entry(ad_id, advertiser or f"adv-{ad_id}", "cpm", bid, quality=quality)


def cpc(
    ad_id: str, bid: int, p_click: float, *, advertiser: str | None = None, quality: float = 1.0
) -> Entry:
    return Entry(ad_id, advertiser or f"adv-{ad_id}", "cpc", bid, p_click=p_click, quality=quality)


def ocpm(ad_id: str, bid: int, p_purchase: float, *, advertiser: str | None = None) -> Entry:
    return Entry(ad_id, advertiser or f"adv-{ad_id}", "ocpm", bid, p_purchase=p_purchase)


def outcome(entries: list[Entry], *, slots: int = 1, reserve_cpm: int = RESERVE_CPM) -> list[tuple[str, int]]:
    return [(win.entry.ad_id, win.price_micros) for win in run(entries, slots=slots, reserve_cpm=reserve_cpm)]


def test_a_single_bidder_pays_the_reserve() -> None:
    assert outcome([cpm("a", 500)]) == [("a", 100_000)]


def test_the_winner_pays_the_runner_up_s_value() -> None:
    assert outcome([cpm("b", 300), cpm("a", 500), cpm("c", 200)]) == [("a", 300_000)]


def test_quality_scales_value_and_price() -> None:
    # a: 500,000 * 0.5 = 250,000 beats b's 200,000; to keep that it needs 200,000 / 0.5 per impression.
    assert outcome([cpm("a", 500, quality=0.5), cpm("b", 200)]) == [("a", 400_000)]


def test_cpc_and_cpm_compete_on_expected_value_per_impression() -> None:
    # a: 50 per click * 1% = 500,000 micros per impression; b: 400 per 1000 = 400,000.
    assert outcome([cpc("a", 50, 0.01), cpm("b", 400)]) == [("a", 40_000_000)]  # per click
    assert outcome([cpc("a", 50, 0.01), cpm("b", 600)]) == [("b", 500_000)]  # per impression


def test_optimised_cpm_is_charged_per_impression() -> None:
    # a: 2000 per purchase * 0.05% = 1,000,000 micros per impression, charged per impression.
    assert outcome([ocpm("a", 2000, 0.0005), cpm("b", 600)]) == [("a", 600_000)]


def test_float_noise_is_not_rounded_up_but_a_fraction_is() -> None:
    # 700,000 / 0.7 is 1,000,000.0000000001 in floats: a whole micro, not 1,000,001.
    assert outcome([cpc("a", 2, 0.7), cpm("b", 700)]) == [("a", 1_000_000)]
    # 100,000 / 0.375 = 266,666.67 micros per click: rounded up.
    assert outcome([cpc("a", 10, 0.375), cpm("b", 100)], reserve_cpm=0) == [("a", 266_667)]
    # With no reserve and no one else, nothing to beat: free.
    assert outcome([cpc("a", 10, 0.375)], reserve_cpm=0) == [("a", 0)]


def test_equal_values_go_to_the_higher_bid_then_the_older_ad() -> None:
    # a: cpm 625 -> 625,000; b: 160 per click * 1/256 -> 625,000: the same value, a's bid is higher.
    assert outcome([cpc("b", 160, 1 / 256), cpm("a", 625)]) == [("a", 625_000)]
    assert outcome([cpc("a", 160, 1 / 256), cpm("b", 625)]) == [("b", 625_000)]
    # Equal value and bid: the smaller (older) id.
    assert outcome([cpm("us_02", 300), cpm("us_01", 300)]) == [("us_01", 300_000)]


def test_the_price_never_passes_the_bid() -> None:
    # a: 1 per purchase * 2^-7 = 7,812.5 micros per impression; b: 1 per click * 2^-7, the same value and bid,
    # a's id the smaller. Keeping its rank would take 7,812.5, rounded up 7,813: above a's bid, so 7,812.
    assert outcome([ocpm("a", 1, 2**-7), cpc("b", 1, 2**-7)], reserve_cpm=5) == [("a", 7_812)]


def test_ads_below_the_reserve_are_out() -> None:
    assert outcome([cpm("a", 99)]) == []
    assert outcome([cpm("a", 100)]) == [("a", 100_000)]  # at the reserve: in
    # b is below the reserve, so it does not set a's price: the reserve does.
    assert outcome([cpm("a", 500), cpm("b", 50), cpc("c", 10, 0.001)]) == [("a", 100_000)]
    wins = run([cpm("a", 500), cpm("b", 50)], slots=1, reserve_cpm=RESERVE_CPM)
    assert wins[0].priced_by is None


def test_several_slots_one_per_advertiser_each_priced_by_the_next() -> None:
    entries = [
        cpm("x1", 900, advertiser="x"),
        cpm("x2", 800, advertiser="x"),  # x's second ad neither wins a second slot nor sets x's price
        cpm("y1", 700, advertiser="y"),
        cpc("z1", 50, 0.01, advertiser="z"),  # 500,000 per impression
        cpm("w1", 90, advertiser="w"),  # below the reserve
    ]
    assert outcome(entries, slots=4) == [("x1", 700_000), ("y1", 500_000), ("z1", 10_000_000)]
    assert [e.ad_id for e in ranked(entries, reserve_cpm=RESERVE_CPM)] == ["x1", "y1", "z1"]


def test_values_over_arrays_are_the_same_floats() -> None:
    entries = [cpm("a", 7, quality=0.3), cpc("b", 13, 0.017, quality=1.7), ocpm("c", 999, 0.00031)]
    computed = values(
        np.array([e.per_event for e in entries]),
        np.array([e.chance for e in entries]),
        np.array([e.quality for e in entries]),
    )
    assert computed.tolist() == [e.value for e in entries]


entries_strategy = st.lists(
    st.builds(
        Entry,
        ad_id=st.text("abcdef", min_size=1, max_size=3),
        advertiser_id=st.sampled_from(["p", "q", "r", "s", "t"]),
        bid_type=st.sampled_from(["cpm", "cpc", "ocpm"]),
        bid=st.integers(1, 10_000),
        p_click=st.floats(0.0001, 1.0),
        p_purchase=st.floats(0.00001, 0.5),
        quality=st.floats(0.1, 2.0),
    ),
    max_size=12,
    unique_by=lambda e: e.ad_id,
)


@given(entries=entries_strategy, slots=st.integers(1, 3), reserve_cpm=st.integers(0, 500))
def test_generalised_second_price_properties(entries: list[Entry], slots: int, reserve_cpm: int) -> None:
    reserve = reserve_cpm * 1000.0
    wins = run(entries, slots=slots, reserve_cpm=reserve_cpm)
    eligible = [e for e in entries if e.value >= reserve]
    if eligible:
        assert wins and wins[0].value == max(e.value for e in eligible)
    else:
        assert wins == []
    assert len({w.entry.advertiser_id for w in wins}) == len(wins)
    for slot, win in enumerate(wins):
        entry = win.entry
        later = [e for e in eligible if e.advertiser_id not in {w.entry.advertiser_id for w in wins[:slot]}]
        others = [e.value for e in later if e.advertiser_id != entry.advertiser_id]
        next_value = max(others, default=0.0)
        assert win.value == max(e.value for e in later)
        assert 0 <= win.price_micros <= entry.per_event  # never above the bid
        needed = max(next_value, reserve)
        scale = entry.chance * entry.quality
        if win.price_micros < math.floor(entry.per_event):
            # What it pays keeps its rank (up to float noise) ...
            assert win.price_micros * scale >= needed * (1 - 1e-9)
        if win.price_micros > 0:
            # ... and a micro less would not.
            assert (win.price_micros - 1) * scale < needed * (1 + 1e-9)
