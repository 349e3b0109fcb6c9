"""Avatars: an uploaded image is decoded with a pixel cap and re-encoded as a square JPEG, so what the app
serves is always an image it made (no user bytes, no metadata such as GPS)."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from clipshop.errors import TooLarge, UnsupportedMedia

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZE = 320
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def render_avatar(data: bytes) -> bytes:
    if len(data) > MAX_BYTES:
        raise TooLarge(
            f"An avatar is at most {MAX_BYTES // 1024 // 1024} MiB.", code="avatar_too_large", field="file"
        )
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise TooLarge(
                    "That image has too many pixels for an avatar.", code="avatar_too_large", field="file"
                )
            image.load()
            square = _center_square(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise UnsupportedMedia(
            "Upload a JPEG, PNG, WebP or GIF image.", code="not_an_image", field="file"
        ) from None
    out = io.BytesIO()
    square.resize((SIZE, SIZE), Image.Resampling.LANCZOS).save(out, format="JPEG", quality=86, optimize=True)
    return out.getvalue()


def _center_square(image: Image.Image) -> Image.Image:
    side = min(image.width, image.height)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))
