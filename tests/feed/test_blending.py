"""Blending rules, on ranked lists built by hand: creators never back to back, topics spread, a cap on
shoppable items, a share of the page for fresh uploads; rules give way only when nothing else is left."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clipshop.feed.blending import Ranked, blend


def item(
    n: int, score: float, creator: str, topic: str = "t", *, shop: bool = False, fresh: bool = False
) -> Ranked:
    return Ranked(f"v{n}", score, creator, topic, shop, fresh)


def ids(page: list[Ranked]) -> list[str]:
    return [r.video_id for r in page]


def pick(ranked: list[Ranked], limit: int = 10, **rules: float | str | None) -> list[Ranked]:
    options = {"previous_creator": None, "shoppable_cap": 1.0, "explore_share": 0.0, **rules}
    return blend(ranked, limit, **options)  # type: ignore[arg-type]


def test_no_creator_twice_in_a_row_even_across_pages() -> None:
    ranked = [item(0, 9, "a"), item(1, 8, "a"), item(2, 7, "b"), item(3, 6, "a")]
    # v1 must wait for b's clip; then only a's clips are left, so they close the page back to back.
    assert ids(pick(ranked)) == ["v0", "v2", "v1", "v3"]
    # The previous page ended with creator a: this one starts with b.
    assert ids(pick(ranked, previous_creator="a"))[0] == "v2"


def test_rules_give_way_when_one_creator_is_all_there_is() -> None:
    ranked = [item(n, 10 - n, "solo") for n in range(4)]
    assert ids(pick(ranked)) == ["v0", "v1", "v2", "v3"]


def test_topics_are_spread() -> None:
    ranked = [item(n, 10 - n * 0.1, f"c{n}", "cats") for n in range(6)] + [item(9, 8.5, "x", "dogs")]
    page = pick(ranked, limit=4)
    assert "v9" in ids(page)[:3]  # 0.7 x 9.8 < 8.5: the second cat clip loses to the first dog clip


def test_shoppable_density_is_capped() -> None:
    ranked = [item(n, 10 - n, f"c{n}", shop=True) for n in range(8)] + [
        item(n, 1 - n * 0.01, f"d{n}") for n in range(10, 18)
    ]
    page = pick(ranked, limit=10, shoppable_cap=0.3)
    assert sum(r.shoppable for r in page) == 3
    assert ids(page)[:3] == ["v0", "v1", "v2"]


def test_a_fresh_pick_waits_for_a_slot_where_its_creator_does_not_repeat() -> None:
    # The first item is by maya, and so is the fresh upload due at position 1.
    ranked = [item(0, 9, "maya"), item(1, 8, "tom"), item(2, 7, "ana"), item(3, -1, "maya", fresh=True)]
    page = pick(ranked, limit=3, explore_share=0.34)
    assert ids(page) == ["v0", "v1", "v3"]


def test_fresh_uploads_get_their_share_spread_over_the_page() -> None:
    ranked = [item(n, 10 - n * 0.1, f"c{n}") for n in range(20)]
    ranked += [item(100 + n, -5.0, f"new{n}", fresh=True) for n in range(5)]
    page = pick(ranked, limit=10, explore_share=0.2)
    fresh = [i for i, r in enumerate(page) if r.fresh]
    assert fresh == [2, 6]  # two slots (20%), evenly spaced, although they rank last


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-10, 10, allow_nan=False),
            st.sampled_from("abcd"),
            st.sampled_from(["x", "y", "z"]),
            st.booleans(),
            st.booleans(),
        ),
        max_size=30,
    ),
    st.integers(1, 12),
    st.sampled_from([0.0, 0.1, 0.3, 0.5]),
)
def test_a_page_never_repeats_and_repeats_a_creator_only_when_nothing_else_is_left(
    rows: list[tuple[float, str, str, bool, bool]], limit: int, explore_share: float
) -> None:
    ranked = [item(n, s, c, t, shop=sh, fresh=f) for n, (s, c, t, sh, f) in enumerate(rows)]
    page = pick(ranked, limit=limit, shoppable_cap=0.3, explore_share=explore_share)
    assert len(page) == min(limit, len(ranked))
    assert len(set(ids(page))) == len(page)
    # Without the cap, a creator repeats only when every clip left is theirs, fresh slots or not.
    ranked = [item(n, s, c, t, fresh=f) for n, (s, c, t, _, f) in enumerate(rows)]
    page = pick(ranked, limit=limit, explore_share=explore_share)
    for position in range(1, len(page)):
        if page[position].creator_id == page[position - 1].creator_id:
            left = [r for r in ranked if r.video_id not in ids(page[:position])]
            assert {r.creator_id for r in left} == {page[position].creator_id}
