"""Moderation: reports fold into one case per item in the item's region, naming no reporter; moderators of
the region's jurisdiction (or operators) review and decide, through the gateway and its audit log; a
take-down withholds a video from every public place and its media; a won appeal gives it back; a suspended
account cannot log in."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.healing import heal_projections
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.moderation.models import CaseReason, ModerationCase, Report
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from support import (
    CASES,
    PASSWORD,
    REPORT,
    Member,
    a_product,
    a_region_video,
    audit_of,
    cases_in,
    make_staff,
    open_shop,
    post_clip,
    report,
)


def test_reports_fold_into_one_case_in_the_contents_region_that_names_no_reporter(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    video = a_region_video(platform, bob)  # bob is in eu; alice reports from us
    carol = sign_up("carol", "US")
    first = report(client, alice, video, "spam")
    again = client.post(
        REPORT, headers=alice.auth, json={"content_kind": "video", "content_id": video, "reason": "hate"}
    )
    assert again.status_code == 201 and again.json()["id"] == first["id"]  # folded: the first stands
    assert (first["already_reported"], again.json()["already_reported"]) == (False, True)
    assert again.json()["reason"] == "spam"
    report(client, carol, video, "hate")

    (case,) = cases_in(platform, "eu")
    assert (case.content_id, case.owner_id, case.report_count, case.severity) == (video, bob.id, 2, 60)
    assert cases_in(platform, "us") == []
    with everywhere(platform.databases).transaction() as uow:
        reasons = {r.reason: r.count for r in uow.region("eu").scalars(select(CaseReason))}
        case_row = uow.region("eu").get_one(ModerationCase, case.id)
        values = [str(getattr(case_row, c.name)) for c in ModerationCase.__table__.columns]
        reports = list(uow.region("us").scalars(select(Report).order_by(Report.reporter_id)))
        assert list(uow.region("eu").scalars(select(Report))) == []
    assert reasons == {"spam": 1, "hate": 1}
    assert not any(alice.id in v or carol.id in v for v in values)  # no reporter anywhere on the case
    assert sorted(r.reporter_id for r in reports) == sorted([alice.id, carol.id])
    assert {r.case_id for r in reports} == {case.id}
    # The cross-region write went through the door, in the content's region's log.
    filed = [e for e in audit_of(platform, "eu") if e.purpose == "reporting"]
    assert [(e.actor_id, e.data_class, e.result) for e in filed] == [
        (alice.id, "moderation", "allowed"),
        (carol.id, "moderation", "allowed"),
    ]
    missing = client.post(
        REPORT,
        headers=alice.auth,
        json={"content_kind": "video", "content_id": "eu_" + "0" * 32, "reason": "spam"},
    )
    assert missing.status_code == 404
    bad = client.post(
        REPORT, headers=alice.auth, json={"content_kind": "video", "content_id": video, "reason": "meh"}
    )
    assert bad.status_code == 422
    assert check_residency(platform) == []


def test_only_moderators_of_the_jurisdiction_or_operators_see_the_queue_and_refusals_are_logged(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    video = a_region_video(platform, bob)
    report(client, alice, video, "violence")
    mod_eu, mod_us, operator = sign_up("modeu", "DE"), sign_up("modus", "US"), sign_up("oper", "US")
    make_staff(platform, mod_eu, Role.MODERATOR, "eu")
    make_staff(platform, mod_us, Role.MODERATOR, "us")
    make_staff(platform, operator, Role.OPERATOR, "us")

    for outsider in (mod_us, alice):
        denied = client.get(CASES, headers=outsider.auth, params={"region": "eu"})
        assert denied.status_code == 403 and denied.json()["code"] == "access_denied", denied.text
    refused = [(e.actor_id, e.result) for e in audit_of(platform, "eu") if e.purpose == "moderation"]
    assert refused == [(mod_us.id, "denied"), (alice.id, "denied")]
    decided = client.post(
        f"{CASES}/{cases_in(platform, 'eu')[0].id}/decision",
        headers=mod_us.auth,
        json={"decision": "take_down", "reason_code": "violence"},
    )
    assert decided.status_code == 403 and decided.json()["code"] == "access_denied"

    queue = client.get(CASES, headers=mod_eu.auth)  # their own jurisdiction by default
    assert queue.status_code == 200, queue.text
    (item,) = queue.json()
    assert (item["content_id"], item["reasons"], item["report_count"]) == (video, {"violence": 1}, 1)
    assert client.get(CASES, headers=operator.auth, params={"region": "eu"}).json()[0]["id"] == item["id"]


def test_the_queue_puts_severe_and_widely_seen_first_with_the_uploaders_history(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    spam, quiet, seen = (a_region_video(platform, bob) for _ in range(3))
    with everywhere(platform.databases).transaction() as uow:
        from clipshop.videos.models import PublicVideo

        uow.directory.get_one(PublicVideo, seen).view_count = 900
    report(client, alice, spam, "spam")
    report(client, alice, quiet, "nudity")
    report(client, alice, seen, "nudity")
    earlier = a_region_video(platform, bob)
    report(client, alice, earlier, "scam")
    first = next(c for c in client.get(CASES, headers=mod.auth).json() if c["content_id"] == earlier)
    taken = client.post(
        f"{CASES}/{first['id']}/decision",
        headers=mod.auth,
        json={"decision": "take_down", "reason_code": "scam"},
    )
    assert taken.status_code == 201, taken.text

    queue = client.get(CASES, headers=mod.auth).json()
    assert [c["content_id"] for c in queue] == [seen, quiet, spam]
    assert [c["reach"] for c in queue] == [900, 0, 0]
    assert queue[0]["history"][0]["decision"] == "take_down"
    assert queue[0]["history"][0]["reason_code"] == "scam"
    again = client.post(
        f"{CASES}/{first['id']}/decision", headers=mod.auth, json={"decision": "dismiss", "reason_code": "x"}
    )
    assert again.status_code == 409 and again.json()["code"] == "case_decided"


def public_places(client: TestClient, creator: Member, shop_id: str, viewer: Member) -> dict[str, list[str]]:
    def ids(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    return {
        "for_you": ids(client.get("/api/v1/feed/for-you")),
        "following": ids(client.get("/api/v1/feed/following", headers=viewer.auth)),
        "profile": ids(client.get(f"/api/v1/users/{creator.handle}/videos")),
        "hashtag": ids(client.get("/api/v1/hashtags/sale/videos")),
        "shop": ids(client.get(f"/api/v1/shops/{shop_id}/videos")),
    }


def test_a_take_down_leaves_every_public_place_and_its_media_and_a_won_appeal_brings_it_back(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member, clips: dict[str, Path]
) -> None:
    mod, second = sign_up("modeu", "DE"), sign_up("modeu2", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    make_staff(platform, second, Role.MODERATOR, "eu")
    video = post_clip(client, platform, bob, clips["silent"], "big #sale")
    video_id = video["id"]
    shop_id = open_shop(client, bob, "bobs-shop", currency="EUR")
    product = a_product(client, bob, shop_id)
    tagged = client.put(
        f"/api/v1/videos/{video_id}/products",
        headers=bob.auth,
        json={"products": [{"product_id": product["id"]}]},
    )
    assert tagged.status_code == 200, tagged.text
    assert client.post(f"/api/v1/users/{bob.handle}/follow", headers=alice.auth).status_code in (200, 201)
    platform.jobs.drain()
    master = video["master_url"].removeprefix(platform.settings.base_url)
    segments = [
        k for k in platform.media_store("eu").keys(f"videos/{video_id}/") if k.endswith((".ts", ".m4s"))
    ]
    segment = f"/media/eu/{segments[0]}"
    assert client.get(master).status_code == 200 and client.get(segment).status_code == 200
    assert all(video_id in found for found in public_places(client, bob, shop_id, alice).values())
    assert client.get(f"/api/v1/users/{bob.handle}").json()["video_count"] == 1

    report(client, alice, video_id, "counterfeit")
    (case,) = client.get(CASES, headers=mod.auth).json()
    assert case["media_url"] is not None and case["summary"] == "big #sale"
    decision = client.post(
        f"{CASES}/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": "take_down", "reason_code": "counterfeit_goods", "note": "fake logo"},
    )
    assert decision.status_code == 201, decision.text

    assert all(video_id not in found for found in public_places(client, bob, shop_id, alice).values())
    assert client.get(f"/api/v1/videos/{video_id}").status_code == 404
    assert client.get(f"/api/v1/users/{bob.handle}").json()["video_count"] == 0
    for url in (master, segment):
        gone = client.get(url)
        assert gone.status_code == 410 and gone.json()["code"] == "media_withheld", url
    heal_projections(platform, full=True)  # the heal never projects it back
    assert client.get(f"/api/v1/videos/{video_id}").status_code == 404
    assert check_residency(platform) == []

    mine = client.get("/api/v1/me/moderation", headers=bob.auth).json()
    assert [(d["id"], d["decision"], d["reason_code"], d["note"]) for d in mine] == [
        (decision.json()["id"], "take_down", "counterfeit_goods", "fake logo")
    ]
    appeal_url = f"/api/v1/me/moderation/{mine[0]['id']}/appeal"
    assert client.post(appeal_url, headers=alice.auth, json={"text": "not mine"}).status_code == 404
    appealed = client.post(appeal_url, headers=bob.auth, json={"text": "it is genuine"})
    assert appealed.status_code == 200 and appealed.json()["appeal_state"] == "pending"
    twice = client.post(appeal_url, headers=bob.auth, json={"text": "again"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_appealed"
    pending = client.get("/api/v1/moderation/appeals", headers=second.auth).json()
    assert [d["id"] for d in pending] == [mine[0]["id"]]
    decide_url = f"/api/v1/moderation/appeals/{mine[0]['id']}/decision"
    same = client.post(decide_url, headers=mod.auth, json={"outcome": "overturn"})
    assert same.status_code == 403 and same.json()["code"] == "same_moderator"
    won = client.post(decide_url, headers=second.auth, json={"outcome": "overturn"})
    assert won.status_code == 200 and won.json()["appeal_state"] == "overturned", won.text

    assert all(video_id in found for found in public_places(client, bob, shop_id, alice).values())
    assert client.get(f"/api/v1/users/{bob.handle}").json()["video_count"] == 1
    assert client.get(master).status_code == 200 and client.get(segment).status_code == 200
    assert client.post(decide_url, headers=second.auth, json={"outcome": "uphold"}).status_code == 409
    assert check_residency(platform) == []


def test_a_suspended_account_cannot_log_in_and_its_videos_are_hidden(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    videos = [a_region_video(platform, bob) for _ in range(2)]
    report(client, alice, bob.id, "harassment", kind="profile")
    (case,) = client.get(CASES, headers=mod.auth).json()
    assert case["content_kind"] == "profile" and case["owner_id"] == bob.id
    not_a_video = client.post(
        f"{CASES}/{case['id']}/decision", headers=mod.auth, json={"decision": "take_down", "reason_code": "x"}
    )
    assert not_a_video.status_code == 422 and not_a_video.json()["code"] == "action_not_applicable"
    suspended = client.post(
        f"{CASES}/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": "suspend_account", "reason_code": "harassment"},
    )
    assert suspended.status_code == 201, suspended.text

    assert client.get("/api/v1/me", headers=bob.auth).status_code == 401  # its sessions are gone
    login = client.post("/api/v1/auth/login", json={"email": bob.email, "password": PASSWORD})
    assert login.status_code == 403 and login.json()["code"] == "account_suspended", login.text
    for video in videos:
        assert client.get(f"/api/v1/videos/{video}").status_code == 404
    assert client.get(f"/api/v1/users/{bob.handle}/videos").json()["items"] == []
    assert check_residency(platform) == []


def test_reports_are_in_the_reporters_export_and_go_with_the_account(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    from clipshop.rights.erasure import erase

    video = a_region_video(platform, bob)
    report(client, alice, video, "scam")
    export = client.get("/api/v1/me/export", headers=alice.auth)
    assert export.status_code == 200, export.text
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        held = json.loads(archive.read("region/reports.json"))
    assert [(r["content_id"], r["reason"]) for r in held] == [(video, "scam")]
    deleted = client.post("/api/v1/me/delete", headers=alice.auth, json={"password": PASSWORD})
    assert deleted.status_code == 202, deleted.text
    erase(platform, alice.id)
    with everywhere(platform.databases).transaction() as uow:
        assert list(uow.region("us").scalars(select(Report))) == []
        (case,) = uow.region("eu").scalars(select(ModerationCase))
        assert case.report_count == 1  # a count names no one and stays


def test_the_moderation_page_is_for_moderators_and_operators(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    page = client.get("/moderation", headers=mod.auth)
    assert page.status_code == 200 and 'id="moderation-page"' in page.text
    assert "/static/js/moderation-page.js" in page.text and "style=" not in page.text
    assert client.get("/moderation", headers=alice.auth).status_code == 404
    script = client.get("/static/js/moderation-page.js")
    assert script.status_code == 200 and "/api/v1/moderation/cases" in script.text
    assert "/api/v1/moderation/appeals" in script.text and 'id="moderation-appeals"' in page.text


def test_every_member_has_the_appeals_page(client: TestClient, alice: Member) -> None:
    page = client.get("/appeals", headers=alice.auth)
    assert page.status_code == 200 and 'id="appeals-page"' in page.text
    assert "/static/js/appeals-page.js" in page.text and "style=" not in page.text
    script = client.get("/static/js/appeals-page.js")
    assert script.status_code == 200 and "/api/v1/me/moderation" in script.text
