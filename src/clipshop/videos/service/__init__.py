"""Videos: from a finished upload to a published, playable clip. No HTTP, no commits.

Other packages import this package only (the import-linter contract `videos`), never its modules: each
module is one part of the work (`authoring` a creator's own videos, `publishing` their public copies,
`viewing`, the automatic checks' `holds`, moderation's `withholding` and `restrictions`, `files`, `heal`,
`rights`), and this names what the rest of Clipshop may call."""

from clipshop.videos.service.authoring import (
    audience,
    create_video,
    get_own_video,
    lease,
    list_own_videos,
    parse_hashtags,
    renditions_of,
    update_caption,
    upload_probe,
)
from clipshop.videos.service.files import (
    concealed_videos,
    is_gated,
    media_prefix,
    media_url,
    place_files,
    purge_log,
    reveal_lost_files,
)
from clipshop.videos.service.heal import heal_projections
from clipshop.videos.service.holds import block_signature, check_ready_video, release_hold, unblock_signature
from clipshop.videos.service.publishing import hot_score, publish_video
from clipshop.videos.service.restrictions import Restriction, lift_restriction, restrict_video
from clipshop.videos.service.rights import erase_user, held_about, own_upload_ids, own_video_ids
from clipshop.videos.service.viewing import AgeRestricted, ensure_may_see, get_public_video
from clipshop.videos.service.withholding import (
    may_review_withheld,
    published_videos_of,
    release_video,
    videos_withheld_by,
    withhold_video,
)

__all__ = [
    "AgeRestricted",
    "Restriction",
    "audience",
    "block_signature",
    "check_ready_video",
    "concealed_videos",
    "create_video",
    "ensure_may_see",
    "erase_user",
    "get_own_video",
    "get_public_video",
    "heal_projections",
    "held_about",
    "hot_score",
    "is_gated",
    "lease",
    "lift_restriction",
    "list_own_videos",
    "may_review_withheld",
    "media_prefix",
    "media_url",
    "own_upload_ids",
    "own_video_ids",
    "parse_hashtags",
    "place_files",
    "publish_video",
    "published_videos_of",
    "purge_log",
    "release_hold",
    "release_video",
    "renditions_of",
    "restrict_video",
    "reveal_lost_files",
    "unblock_signature",
    "update_caption",
    "upload_probe",
    "videos_withheld_by",
    "withhold_video",
]
