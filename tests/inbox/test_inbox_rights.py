"""The inbox and data rights: a person's notifications are in their export and go with their account; an
account erased leaves other people's lines without a name."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.inbox.models import Notification, NotificationActor
from clipshop.inbox.service import SOMEONE_ELSE
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from support import PASSWORD, Member, a_public_video

INBOX = "/api/v1/me/inbox"


def exported(client: TestClient, member: Member, name: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/me/export", headers=member.auth)
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        rows: list[dict[str, Any]] = json.loads(archive.read(f"{name}.json"))
    return rows


def stored(platform: Platform, region: str, recipient_id: str) -> tuple[int, int]:
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        lines = db.scalar(select(func.count()).where(Notification.recipient_id == recipient_id))
        behind = db.scalar(select(func.count()).where(NotificationActor.recipient_id == recipient_id))
    return int(lines or 0), int(behind or 0)


def test_notifications_are_exported_erased_with_their_recipient_and_lose_an_erased_actors_name(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    client.post(f"/api/v1/videos/{video}/like", headers=bob.auth)
    client.post("/api/v1/users/alice/follow", headers=bob.auth)
    client.post("/api/v1/users/bob/follow", headers=alice.auth)
    platform.jobs.drain()

    notifications = exported(client, alice, "region/notifications")
    assert sorted((n["kind"], n["target_id"], n["actor_count"]) for n in notifications) == [
        ("follow", alice.id, 1),
        ("like", video, 1),
    ]
    # When each person acted, but not who they are: that is theirs.
    behind = exported(client, alice, "region/notification_actors")
    assert [a["actor_id"] for a in behind] == [SOMEONE_ELSE, SOMEONE_ELSE]
    assert exported(client, bob, "region/notifications")[0]["kind"] == "follow"

    assert client.post("/api/v1/me/delete", headers=bob.auth, json={"password": PASSWORD}).status_code == 202
    platform.jobs.drain()

    assert stored(platform, "eu", bob.id) == (0, 0)
    # Alice's lines stay hers; bob's id leads nowhere now, so no name is shown.
    body = client.get(INBOX, headers=alice.auth).json()
    assert [(i["text"], i["people"], i["link"]) for i in body["items"]] == [
        ("Someone started following you", [], None),
        ("Someone liked your video", [], f"/v/{video}"),
    ]
    assert "bob" not in json.dumps(body)
    assert check_residency(platform) == []

    # Nothing is written to an erased account any more.
    other = a_public_video(platform, bob)
    client.post(f"/api/v1/videos/{other}/like", headers=alice.auth)
    platform.jobs.drain()
    assert stored(platform, "eu", bob.id) == (0, 0)
