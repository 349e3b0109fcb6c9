"""Automatic checks when something is posted: a re-upload of a clip taken down (at another size and bitrate,
from any region) and a caption with a blocked word hold the video out of every public place until a
moderator reviews it; a comment with a blocked word is held, shown to its author only. Each hold opens a
case in the content's region; dismissing it releases the content, a take-down keeps it down."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backends import Backend, make_settings
from clipshop.accounts import service as accounts
from clipshop.config import Settings
from clipshop.demo.clips import generate_clip
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.media.transcode import ffmpeg_exe
from clipshop.moderation.models import CaseReason, ModerationCase
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.social.models import Comment
from clipshop.videos.models import BlockedSignature, Video
from support import Member, post_clip

CASES = "/api/v1/moderation/cases"
BLOCKLIST = """
words = ["pineapple pizza", "spoilers"]
hashtags = ["#endgame"]
"""


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    blocklist = tmp_path / "blocklist.toml"
    blocklist.write_text(BLOCKLIST)
    return make_settings(backend, tmp_path, blocklist_file=blocklist)


@pytest.fixture(scope="module")
def upload_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`original` (360x640, 4 s, a seeded game of life), `copy` (the same clip re-encoded at 270x480, 24 fps
    and a tenth of the bitrate) and `other` (another clip of the same size)."""
    root = tmp_path_factory.mktemp("upload-checks")
    original = generate_clip(root / "original.mp4", width=360, height=640, duration_s=4, seed=2)
    copy = root / "copy.mp4"
    encode = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(original)]
    encode += [
        "-vf",
        "scale=270:480",
        "-r",
        "24",
        "-c:v",
        "libx264",
        "-b:v",
        "120k",
        "-c:a",
        "aac",
        str(copy),
    ]
    subprocess.run(encode, check=True, capture_output=True)
    other = generate_clip(root / "other.mp4", width=360, height=640, duration_s=4, seed=3)
    return {"original": original, "copy": copy, "other": other}


def moderator(platform: Platform, sign_up: Any, handle: str, country: str, region: str) -> Member:
    member: Member = sign_up(handle, country)
    with everywhere(platform.databases).transaction() as uow:
        accounts.make_staff(uow, user_id=member.id, role=Role.MODERATOR, jurisdiction=region)
    return member


