"""The index's hashtag counts follow the directory through publishes, restrictions, releases and deletions:
after every step they equal a count made from scratch, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.search import service
from clipshop.videos.models import PublicVideo, PublicVideoTag
from support import public_video

TAGS = ["pasta", "ramen", "knit", "garden"]


def kept(db: Session) -> dict[str, tuple[int, int]]:
    rows = db.execute(text("SELECT tag, videos, restricted FROM search_hashtags"))
    return {tag: (videos, restricted) for tag, videos, restricted in rows}


def recounted(db: Session) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    for tag, restricted in db.execute(
        text(
            "SELECT t.tag, v.age_restricted FROM public_video_tags t"
            " JOIN public_videos v ON v.id = t.video_id"
        )
    ):
        videos, held = counts.get(tag, (0, 0))
        counts[tag] = (videos + 1, held + (1 if restricted else 0))
    return counts


def publish(db: Session, platform: Platform, n: int, tags: list[str], *, restricted: bool) -> str:
    now = platform.clock.now()
    video_id = f"us_counted{n:04d}"
    db.add(
        public_video(
            video_id,
            creator_id="us_cook",
            caption=" ".join(f"#{t}" for t in tags),
            hashtags=tags,
            at=now,
            age_restricted=restricted,
        )
    )
    db.flush()
    db.add_all(PublicVideoTag(tag=t, video_id=video_id, published_at=now) for t in tags)
    db.flush()
    return video_id


def test_hashtag_counts_follow_every_change(platform: Platform) -> None:
    rng = random.Random(5)
    live: list[str] = []
    for step in range(60):
        with everywhere(platform.databases).transaction() as uow:
            db = uow.directory
            action = rng.choice(["publish", "publish", "restrict", "release", "unpublish", "untag"])
            if action == "publish" or not live:
                tags = rng.sample(TAGS, rng.randint(1, 3))
                live.append(publish(db, platform, step, tags, restricted=rng.random() < 0.4))
            elif action in ("restrict", "release"):
                db.execute(
                    update(PublicVideo)
                    .where(PublicVideo.id == rng.choice(live))
                    .values(age_restricted=action == "restrict")
                )
            elif action == "unpublish":  # the tags go by the cascade
                db.execute(delete(PublicVideo).where(PublicVideo.id == live.pop(rng.randrange(len(live)))))
            else:
                db.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == rng.choice(live)))
            db.flush()
            assert kept(db) == recounted(db), (step, action)
    with everywhere(platform.databases).transaction() as uow:
        before = kept(uow.directory)
        service.rebuild_index(uow.directory)  # SQLite's repair counts the same
        assert kept(uow.directory) == before
