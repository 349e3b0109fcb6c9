"""Ads before moderators, on SQLite and PostgreSQL: a new or edited ad waits in the review queue of its
advertiser's region and serves only once a moderator approves it; a rejection (for one of the ad policy's
reasons) keeps it from serving until the advertiser edits it and it is approved; taking down (or restricting)
the video or product an ad promotes stops the ad at once, and a won appeal lets it serve again; suspending the
account that owns an advertiser pauses its running campaigns at once, and a won appeal runs those again."""

from __future__ import annotations

from typing import Any

from factory import campaign_of
from fastapi.testclient import TestClient

from advertising import (
    API,
    campaign_with_group,
    decide_ad,
    moderator,
    new_ad,
    ok,
    open_advertiser,
    problem,
    published_video,
    serving,
)
from clipshop.ads.review import REJECTION_REASONS
from clipshop.platform import Platform
from support import PASSWORD, Member, a_product, audit_of, case_of, cases_in, decide_case, open_shop, report


def appeal_and_overturn(client: TestClient, owner: dict[str, str], decision_id: str, second: Member) -> None:
    """The owner (their headers: a session's, or a suspended account's appeal pass) appeals the decision and
    a second moderator overturns it."""
    appealed = client.post(
        f"{API}/me/moderation/{decision_id}/appeal", headers=owner, json={"text": "it is fine"}
    )
    assert appealed.status_code == 200 and appealed.json()["appeal_state"] == "pending", appealed.text
    won = client.post(
        f"{API}/moderation/appeals/{decision_id}/decision", headers=second.auth, json={"outcome": "overturn"}
    )
    assert won.status_code == 200 and won.json()["appeal_state"] == "overturned", won.text


def an_ad(client: TestClient, platform: Platform, member: Member, name: str = "Acme") -> dict[str, Any]:
    account = open_advertiser(client, member, name)
    _, group = campaign_with_group(client, member, account["id"])
    return dict(ok(new_ad(client, member, group, published_video(client, platform, member)), 201))


def review_of(client: TestClient, member: Member, ad_id: str) -> tuple[str, str]:
    ad = ok(client.get(f"{API}/ads/{ad_id}", headers=member.auth))
    return ad["review"], ad["review_reason"]


def test_an_ad_serves_only_once_a_moderator_of_its_region_approves_it(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member
) -> None:
    mod = moderator(platform, sign_up, "modus", region="us", country="DE")  # lives in eu, works on us
    ad = an_ad(client, platform, alice, "Alice Brand")
    assert ad["review"] == "pending" and serving(platform, ad["id"]) is False

    case = case_of(client, mod, ad["id"])
    assert (case["content_kind"], case["owner_id"], case["reasons"]) == ("ad", alice.id, {"ad_review": 1})
    assert case["ad"] == {
        "advertiser_id": case["ad"]["advertiser_id"],
        "advertiser_name": "Alice Brand",
        "kind": "video",
        "headline": "New season",
        "call_to_action": "Shop now",
        "video_id": ad["video_id"],
        "product_id": None,
        "product_title": None,
        "authorized_by": None,
        "review": "pending",
        "rejection_reasons": list(REJECTION_REASONS),
    }
    assert case["media_url"] == f"/media/us/videos/{ad['video_id']}/hls/master.m3u8"
    assert "Alice Brand" in case["summary"] and "New season" in case["summary"]

    for decision, code in [("dismiss", "action_not_applicable"), ("take_down", "action_not_applicable")]:
        problem(decide_ad(client, mod, ad["id"], decision), 422, code)
    refused = problem(
        decide_ad(client, mod, ad["id"], "reject", "policy_violation"), 422, "invalid_reason_code"
    )
    assert refused["allowed"] == list(REJECTION_REASONS)
    assert serving(platform, ad["id"]) is False

    approved = ok(decide_ad(client, mod, ad["id"], "approve"), 201)
    assert (approved["decision"], approved["content_kind"]) == ("approve", "ad")
    assert review_of(client, alice, ad["id"]) == ("approved", "")
    assert serving(platform, ad["id"]) is True
    assert [c["content_id"] for c in ok(client.get(f"{API}/moderation/cases", headers=mod.auth))] == []
    # Reading and deciding the ad were gateway decisions in the ad's region, by the moderator abroad.
    steps = {(e.data_class, e.result) for e in audit_of(platform, "us") if e.actor_id == mod.id}
    assert ("advertising", "allowed") in steps
    # An approval takes nothing from anyone: nothing to appeal, nothing in the inbox.
    platform.jobs.drain()
    assert ok(client.get(f"{API}/me/moderation", headers=alice.auth)) == []
    # Approving and rejecting are for ads alone.
    video = published_video(client, platform, alice, "another")
    report(client, sign_up("carol", "US"), video, "spam")
    other = case_of(client, mod, video)
    response = client.post(
        f"{API}/moderation/cases/{other['id']}/decision",
        headers=mod.auth,
        json={"decision": "approve", "reason_code": "fine"},
    )
    problem(response, 422, "action_not_applicable")