def public_places(client: TestClient, creator: Member, tag: str) -> dict[str, list[str]]:
    def ids(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    return {
        "for_you": ids(client.get("/api/v1/feed/for-you")),
        "profile": ids(client.get(f"/api/v1/users/{creator.handle}/videos")),
        "hashtag": ids(client.get(f"/api/v1/hashtags/{tag}/videos")),
    }


def decide(client: TestClient, mod: Member, case_id: str, decision: str) -> None:
    response = client.post(
        f"{CASES}/{case_id}/decision", headers=mod.auth, json={"decision": decision, "reason_code": "review"}
    )
    assert response.status_code == 201, response.text


def queue(client: TestClient, mod: Member) -> list[dict[str, Any]]:
    response = client.get(CASES, headers=mod.auth)
    assert response.status_code == 200, response.text
    return list(response.json())


def take_down(client: TestClient, platform: Platform, reporter: Member, mod: Member, video_id: str) -> None:
    reported = client.post(
        "/api/v1/reports",
        headers=reporter.auth,
        json={"content_kind": "video", "content_id": video_id, "reason": "violence"},
    )
    assert reported.status_code == 201, reported.text
    (case,) = [c for c in queue(client, mod) if c["content_id"] == video_id]
    decide(client, mod, case["id"], "take_down")


def test_a_re_upload_of_a_clip_taken_down_is_held_in_any_region_until_a_moderator_dismisses(
    client: TestClient,
    platform: Platform,
    sign_up: Any,
    alice: Member,
    bob: Member,
    upload_clips: dict[str, Path],
) -> None:
    mod_us = moderator(platform, sign_up, "modus", "US", "us")
    mod_eu = moderator(platform, sign_up, "modeu", "DE", "eu")
    first = post_clip(client, platform, alice, upload_clips["original"], "morning run #run")
    assert first["held_for"] is None and first["published_at"] is not None
    take_down(client, platform, bob, mod_us, first["id"])
    with everywhere(platform.databases).transaction() as uow:
        (blocked,) = uow.directory.scalars(select(BlockedSignature))
        assert blocked.signature == uow.region("us").get_one(Video, first["id"]).signature
        assert len(blocked.signature) == 4 * 8  # four seconds, one 64-bit hash each

    # bob, in eu, posts the same clip at another size and bitrate: held, in no public place.
    again = post_clip(client, platform, bob, upload_clips["copy"], "look at this #run")
    assert (again["status"], again["held_for"], again["published_at"]) == (
        "ready",
        "matches_removed_content",
        None,
    )
    assert public_places(client, bob, "run") == {"for_you": [], "profile": [], "hashtag": []}
    assert client.get(f"/api/v1/videos/{again['id']}").status_code == 404
    refused = client.post(f"/api/v1/videos/{again['id']}/publish", headers=bob.auth)
    assert refused.status_code == 409 and refused.json()["code"] == "video_held"
    # Another clip of bob's is not held.
    other = post_clip(client, platform, bob, upload_clips["other"], "another #run")
    assert other["held_for"] is None and other["published_at"] is not None

    # The case is in the upload's region (eu), with the hold's reason and no report.
    (case,) = queue(client, mod_eu)
    assert (case["content_id"], case["owner_id"], case["report_count"]) == (again["id"], bob.id, 0)
    assert (case["reasons"], case["held_for"], case["summary"]) == (
        {"matches_removed_content": 1},
        "matches_removed_content",
        "look at this #run",
    )
    assert case["media_url"] is not None  # the moderator can play it
    assert queue(client, mod_us) == []

    decide(client, mod_eu, case["id"], "dismiss")
    status = client.get(f"/api/v1/videos/{again['id']}/status", headers=bob.auth).json()
    assert status["held_for"] is None and status["published_at"] is not None
    places = public_places(client, bob, "run")
    assert sorted(places["profile"]) == sorted([again["id"], other["id"]])
    assert sorted(places["hashtag"]) == sorted([again["id"], other["id"]])
    assert client.get(f"/api/v1/videos/{again['id']}").status_code == 200
    assert check_residency(platform) == []


def test_a_held_video_taken_down_stays_down_and_an_overturned_take_down_unblocks_its_signature(
    client: TestClient,
    platform: Platform,
    sign_up: Any,
    alice: Member,
    bob: Member,
    upload_clips: dict[str, Path],
) -> None:
    mod, second = (
        moderator(platform, sign_up, "modus", "US", "us"),
        moderator(platform, sign_up, "modus2", "US", "us"),
    )
    first = post_clip(client, platform, alice, upload_clips["original"], "one")
    take_down(client, platform, bob, mod, first["id"])
    again = post_clip(client, platform, alice, upload_clips["copy"], "two")
    assert again["held_for"] == "matches_removed_content"
    (case,) = queue(client, mod)
    decide(client, mod, case["id"], "take_down")
    assert client.get(f"/api/v1/videos/{again['id']}").status_code == 404
    assert client.get(f"/api/v1/users/{alice.handle}/videos").json()["items"] == []
    master = client.get(f"/media/us/videos/{again['id']}/hls/master.m3u8")
    assert master.status_code == 410 and master.json()["code"] == "media_withheld"
    with everywhere(platform.databases).transaction() as uow:
        assert len(list(uow.directory.scalars(select(BlockedSignature)))) == 2

    # The first take-down is overturned on appeal: its signature is no longer blocked.
    decisions = client.get("/api/v1/me/moderation", headers=alice.auth).json()
    first_decision = next(d for d in decisions if d["content_id"] == first["id"])
    appealed = client.post(
        f"/api/v1/me/moderation/{first_decision['id']}/appeal", headers=alice.auth, json={"text": "mine"}
    )
    assert appealed.status_code == 200, appealed.text
    overturned = client.post(
        f"/api/v1/moderation/appeals/{first_decision['id']}/decision",
        headers=second.auth,
        json={"outcome": "overturn"},
    )
    assert overturned.status_code == 200, overturned.text
    with everywhere(platform.databases).transaction() as uow:
        still = [b.decision_id for b in uow.directory.scalars(select(BlockedSignature))]
    assert len(still) == 1 and first_decision["id"] not in still
    assert client.get(f"/api/v1/videos/{first['id']}").status_code == 200


def test_a_caption_with_a_blocked_word_holds_the_video_and_so_does_an_edit_to_one(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, upload_clips: dict[str, Path]
) -> None:
    mod = moderator(platform, sign_up, "modus", "US", "us")
    held = post_clip(client, platform, alice, upload_clips["original"], "PINEAPPLE  pizza night #food")
    assert (held["held_for"], held["published_at"]) == ("blocked_words", None)
    shown = post_clip(client, platform, alice, upload_clips["other"], "pineapple on its own #food")
    assert shown["held_for"] is None
    assert public_places(client, alice, "food") == {
        "for_you": [shown["id"]],
        "profile": [shown["id"]],
        "hashtag": [shown["id"]],
    }
    (case,) = queue(client, mod)
    assert (case["content_id"], case["reasons"]) == (held["id"], {"blocked_words": 1})

    # A published video whose caption is edited to a blocked hashtag leaves every public place at once.
    edited = client.patch(
        f"/api/v1/videos/{shown['id']}", headers=alice.auth, json={"caption": "no spoilers #EndGame"}
    )
    assert edited.status_code == 200 and edited.json()["held_for"] == "blocked_words"
    assert public_places(client, alice, "food") == {"for_you": [], "profile": [], "hashtag": []}
    assert client.get(f"/api/v1/users/{alice.handle}").json()["video_count"] == 0
    assert sorted(c["content_id"] for c in queue(client, mod)) == sorted([held["id"], shown["id"]])

    decide(client, mod, case["id"], "dismiss")
    assert public_places(client, alice, "food")["hashtag"] == [held["id"]]
    assert client.get(f"/api/v1/users/{alice.handle}").json()["video_count"] == 1


def test_a_comment_with_a_blocked_word_is_held_shown_to_its_author_only_until_dismissed(
    client: TestClient,
    platform: Platform,
    sign_up: Any,
    alice: Member,
    bob: Member,
    upload_clips: dict[str, Path],
) -> None:
    mod_eu = moderator(platform, sign_up, "modeu", "DE", "eu")
    video = post_clip(client, platform, alice, upload_clips["other"], "hello")
    comments = f"/api/v1/videos/{video['id']}/comments"
    fine = client.post(comments, headers=bob.auth, json={"body": "lovely"})
    assert fine.status_code == 201 and fine.json()["held"] is False
    held = client.post(comments, headers=bob.auth, json={"body": "Spoilers: it ends well"})
    assert held.status_code == 201, held.text
    assert held.json()["held"] is True
    platform.jobs.drain()

    def bodies(member: Member | None) -> list[tuple[str, bool]]:
        headers = member.auth if member is not None else {}
        page = client.get(comments, headers=headers).json()["items"]
        return [(c["body"], c["held"]) for c in page]

    assert bodies(bob) == [("Spoilers: it ends well", True), ("lovely", False)]
    assert bodies(alice) == [("lovely", False)]
    assert bodies(None) == [("lovely", False)]
    assert client.get(f"/api/v1/videos/{video['id']}").json()["counts"]["comments"] == 1
    report = client.post(
        "/api/v1/reports",
        headers=alice.auth,
        json={"content_kind": "comment", "content_id": held.json()["id"], "reason": "spam"},
    )
    assert report.status_code == 404  # not public, so nothing to report

    (case,) = queue(client, mod_eu)  # in the comment's region: its author's
    assert (case["content_kind"], case["content_id"], case["owner_id"]) == (
        "comment",
        held.json()["id"],
        bob.id,
    )
    assert (case["summary"], case["held_for"], case["reasons"]) == (
        "Spoilers: it ends well",
        "blocked_words",
        {"blocked_words": 1},
    )
    decide(client, mod_eu, case["id"], "dismiss")
    platform.jobs.drain()
    assert bodies(None) == [("Spoilers: it ends well", False), ("lovely", False)]
    assert client.get(f"/api/v1/videos/{video['id']}").json()["counts"]["comments"] == 2
    assert check_residency(platform) == []


def test_a_held_comment_taken_down_stays_hidden_and_is_counted_nowhere(
    client: TestClient,
    platform: Platform,
    sign_up: Any,
    alice: Member,
    bob: Member,
    upload_clips: dict[str, Path],
) -> None:
    mod_eu = moderator(platform, sign_up, "modeu", "DE", "eu")
    video = post_clip(client, platform, alice, upload_clips["other"], "hello")
    comments = f"/api/v1/videos/{video['id']}/comments"
    held = client.post(comments, headers=bob.auth, json={"body": "pineapple pizza forever"}).json()
    (case,) = queue(client, mod_eu)
    decide(client, mod_eu, case["id"], "take_down")
    platform.jobs.drain()
    assert client.get(comments).json()["items"] == []
    assert [c["held"] for c in client.get(comments, headers=bob.auth).json()["items"]] == [True]
    assert client.delete(f"/api/v1/comments/{held['id']}", headers=bob.auth).status_code == 204
    platform.jobs.drain()
    assert client.get(f"/api/v1/videos/{video['id']}").json()["counts"]["comments"] == 0
    with everywhere(platform.databases).transaction() as uow:
        assert list(uow.region("eu").scalars(select(Comment))) == []
        reasons = list(uow.region("eu").scalars(select(CaseReason)))
        assert [(r.reason, r.count) for r in reasons] == [("blocked_words", 1)]
        assert [c.status.value for c in uow.region("eu").scalars(select(ModerationCase))] == ["decided"]
