"""Published videos' public copies in the directory, healed from the creator's region."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from clipshop.accounts.models import PublicProfile
from clipshop.kit.watermarks import Window
from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo, PublicVideoTag
from clipshop.videos.service import heal_projections
from doubles import FrozenClock
from support import Member, a_ready_video


def heal(platform: Platform, region: str, window: Window | None = None) -> dict[str, int]:
    window = window or Window(since=None, before=platform.clock.now() + timedelta(seconds=1))
    with platform.uow(home=region).transaction() as uow:
        return heal_projections(uow, region=region, window=window, store=platform.media_store(region))


def public_copy(platform: Platform, video_id: str) -> tuple[dict[str, object], list[str]]:
    with platform.uow().transaction() as uow:
        video = uow.directory.get_one(PublicVideo, video_id)
        tags = uow.directory.scalars(
            select(PublicVideoTag.tag).where(PublicVideoTag.video_id == video_id).order_by(PublicVideoTag.tag)
        )
        return {c.name: getattr(video, c.name) for c in PublicVideo.__table__.columns}, list(tags)


def test_a_lost_public_copy_is_rebuilt_as_publishing_made_it(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="two #tags #here")
    a_ready_video(platform, alice, caption="never published")
    assert client.post(f"/api/v1/videos/{video_id}/publish", headers=alice.auth).status_code == 200
    published = public_copy(platform, video_id)
    with platform.uow().transaction() as uow:
        uow.directory.execute(delete(PublicVideoTag))
        uow.directory.execute(delete(PublicVideo))
        uow.directory.get_one(PublicProfile, alice.id).video_count = 0

    assert heal(platform, "us") == {"public videos": 1}

    assert public_copy(platform, video_id) == published
    assert client.get("/api/v1/users/alice").json()["video_count"] == 1
    assert heal(platform, "us") == {}


def test_a_caption_edit_whose_copy_was_lost_is_found_by_its_time(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="old #one")
    client.post(f"/api/v1/videos/{video_id}/publish", headers=alice.auth)
    clock.advance(minutes=30)
    edited = client.patch(f"/api/v1/videos/{video_id}", headers=alice.auth, json={"caption": "new #two"})
    assert edited.status_code == 200
    with platform.uow().transaction() as uow:  # as if the edit's directory commit never came
        uow.directory.get_one(PublicVideo, video_id).caption = "old #one"
        uow.directory.execute(delete(PublicVideoTag))

    assert heal(platform, "us", Window(since=clock.now(), before=clock.now() + timedelta(seconds=1))) == {
        "public videos": 1
    }
    assert public_copy(platform, video_id)[0]["caption"] == "new #two"
    assert public_copy(platform, video_id)[1] == ["two"]
    assert client.get("/api/v1/users/alice").json()["video_count"] == 1