def test_a_rejected_ad_never_serves_until_its_advertiser_edits_it_and_it_is_approved(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member
) -> None:
    mod = moderator(platform, sign_up, "modus")
    ad = an_ad(client, platform, alice)
    ok(decide_ad(client, mod, ad["id"], "reject", "misleading_claim"), 201)
    assert review_of(client, alice, ad["id"]) == ("rejected", "misleading_claim")
    assert serving(platform, ad["id"]) is False
    # Pausing and resuming, or editing only its pause, does not make it serve.
    ok(client.patch(f"{API}/ads/{ad['id']}", headers=alice.auth, json={"paused": True}))
    ok(client.patch(f"{API}/ads/{ad['id']}", headers=alice.auth, json={"paused": False}))
    assert review_of(client, alice, ad["id"]) == ("rejected", "misleading_claim")
    assert serving(platform, ad["id"]) is False
    platform.jobs.drain()
    told = ok(client.get(f"{API}/me/moderation", headers=alice.auth))
    assert [(d["decision"], d["reason_code"], d["content_id"]) for d in told] == [
        ("reject", "misleading_claim", ad["id"])
    ]

    # The advertiser edits what it shows: back to review, in a new case.
    edited = ok(client.patch(f"{API}/ads/{ad['id']}", headers=alice.auth, json={"headline": "Honest deal"}))
    assert (edited["review"], edited["review_reason"], edited["headline"]) == ("pending", "", "Honest deal")
    assert case_of(client, mod, ad["id"])["ad"]["headline"] == "Honest deal"
    ok(decide_ad(client, mod, ad["id"], "approve"), 201)
    assert serving(platform, ad["id"]) is True

    # An edit of an approved ad stops it at once until it is approved again.
    ok(client.patch(f"{API}/ads/{ad['id']}", headers=alice.auth, json={"call_to_action": "Buy it now"}))
    assert review_of(client, alice, ad["id"]) == ("pending", "")
    assert serving(platform, ad["id"]) is False
    # Sending the same text again is no edit.
    ok(decide_ad(client, mod, ad["id"], "approve"), 201)
    ok(client.patch(f"{API}/ads/{ad['id']}", headers=alice.auth, json={"headline": "Honest deal"}))
    assert review_of(client, alice, ad["id"]) == ("approved", "")
    assert serving(platform, ad["id"]) is True
    decided = [c for c in cases_in(platform, "us") if c.content_id == ad["id"]]
    assert [c.status.value for c in decided] == ["decided"] * 3


def test_a_rejection_overturned_on_appeal_lets_the_ad_serve(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member
) -> None:
    mod, second = moderator(platform, sign_up, "modus"), moderator(platform, sign_up, "modus2")
    ad = an_ad(client, platform, alice)
    rejected = ok(decide_ad(client, mod, ad["id"], "reject", "adult_content"), 201)
    appeal_and_overturn(client, alice.auth, rejected["id"], second)
    assert review_of(client, alice, ad["id"]) == ("approved", "")
    assert serving(platform, ad["id"]) is True


def bobs_ad_of_carols_video(
    client: TestClient, platform: Platform, carol: Member, bob: Member, mod: Member
) -> tuple[str, str, dict[str, Any]]:
    """Bob's account lives in eu and promotes carol's us video with her code, approved by `mod` (of eu):
    (the account's id, the campaign's id, the ad)."""
    video = published_video(client, platform, carol, "carol's clip")
    code = ok(client.post(f"{API}/videos/{video}/ad-authorizations", headers=carol.auth), 201)["code"]
    account = open_advertiser(client, bob, "Bob Brand", currency="EUR")
    campaign, group = campaign_with_group(client, bob, account["id"])
    ad = ok(new_ad(client, bob, group, video, authorization_code=code), 201)
    ok(decide_ad(client, mod, ad["id"], "approve"), 201)
    return account["id"], campaign, ad


