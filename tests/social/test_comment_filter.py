"""Comment filter words: comments on a creator's videos that contain one are listed to their author only;
across regions the words are read in the creator's region through the gateway; changing the words
re-decides the comments already there."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.residency.models import AuditEntry
from clipshop.social.filtering import matches, normalise
from clipshop.social.models import CommentFilter
from support import Member, a_public_video


def bodies(client: TestClient, video: str, who: Member | None) -> list[str]:
    r = client.get(f"/api/v1/videos/{video}/comments", headers=who.auth if who else {})
    assert r.status_code == 200, r.text
    return sorted(c["body"] for c in r.json()["items"])


def comment(client: TestClient, who: Member, video: str, body: str) -> dict[str, Any]:
    r = client.post(f"/api/v1/videos/{video}/comments", headers=who.auth, json={"body": body})
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize("commenter_country", ["MX", "DE"], ids=["same-region", "two-regions"])
def test_filter_words_hold_comments_back_from_everyone_but_their_author(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any, commenter_country: str
) -> None:
    commenter, reader = sign_up("commenter", commenter_country), sign_up("reader", "AU")
    video = a_public_video(platform, alice, "my clip")
    before = comment(client, commenter, video, "Total SPOILER here")
    r = client.put(
        "/api/v1/me/comment-filter", headers=alice.auth, json={"words": ["Spoiler ", "spoiler", "buy now"]}
    )
    assert r.status_code == 200 and r.json() == {"words": ["spoiler", "buy now"]}
    assert client.get("/api/v1/me/comment-filter", headers=alice.auth).json() == {
        "words": ["spoiler", "buy now"]
    }
    held = comment(client, commenter, video, "Buy   now! cheap")
    assert held["held_back"] is True
    comment(client, commenter, video, "spoilers are fine, not a whole word")
    comment(client, reader, video, "lovely")

    shown = ["lovely", "spoilers are fine, not a whole word"]
    assert bodies(client, video, None) == shown
    assert bodies(client, video, reader) == shown
    assert bodies(client, video, alice) == shown  # the creator too: their filter keeps these away
    assert bodies(client, video, commenter) == sorted([*shown, before["body"], "Buy   now! cheap"])
    mine = client.get(f"/api/v1/videos/{video}/comments", headers=commenter.auth).json()["items"]
    assert {c["body"]: c["held_back"] for c in mine}["Total SPOILER here"] is True

    # New words re-decide the comments already there.
    client.put("/api/v1/me/comment-filter", headers=alice.auth, json={"words": ["lovely"]})
    assert bodies(client, video, None) == sorted(["Buy   now! cheap", "Total SPOILER here", shown[1]])
    client.put("/api/v1/me/comment-filter", headers=alice.auth, json={"words": []})
    assert len(bodies(client, video, None)) == 4

    across = commenter.region != alice.region
    with everywhere(platform.databases).transaction() as uow:
        assert [f.user_id for f in uow.region("us").scalars(select(CommentFilter))] == [alice.id]
        asked = list(
            uow.region("us").scalars(select(AuditEntry).where(AuditEntry.purpose == "comment_filtering"))
        )
        # Three comments came while the filter was on: the reader's (au) and the commenter's two.
        assert len(asked) == (3 if across else 1)
    assert check_residency(platform) == []


def test_words_are_checked_as_words_and_phrases() -> None:
    assert normalise([" Buy  NOW ", "buy now", "", "x"]) == ["buy now", "x"]
    assert matches(["buy now"], "please BUY NOW!") and not matches(["buy now"], "buy nowhere")
    assert matches(["spoiler"], "a spoiler.") and not matches(["spoiler"], "spoilers")
    assert not matches([], "anything")


def test_too_many_or_too_long_words_are_refused(client: TestClient, alice: Member) -> None:
    r = client.put("/api/v1/me/comment-filter", headers=alice.auth, json={"words": ["x" * 41]})
    assert (r.status_code, r.json()["field"]) == (422, "words")
    r = client.put(
        "/api/v1/me/comment-filter", headers=alice.auth, json={"words": [f"w{n}" for n in range(101)]}
    )
    assert r.status_code == 422
