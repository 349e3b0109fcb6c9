"""Upload limits: how long, how large, how fast and how many frames a clip may be, checked on the facts of a
probe once the whole file has arrived. Each refusal is a 422 problem with its own stable code, saying the
limit and what the file holds:

    video_too_long        the clip lasts longer than `max_upload_duration_s`
    video_too_short       the clip lasts less than `min_upload_duration_s` (shorter clips do not transcode)
    frame_too_small       the short side of its frames is under `min_upload_short_side`
    frame_too_large       the long side of its frames is over `max_upload_long_side`
    frame_rate_too_high   it runs at more frames per second than `max_upload_fps`
    too_many_frames       it holds more frames than `max_upload_frames`

(A file with no video at all is refused by the probe itself, as `no_video_stream`.)
"""

from __future__ import annotations

from dataclasses import dataclass

from clipshop.config import Settings
from clipshop.errors import Invalid
from clipshop.kit.ports import ProbeResult


@dataclass(frozen=True)
class UploadLimits:
    """The limits an upload is held to; `from_settings` reads them from `CLIPSHOP_…` settings."""

    max_bytes: int
    max_duration_s: float
    min_duration_s: float
    min_short_side: int
    max_long_side: int
    max_fps: int
    max_frames: int

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        max_frames = settings.max_upload_frames
        if max_frames is None:
            max_frames = int(settings.max_upload_duration_s * settings.max_upload_fps)
        return cls(
            max_bytes=settings.max_upload_bytes,
            max_duration_s=settings.max_upload_duration_s,
            min_duration_s=settings.min_upload_duration_s,
            min_short_side=settings.min_upload_short_side,
            max_long_side=settings.max_upload_long_side,
            max_fps=settings.max_upload_fps,
            max_frames=max_frames,
        )


def check_upload_limits(probe: ProbeResult, limits: UploadLimits) -> None:
    """Raise `Invalid` (with the limit's code, `limit` and `found`) for the first limit `probe` is over."""
    # Durations are compared as they are shown, to a tenth of a second, so a refusal never reads
    # "lasts 600.0 s; the limit is 600 s" for a clip a few milliseconds over.
    duration = round(probe.duration_s, 1)
    if duration > limits.max_duration_s:
        raise _refusal(
            "video_too_long",
            f"This video lasts {duration_text(duration)}; clips may last at most"
            f" {duration_text(limits.max_duration_s)}. Trim it and upload it again.",
            limit=limits.max_duration_s,
            found=duration,
        )
    if duration < limits.min_duration_s:
        raise _refusal(
            "video_too_short",
            f"This video lasts {duration_text(duration)}; clips must last at least"
            f" {duration_text(limits.min_duration_s)}. Upload a longer one.",
            limit=limits.min_duration_s,
            found=duration,
        )
    size = f"{probe.width}x{probe.height} pixels"
    if probe.short_side < limits.min_short_side:
        raise _refusal(
            "frame_too_small",
            f"This video's frames are {size}; the short side must be at least {limits.min_short_side}"
            " pixels. Upload a larger version of it.",
            limit=limits.min_short_side,
            found=probe.short_side,
        )
    # The decoder works on the stored frames, which a pixel aspect ratio can make larger than what is shown.
    long_side = max(probe.long_side, probe.coded_width, probe.coded_height)
    if long_side > limits.max_long_side:
        stored = (
            f" (stored as {probe.coded_width}x{probe.coded_height})" if long_side > probe.long_side else ""
        )
        raise _refusal(
            "frame_too_large",
            f"This video's frames are {size}{stored}; the long side may be at most {limits.max_long_side}"
            " pixels. Export it at a smaller size and upload it again.",
            limit=limits.max_long_side,
            found=long_side,
        )
    fps = frame_rate(probe)
    if fps > limits.max_fps:
        raise _refusal(
            "frame_rate_too_high",
            f"This video runs at {fps} frames per second; the limit is {limits.max_fps}. Export it at a"
            " lower frame rate and upload it again.",
            limit=limits.max_fps,
            found=fps,
        )
    frames = frame_count(probe)
    if frames > limits.max_frames:
        raise _refusal(
            "too_many_frames",
            f"This video has {frames:,} frames; the limit is {limits.max_frames:,}. Shorten it or lower its"
            " frame rate and upload it again.",
            limit=limits.max_frames,
            found=frames,
        )


def frame_rate(probe: ProbeResult) -> int:
    """Frames per second, to the nearest whole frame (a 119.88 fps clip is a 120 fps clip).

    The lower of the rate the file states and the frames it holds over its duration: a stated rate can be a
    time base rather than a rate (AVI stream copies state 600), and a duration can miss the last frame's
    length (Matroska), each of which would make an ordinary clip look too fast. What a file could hide
    behind either is bounded by the frame count limit."""
    rates = [probe.fps] if probe.fps > 0 else []
    if probe.frame_count and probe.duration_s > 0:
        rates.append(probe.frame_count / probe.duration_s)
    return round(min(rates)) if rates else 0


def frame_count(probe: ProbeResult) -> int:
    """The frames counted by the probe, or for facts recorded without a count, duration times rate."""
    if probe.frame_count is not None:
        return probe.frame_count
    return round(probe.duration_s * probe.fps)


def duration_text(seconds: float) -> str:
    """`42.5 s`, `10 min`, `10 min 1.2 s`: seconds to a tenth, whole minutes counted out."""
    tenths = round(seconds * 10)
    minutes, rest = divmod(tenths, 600)
    secs = f"{rest / 10:g} s"
    if minutes == 0:
        return secs
    return f"{minutes} min" if rest == 0 else f"{minutes} min {secs}"


def _refusal(code: str, detail: str, *, limit: float, found: float) -> Invalid:
    return Invalid(detail, code=code, field="file", limit=limit, found=found)
