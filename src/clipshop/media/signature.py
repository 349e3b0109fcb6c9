"""Perceptual signatures of videos: one 64-bit pHash per second of picture, made from the tiny grey frames
the transcode's own ffmpeg run writes beside the ladder (no second decode of the upload).

A frame's hash is the sign of its 8x8 lowest DCT frequencies against their median (pHash over a 32x32 grey
frame), so re-encoding at another size or bitrate moves few of its bits while another picture moves about
half. A video's signature is the sequence of its frames' hashes, 8 bytes each (big-endian); a frame with
too little detail to tell apart (a flat colour, a fade to black) is stored as 0 and never counts as a match.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

SIDE = 32
"""The grey frame's side, in pixels, as ffmpeg scales it (aspect ratio ignored: sizes of one clip agree)."""
FRAMES_PER_SECOND = 1
"""How many frames a second are hashed."""
HASH_BYTES = 8
_LOW = 8
"""The side of the block of lowest frequencies that make the hash."""
_FLAT_STD = 2.0
"""A frame whose grey levels vary less than this (standard deviation, of 255) carries no picture to match."""


def filter_branch() -> str:
    """The filters, after a split of the decoded video, that make the frames `frame_hashes` reads."""
    return f"fps={FRAMES_PER_SECOND},scale={SIDE}:{SIDE}:flags=area,format=gray"


@cache
def _dct_matrix() -> npt.NDArray[np.float64]:
    """The orthonormal DCT-II matrix of size SIDE."""
    n = np.arange(SIDE, dtype=np.float64)
    matrix: npt.NDArray[np.float64] = np.cos(np.pi * (2 * n[None, :] + 1) * n[:, None] / (2 * SIDE))
    matrix *= np.sqrt(2 / SIDE)
    matrix[0] /= np.sqrt(2)
    return matrix


def frame_hashes(raw: bytes) -> list[int]:
    """The hash of each SIDE x SIDE grey frame in `raw` (frames back to back, one byte a pixel); 0 for a frame
    with no detail. A trailing partial frame (a cut-short write) is ignored."""
    count = len(raw) // (SIDE * SIDE)
    if count == 0:
        return []
    frames = np.frombuffer(raw, dtype=np.uint8, count=count * SIDE * SIDE).reshape(count, SIDE, SIDE)
    pixels = frames.astype(np.float64)
    dct = _dct_matrix()
    low = (dct @ pixels @ dct.T)[:, :_LOW, :_LOW].reshape(count, _LOW * _LOW)
    # The DC term (the frame's mean brightness) would skew the median; it is left out of it.
    medians = np.median(low[:, 1:], axis=1)
    bits = low > medians[:, None]
    packed = np.packbits(bits, axis=1)
    flat = pixels.reshape(count, -1).std(axis=1) < _FLAT_STD
    return [
        0 if is_flat else int.from_bytes(row.tobytes(), "big")
        for row, is_flat in zip(packed, flat, strict=True)
    ]


def encode(hashes: list[int]) -> bytes:
    """A signature as stored: each frame's hash in 8 big-endian bytes."""
    return b"".join(h.to_bytes(HASH_BYTES, "big") for h in hashes)


def decode(signature: bytes) -> npt.NDArray[np.uint64]:
    """The frame hashes of a stored signature."""
    usable = len(signature) - len(signature) % HASH_BYTES
    return np.frombuffer(signature[:usable], dtype=">u8").astype(np.uint64)


@dataclass(frozen=True)
class Matching:
    """When two signatures are the same clip: aligned frames (shifted by up to `max_shift` seconds, for a
    re-upload cut or padded at the start) that both have detail are compared; at least `min_frames` of them,
    and `min_share` of the shorter clip's informative frames, must be compared, and `min_close` of those
    must differ in at most `max_bits` of 64."""

    max_bits: int = 12
    min_close: float = 0.75
    min_frames: int = 3
    min_share: float = 0.5
    max_shift: int = 2

    def same_clip(self, a: bytes, b: bytes) -> bool:
        """Whether signatures `a` and `b` are the same clip by these rules."""
        return self.closeness(a, b) >= self.min_close

    def closeness(self, a: bytes, b: bytes) -> float:
        """The best share of close frames over the allowed shifts (0.0 where too few frames align)."""
        left, right = decode(a), decode(b)
        informative = min(int(np.count_nonzero(left)), int(np.count_nonzero(right)))
        needed = max(self.min_frames, int(np.ceil(self.min_share * informative)))
        best = 0.0
        for shift in range(-self.max_shift, self.max_shift + 1):
            x = left[max(0, shift) :]
            y = right[max(0, -shift) :]
            n = min(len(x), len(y))
            x, y = x[:n], y[:n]
            both = (x != 0) & (y != 0)
            compared = int(np.count_nonzero(both))
            if compared < needed:
                continue
            distances = np.bitwise_count(x[both] ^ y[both])
            best = max(best, float(np.count_nonzero(distances <= self.max_bits)) / compared)
        return best


DEFAULT_MATCHING = Matching()
