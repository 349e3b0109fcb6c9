"""The inbox: likes, comments, replies and follows grouped per target within a day, written in the
recipient's region by a job after the action's commit (through the residency gateway when the actor lives
elsewhere, with ids only crossing); the unread count and marking read."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.inbox.models import Notification, NotificationActor
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.residency.models import AuditEntry
from clipshop.social.tasks import NOTIFY
from doubles import FrozenClock
from support import Member, a_public_video

INBOX = "/api/v1/me/inbox"


def inbox_of(client: TestClient, member: Member, **params: Any) -> dict[str, Any]:
    response = client.get(INBOX, headers=member.auth, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def lines(client: TestClient, member: Member) -> list[tuple[str, str, int, bool]]:
    return [(i["kind"], i["text"], i["count"], i["read"]) for i in inbox_of(client, member)["items"]]


def unread(client: TestClient, member: Member) -> int:
    response = client.get(f"{INBOX}/unread", headers=member.auth)
    assert response.status_code == 200, response.text
    count: int = response.json()["unread"]
    return count


def audit_of(platform: Platform, region: str) -> list[AuditEntry]:
    with everywhere(platform.databases).transaction() as uow:
        return list(uow.region(region).scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_likes_of_one_video_are_one_line_naming_the_newest_two_and_counting_the_rest(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, clock: FrozenClock
) -> None:
    video = a_public_video(platform, alice)
    other = a_public_video(platform, alice)
    likers = [
        sign_up(f"fan{n}", country, display_name=f"Fan {n}")
        for n, country in enumerate(["US", "DE", "AU", "US"])
    ]
    for liker in likers:
        clock.advance(minutes=1)
        assert client.post(f"/api/v1/videos/{video}/like", headers=liker.auth).status_code == 200
    client.post(f"/api/v1/videos/{other}/like", headers=likers[1].auth)
    platform.jobs.drain()

    body = inbox_of(client, alice)
    assert [(i["kind"], i["target_id"], i["count"], i["others"]) for i in body["items"]] == [
        ("like", other, 1, 0),
        ("like", video, 4, 2),
    ]
    newest = body["items"][1]
    assert newest["text"] == "Fan 3, Fan 2 and 2 others liked your video"
    assert [p["handle"] for p in newest["people"]] == ["fan3", "fan2"]
    assert newest["link"] == f"/v/{video}"
    assert body["items"][0]["text"] == "Fan 1 liked your video"
    assert body["unread"] == 2 and unread(client, alice) == 2

    # Liking again after unliking counts no one twice; a like of one's own video tells no one.
    client.delete(f"/api/v1/videos/{video}/like", headers=likers[0].auth)
    client.post(f"/api/v1/videos/{video}/like", headers=likers[0].auth)
    client.post(f"/api/v1/videos/{video}/like", headers=alice.auth)
    platform.jobs.drain()
    assert [i["count"] for i in inbox_of(client, alice)["items"]] == [1, 4]

    # A day after the line opened, likes start a new line.
    clock.advance(hours=25)
    client.post(f"/api/v1/videos/{video}/like", headers=sign_up("late", "US").auth)
    platform.jobs.drain()
    assert lines(client, alice)[0] == ("like", "late liked your video", 1, False)
    assert len(lines(client, alice)) == 3


def test_a_like_and_a_follow_from_another_region_reach_the_recipients_region_as_ids_through_the_door(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)  # alice lives in us, bob in eu
    assert client.post(f"/api/v1/videos/{video}/like", headers=bob.auth).status_code == 200
    assert client.post("/api/v1/users/alice/follow", headers=bob.auth).status_code == 200
    # Nothing is told in the request: a job after the commit does it, carrying ids only.
    queued = [(name, args) for _, name, args, _ in platform.jobs.waiting() if name == NOTIFY.name]
    assert queued == [(NOTIFY.name, ("like", bob.id, video)), (NOTIFY.name, ("follow", bob.id, alice.id))]
    assert check_residency(platform) == []
    platform.jobs.drain()

    assert lines(client, alice) == [
        ("follow", "bob started following you", 1, False),
        ("like", "bob liked your video", 1, False),
    ]
    with everywhere(platform.databases).transaction() as uow:
        stored = list(uow.region("us").scalars(select(Notification)))
        behind = list(uow.region("us").scalars(select(NotificationActor)))
        values = [str(getattr(n, c.name)) for n in stored for c in Notification.__table__.columns]
        assert list(uow.region("eu").scalars(select(Notification))) == []
    assert {n.recipient_id for n in stored} == {alice.id}
    assert {a.actor_id for a in behind} == {bob.id}
    assert not any("bob" in v or bob.email in v for v in values)  # no name crossed, only the id
    told = [e for e in audit_of(platform, "us") if e.data_class == "inbox"]
    assert [(e.actor_id, e.role, e.purpose, e.result) for e in told] == [
        ("service:jobs", "service", "notification", "allowed"),
        ("service:jobs", "service", "notification", "allowed"),
    ]
    # The log names whose inbox and why, not what was liked: it outlives the video.
    assert [(json.loads(e.records), e.reason) for e in told] == [([alice.id], "like"), ([alice.id], "follow")]
    assert check_residency(platform) == []


def test_a_like_undone_before_its_job_runs_tells_no_one(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    client.post(f"/api/v1/videos/{video}/like", headers=bob.auth)
    client.delete(f"/api/v1/videos/{video}/like", headers=bob.auth)
    platform.jobs.drain()
    assert lines(client, alice) == [] and unread(client, alice) == 0
    assert [e for e in audit_of(platform, "us") if e.data_class == "inbox"] == []


def test_comments_tell_the_creator_and_replies_tell_the_comments_author(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member, clock: FrozenClock
) -> None:
    carol = sign_up("carol", "AU")
    video = a_public_video(platform, alice)
    top = client.post(f"/api/v1/videos/{video}/comments", headers=bob.auth, json={"body": "first"}).json()
    clock.advance(minutes=1)
    client.post(
        f"/api/v1/videos/{video}/comments", headers=carol.auth, json={"body": "+1", "parent_id": top["id"]}
    )
    clock.advance(minutes=1)
    # The creator's own reply tells bob, and not the creator.
    client.post(
        f"/api/v1/videos/{video}/comments", headers=alice.auth, json={"body": "ty", "parent_id": top["id"]}
    )
    platform.jobs.drain()

    assert lines(client, alice) == [("comment", "carol and bob commented on your video", 2, False)]
    assert lines(client, bob) == [("reply", "alice and carol replied to your comment", 2, False)]
    [reply] = inbox_of(client, bob)["items"]
    assert (reply["target_id"], reply["link"]) == (top["id"], f"/v/{video}")
    assert lines(client, carol) == []
    assert check_residency(platform) == []


def test_the_unread_count_and_marking_read_all_or_up_to_a_line(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, clock: FrozenClock
) -> None:
    videos = [a_public_video(platform, alice) for _ in range(3)]
    fan = sign_up("fan", "US")
    for video in videos:
        clock.advance(minutes=1)
        client.post(f"/api/v1/videos/{video}/like", headers=fan.auth)
    platform.jobs.drain()
    assert unread(client, alice) == 3

    first = inbox_of(client, alice, limit=2)
    assert [i["target_id"] for i in first["items"]] == [videos[2], videos[1]]
    rest = inbox_of(client, alice, limit=2, cursor=first["next_cursor"])
    assert [i["target_id"] for i in rest["items"]] == [videos[0]] and rest["next_cursor"] is None

    # Up to the second line: it and every line below it.
    second = first["items"][1]["id"]
    marked = client.post(f"{INBOX}/read", headers=alice.auth, json={"up_to": second})
    assert marked.json() == {"marked": 2, "unread": 1}
    assert [i["read"] for i in inbox_of(client, alice)["items"]] == [False, True, True]

    # A new like on a line read brings it back to the top, unread.
    clock.advance(minutes=1)
    client.post(f"/api/v1/videos/{videos[0]}/like", headers=sign_up("fan2", "DE").auth)
    platform.jobs.drain()
    assert [(i["target_id"], i["read"]) for i in inbox_of(client, alice)["items"]] == [
        (videos[0], False),
        (videos[2], False),
        (videos[1], True),
    ]
    assert client.post(f"{INBOX}/read", headers=alice.auth, json={}).json() == {"marked": 2, "unread": 0}
    assert unread(client, alice) == 0

    bad = client.get(INBOX, headers=alice.auth, params={"cursor": "eyJ4IjoxfQ"})  # {"x":1}
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"

    # Someone else's line, or none at all: not found, and nothing marked.
    theirs = client.post(f"{INBOX}/read", headers=fan.auth, json={"up_to": second})
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    assert client.get(INBOX).status_code == 401
