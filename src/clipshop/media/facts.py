"""What a probe found in a media file: plain data, importable without loading the media libraries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeResult:
    """What a probed file holds; `width`/`height` are the display size, after rotation and pixel aspect."""

    duration_s: float
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    """Clockwise degrees (0, 90, 180, 270) a player turns the coded picture to show it upright."""
    fps: float
    video_codec: str
    audio_codec: str | None
    container: str
    """The ffmpeg demuxer that read the file; force it again whenever the file is read."""
    video_stream: int = 0
    """Which of the file's video streams is the clip (ffmpeg's `0:v:N`); cover pictures are skipped."""
    audio_stream: int = 0
    """Which of the file's audio streams is the sound (ffmpeg's `0:a:N`), when there is one."""

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio stream."""
        return self.audio_codec is not None

    @property
    def short_side(self) -> int:
        """The smaller of the display width and height."""
        return min(self.width, self.height)
