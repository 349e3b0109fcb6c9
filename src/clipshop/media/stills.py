"""Still images people upload (avatars, product photos): decoded with a size and pixel cap and re-encoded as
JPEG, so what the app serves is always an image it made (no user bytes, no metadata such as GPS)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from clipshop.errors import TooLarge, UnsupportedMedia

MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def decode(data: bytes, *, max_bytes: int, what: str, code: str) -> Image.Image:
    """The image in `data` as RGB, upright per its EXIF orientation; TooLarge or UnsupportedMedia if not."""
    if len(data) > max_bytes:
        raise TooLarge(f"{what} is at most {max_bytes // 1024 // 1024} MiB.", code=code, field="file")
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise TooLarge(f"That image has too many pixels for {what.lower()}.", code=code, field="file")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            return upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise UnsupportedMedia(
            "Upload a JPEG, PNG, WebP or GIF image.", code="not_an_image", field="file"
        ) from None


def jpeg(image: Image.Image, *, quality: int = 86) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def fit_within(image: Image.Image, side: int) -> Image.Image:
    """Scaled down (never up) so that its longer side is at most `side`."""
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def square(image: Image.Image, side: int) -> Image.Image:
    """The centred square of `image`, resized to `side` x `side`."""
    short = min(image.width, image.height)
    left, top = (image.width - short) // 2, (image.height - short) // 2
    return image.crop((left, top, left + short, top + short)).resize((side, side), Image.Resampling.LANCZOS)
