"""Where a video's files are kept in its region's media store, and the log that tells a CDN in front
of the stores to forget them (a take-down or an age restriction must not be served from a cache)."""

from __future__ import annotations

import logging

# The hook point for a CDN in front of the media stores: a withheld video's files are refused here at once,
# but a CDN (and browsers) may keep its segments, served `immutable` for a year. An operator's log shipper
# (or a handler added to this logger) turns each entry into a purge of the prefix it names.
purge_log = logging.getLogger("clipshop.media.purge")


def media_prefix(video_id: str) -> str:
    """Where a video's renditions, poster and thumbnail are kept in its region's media store."""
    return f"videos/{video_id}/"
