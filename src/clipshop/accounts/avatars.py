"""Avatars: an uploaded image re-encoded as a 320x320 JPEG, centre-cropped to a square."""

from __future__ import annotations

from PIL import Image

from clipshop.media import stills

MAX_BYTES = 5 * 1024 * 1024
SIZE = 320


def render_avatar(data: bytes) -> bytes:
    image = stills.decode(data, max_bytes=MAX_BYTES, what="An avatar", code="avatar_too_large")
    square = _center_square(image)
    return stills.jpeg(square.resize((SIZE, SIZE), Image.Resampling.LANCZOS))


def _center_square(image: Image.Image) -> Image.Image:
    side = min(image.width, image.height)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))
