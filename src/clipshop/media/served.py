"""How a stored file is served, whoever serves it (the app's `/media` route or a bucket behind a CDN): which
keys are servable at all, the media type of each, and how long a shared cache may keep it."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

# Only processed, public-by-link outputs are served; raw uploads never are.
SERVED_PREFIXES = ("videos/", "avatars/", "products/")
MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
# Segments and pictures are written once under their name (a ladder's folder, a content-hashed avatar or
# product picture): a year, never revalidated. Playlists may be replaced by a new ladder: a minute.
IMMUTABLE_SUFFIXES = frozenset({".ts", ".m4s", ".jpg"})
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_LIVED = "public, max-age=60"


def media_type(key: str) -> str:
    """The Content-Type a file is served with, by its extension."""
    name = PurePosixPath(key)
    known = MEDIA_TYPES.get(name.suffix.lower()) or mimetypes.guess_type(name.name)[0]
    return known or "application/octet-stream"


def cache_control(key: str) -> str:
    """The Cache-Control of a file anyone may fetch (the gate of `videos.serving` makes some private)."""
    return IMMUTABLE if PurePosixPath(key).suffix.lower() in IMMUTABLE_SUFFIXES else SHORT_LIVED


def is_playlist(key: str) -> bool:
    """Whether the file is an HLS playlist (it names other files, so it is written after them)."""
    return PurePosixPath(key).suffix.lower() == ".m3u8"
