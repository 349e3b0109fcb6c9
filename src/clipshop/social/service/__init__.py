"""Social's service: follows, likes, comments, shares and watch events. Each row is written to the actor's
home region with that region's counters in the same transaction; the public totals are projected by a job.

Other packages import this package only (the import-linter contract `social`), never its modules: each
module is one part of the work (`likes`, `comments`, `shares`, `watching`, `follows`, `counters`, `heal`,
`rights`), and this names what the rest of Clipshop may call."""

from clipshop.social.service.comments import (
    MAX_COMMENT,
    add_comment,
    authors_of,
    delete_comment,
    get_comment,
    held_comments,
    is_public,
    list_comments,
    release_comment,
    release_withheld_comment,
    withhold_comment,
)
from clipshop.social.service.counters import (
    ZERO_COUNTS,
    project_follow_counts,
    project_followers,
    project_following,
    project_video_counts,
    resum_follower_counts,
    resum_video_counts,
)
from clipshop.social.service.follows import (
    follow,
    followed_among,
    following_ids,
    is_following,
    remove_follow,
    unfollow,
)
from clipshop.social.service.heal import COUNTED, heal_projections
from clipshop.social.service.likes import like, liked_ids, unlike
from clipshop.social.service.rights import erase_user, held_about
from clipshop.social.service.shares import share
from clipshop.social.service.watching import WATCH_KINDS, Watch, record_watch, record_watches, upsert_watch

__all__ = [
    "COUNTED",
    "MAX_COMMENT",
    "WATCH_KINDS",
    "ZERO_COUNTS",
    "Watch",
    "add_comment",
    "authors_of",
    "delete_comment",
    "erase_user",
    "follow",
    "followed_among",
    "following_ids",
    "get_comment",
    "heal_projections",
    "held_about",
    "held_comments",
    "is_following",
    "is_public",
    "like",
    "liked_ids",
    "list_comments",
    "project_follow_counts",
    "project_followers",
    "project_following",
    "project_video_counts",
    "record_watch",
    "record_watches",
    "release_comment",
    "release_withheld_comment",
    "remove_follow",
    "resum_follower_counts",
    "resum_video_counts",
    "share",
    "unfollow",
    "unlike",
    "upsert_watch",
    "withhold_comment",
]
