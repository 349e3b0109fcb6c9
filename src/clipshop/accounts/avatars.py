"""Avatars: an uploaded image re-encoded as a 320x320 JPEG, centre-cropped to a square."""

from __future__ import annotations

from clipshop.kit.ports import Transcoder

MAX_BYTES = 5 * 1024 * 1024
SIZE = 320


def render_avatar(transcoder: Transcoder, data: bytes) -> bytes:
    return transcoder.still(
        data, max_bytes=MAX_BYTES, what="An avatar", code="avatar_too_large", side=SIZE, square=True
    )