def test_a_take_down_of_the_promoted_video_stops_its_ads_at_once_and_a_won_appeal_restores_them(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    us_mod, us_second = moderator(platform, sign_up, "usmod"), moderator(platform, sign_up, "usmod2")
    eu_mod = moderator(platform, sign_up, "eumod", region="eu", country="DE")
    carol = sign_up("carol", "US")
    _, _, bobs = bobs_ad_of_carols_video(client, platform, carol, bob, eu_mod)  # alice promotes her own
    video = bobs["video_id"]
    alices = an_ad(client, platform, alice)
    ok(decide_ad(client, us_mod, alices["id"], "approve"), 201)
    assert (serving(platform, bobs["id"]), serving(platform, alices["id"])) == (True, True)

    report(client, alice, video, "hate")
    taken = decide_case(client, us_mod, case_of(client, us_mod, video)["id"], "take_down", "hate")
    # In the decision's own transaction: no job has run.
    assert (serving(platform, bobs["id"]), serving(platform, alices["id"])) == (False, True)
    platform.jobs.drain()
    assert serving(platform, bobs["id"]) is False
    # The advertiser's own changes do not bring it back while the video is down.
    ok(client.patch(f"{API}/campaigns/{bobs['campaign_id']}", headers=bob.auth, json={"name": "Still down"}))
    assert serving(platform, bobs["id"]) is False

    appeal_and_overturn(client, carol.auth, taken["id"], us_second)
    platform.jobs.drain()  # the campaign in eu is projected anew by a job there
    assert serving(platform, bobs["id"]) is True


def test_a_product_take_down_and_a_videos_restriction_stop_the_ads_that_promote_them(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod, second = moderator(platform, sign_up, "modus"), moderator(platform, sign_up, "modus2")
    shop_id = open_shop(client, alice, "alice-goods")
    product = a_product(client, alice, shop_id, title="Mug")["id"]
    video = published_video(client, platform, alice, "mug unboxing")
    ok(
        client.put(
            f"{API}/videos/{video}/products", headers=alice.auth, json={"products": [{"product_id": product}]}
        )
    )
    account = ok(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"kind": "shop", "shop_id": shop_id}), 201
    )
    _, group = campaign_with_group(client, alice, account["id"])
    product_ad = ok(new_ad(client, alice, group, video, kind="product", product_id=product), 201)
    case = case_of(client, mod, product_ad["id"])
    assert (case["ad"]["kind"], case["ad"]["product_id"], case["ad"]["product_title"]) == (
        "product",
        product,
        "Mug",
    )
    ok(decide_ad(client, mod, product_ad["id"], "approve"), 201)
    assert serving(platform, product_ad["id"]) is True

    report(client, bob, product, "counterfeit", kind="product")
    taken = decide_case(client, mod, case_of(client, mod, product)["id"], "take_down", "counterfeit")
    assert serving(platform, product_ad["id"]) is False
    appeal_and_overturn(client, alice.auth, taken["id"], second)
    platform.jobs.drain()
    assert serving(platform, product_ad["id"]) is True

    report(client, bob, video, "spam")
    unrecommended = decide_case(
        client, mod, case_of(client, mod, video)["id"], "remove_from_recommendations", "spam"
    )
    assert serving(platform, product_ad["id"]) is False
    appeal_and_overturn(client, alice.auth, unrecommended["id"], second)
    platform.jobs.drain()
    assert serving(platform, product_ad["id"]) is True
    # A restricted video cannot be promoted by a new ad either.
    report(client, sign_up("carol", "US"), video, "nudity")  # bob reported it once already
    decide_case(client, mod, case_of(client, mod, video)["id"], "age_restrict", "nudity")
    assert serving(platform, product_ad["id"]) is False
    problem(new_ad(client, alice, group, video), 422, "video_restricted")


def test_a_suspension_pauses_the_accounts_campaigns_at_once_and_a_won_appeal_runs_only_those_again(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    eu_mod = moderator(platform, sign_up, "eumod", region="eu", country="DE")
    eu_second = moderator(platform, sign_up, "eumod2", region="eu", country="DE")

    def states(*campaigns: str) -> list[tuple[str, str]]:
        return [(c.status.value, c.paused_reason) for c in (campaign_of(platform, i) for i in campaigns)]

    # Bob (eu) promotes carol's us video with her code, and his own video in a campaign he paused by hand.
    account, running, promoted = bobs_ad_of_carols_video(
        client, platform, sign_up("carol", "US"), bob, eu_mod
    )
    held, other_group = campaign_with_group(client, bob, account)
    own = ok(new_ad(client, bob, other_group, published_video(client, platform, bob, "bob's clip")), 201)
    ok(decide_ad(client, eu_mod, own["id"], "approve"), 201)
    ok(client.patch(f"{API}/campaigns/{held}", headers=bob.auth, json={"status": "paused"}))
    assert (serving(platform, promoted["id"]), serving(platform, own["id"])) == (True, False)

    report(client, alice, bob.id, "harassment", kind="profile")
    suspended = decide_case(
        client, eu_mod, case_of(client, eu_mod, bob.id)["id"], "suspend_account", "harassment"
    )
    # In the decision's own transaction, though carol's video is fine: no job has run.
    assert serving(platform, promoted["id"]) is False
    assert states(running, held) == [("paused", "suspended"), ("paused", "advertiser")]
    assert ("advertising", "allowed") in {
        (e.data_class, e.result) for e in audit_of(platform, "eu") if e.actor_id == eu_mod.id
    }
    platform.jobs.drain()
    assert serving(platform, promoted["id"]) is False

    login = client.post(f"{API}/auth/login", json={"email": bob.email, "password": PASSWORD})
    assert login.status_code == 403, login.text
    pass_ = {"Authorization": f"Bearer {login.json()['appeal_pass']}"}
    appeal_and_overturn(client, pass_, suspended["id"], eu_second)
    assert states(running, held) == [("active", ""), ("paused", "advertiser")]
    assert (serving(platform, promoted["id"]), serving(platform, own["id"])) == (True, False)
