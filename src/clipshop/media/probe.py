"""Probe an upload: refuse what is not a complete audio/video file, and describe the video stream.

The container is sniffed first and its demuxer forced, so PyAV never guesses a format from content or name;
a playlist or concat list therefore can never be opened as one. The file is then demuxed to its end and its
last group of pictures decoded, so a file that was cut short is refused here rather than by the transcoder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Disposition
from av.video.stream import VideoStream

from clipshop.errors import UnsupportedMedia
from clipshop.media.facts import ProbeResult
from clipshop.media.sniff import SNIFF_BYTES, sniff_container

# Streams may legitimately end a little before the container's stated duration (codec delay, rounding,
# audio priming); a bigger gap means the data is missing.
_COMPLETENESS_TOLERANCE_S = 0.5
_MICROSECONDS = 1_000_000


@dataclass
class _Scan:
    first_frame_rotation: float | None = None
    last_end_s: float = 0.0
    video_end_s: float = 0.0
    last_keyframe_pts: int | None = None
    video_frames: int = 0


def probe_file(path: Path) -> ProbeResult:
    """Describe the audio/video file at `path`, or raise `UnsupportedMedia` (not_media, truncated_media,
    no_video_stream: sound alone, or a single picture)."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    container_name = sniff_container(head)
    if container_name is None:
        raise UnsupportedMedia(
            "This file is not a video: upload an MP4, MOV, WebM or MKV clip.", code="not_media", field="file"
        )
    url = f"file:{path.resolve()}"
    try:
        container = av.open(url, format=container_name, options={"protocol_whitelist": "file"})
    except av.FFmpegError as exc:
        if container_name == "mov" and _iso_bmff_cut_short(path):
            raise _truncated() from exc
        raise UnsupportedMedia(
            "This file could not be read as a video: upload an MP4, MOV, WebM or MKV clip.",
            code="not_media",
            field="file",
        ) from exc
    with container:
        video = _main_video_stream(container)
        scan = _scan_packets(container, video)
        _check_complete(container, video, scan)
        if scan.video_frames < 2:
            raise _single_picture()
        audio = _audio_stream(container)
        result = _describe(container_name, container, video, audio, scan)
    _decode_tail(url, container_name, scan)
    return result


def _truncated() -> UnsupportedMedia:
    return UnsupportedMedia(
        "This video is incomplete or damaged (it may have been cut short while copying): upload it again.",
        code="truncated_media",
        field="file",
    )


def _no_video() -> UnsupportedMedia:
    return UnsupportedMedia(
        "This file has no playable video stream: upload a clip with video, not only sound or a picture.",
        code="no_video_stream",
        field="file",
    )


def _single_picture() -> UnsupportedMedia:
    return UnsupportedMedia(
        "This file holds a single picture, not a clip: upload a video with moving pictures.",
        code="no_video_stream",
        field="file",
    )


def _main_video_stream(container: InputContainer) -> VideoStream:
    # Cover art in audio files shows up as a one-picture "video" stream; it is not a clip. PyAV leaves
    # codec_context unset when this ffmpeg has no decoder for the codec.
    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic and stream.codec_context is not None:
            # One decoding thread: frame threading keeps a full picture per thread, tens of MiB at 1080p,
            # and a probe decodes only a handful of frames.
            stream.codec_context.thread_count = 1
            return stream
    raise _no_video()


def _audio_stream(container: InputContainer) -> av.AudioStream | None:
    return next((s for s in container.streams.audio if s.codec_context is not None), None)


def _scan_packets(container: InputContainer, video: VideoStream) -> _Scan:
    """Demux every packet (cheap, no decoding) to find where the streams end and count the video's frames
    (one packet each in the containers we read); decode only the first frame."""
    scan = _Scan()
    try:
        for packet in container.demux():
            if packet.pts is not None and packet.time_base is not None:
                end_s = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                scan.last_end_s = max(scan.last_end_s, end_s)
                if packet.stream.index == video.index:
                    scan.video_end_s = max(scan.video_end_s, end_s)
                    if packet.is_keyframe:
                        scan.last_keyframe_pts = packet.pts
            if packet.stream.index == video.index and packet.size > 0:
                scan.video_frames += 1
            if packet.stream.index == video.index and scan.first_frame_rotation is None:
                for frame in video.decode(packet):
                    scan.first_frame_rotation = float(frame.rotation)
                    break
    except av.FFmpegError as exc:
        raise _truncated() from exc
    if scan.first_frame_rotation is None:
        # Decoders hold frames back (B-frame reordering); a short clip may release its first one only here.
        try:
            for frame in video.decode(None):
                scan.first_frame_rotation = float(frame.rotation)
                break
        except av.FFmpegError as exc:
            raise _truncated() from exc
    if scan.first_frame_rotation is None or scan.last_keyframe_pts is None:
        raise _no_video()
    return scan


def _check_complete(container: InputContainer, video: VideoStream, scan: _Scan) -> None:
    start_s = (container.start_time or 0) / _MICROSECONDS
    if container.duration is not None:
        expected_end = start_s + container.duration / _MICROSECONDS
        if scan.last_end_s < expected_end - _COMPLETENESS_TOLERANCE_S:
            raise _truncated()
    if video.duration is not None and video.time_base is not None:
        video_start = float((video.start_time or 0) * video.time_base)
        expected_video_end = video_start + float(video.duration * video.time_base)
        if scan.video_end_s < expected_video_end - _COMPLETENESS_TOLERANCE_S:
            raise _truncated()


def _decode_tail(url: str, container_name: str, scan: _Scan) -> None:
    """Decode the last group of pictures, which is where a cut-short file breaks."""
    try:
        with av.open(url, format=container_name, options={"protocol_whitelist": "file"}) as container:
            video = _main_video_stream(container)
            assert scan.last_keyframe_pts is not None
            container.seek(scan.last_keyframe_pts, backward=True, any_frame=False, stream=video)
            decoded = sum(1 for _ in container.decode(video))
    except av.FFmpegError as exc:
        raise _truncated() from exc
    if decoded == 0:
        raise _truncated()


def _describe(
    container_name: str,
    container: InputContainer,
    video: VideoStream,
    audio: av.AudioStream | None,
    scan: _Scan,
) -> ProbeResult:
    ctx = video.codec_context
    coded_width, coded_height = ctx.width, ctx.height
    if coded_width <= 0 or coded_height <= 0:
        raise _no_video()
    # ffmpeg reports the display matrix counter-clockwise; players and phones speak clockwise.
    assert scan.first_frame_rotation is not None
    rotation = (-round(scan.first_frame_rotation / 90) * 90) % 360
    sar = video.sample_aspect_ratio
    display_width = coded_width
    if sar is not None and sar > 0 and sar != 1:
        display_width = max(1, round(coded_width * Fraction(sar)))
    width, height = (coded_height, display_width) if rotation in (90, 270) else (display_width, coded_height)
    return ProbeResult(
        duration_s=_duration_s(container, video, scan),
        width=width,
        height=height,
        coded_width=coded_width,
        coded_height=coded_height,
        rotation=rotation,
        fps=_fps(video),
        video_codec=ctx.name,
        audio_codec=audio.codec_context.name if audio is not None else None,
        container=container_name,
        video_stream=list(container.streams.video).index(video),
        audio_stream=list(container.streams.audio).index(audio) if audio is not None else 0,
        frame_count=scan.video_frames,
    )


def _duration_s(container: InputContainer, video: VideoStream, scan: _Scan) -> float:
    if container.duration is not None:
        return container.duration / _MICROSECONDS
    if video.duration is not None and video.time_base is not None:
        return float(video.duration * video.time_base)
    # Some streams (raw MPEG, broken headers) state no duration; the packets read say how long they last.
    return max(0.0, scan.last_end_s - (container.start_time or 0) / _MICROSECONDS)


def _fps(video: VideoStream) -> float:
    for rate in (video.average_rate, video.guessed_rate, video.base_rate):
        if rate is not None and rate > 0 and math.isfinite(float(rate)):
            return float(rate)
    return 0.0


def _iso_bmff_cut_short(path: Path) -> bool:
    """Whether the top-level boxes of an MP4/MOV run past the end of the file, as in an interrupted copy."""
    file_size = path.stat().st_size
    offset = 0
    with path.open("rb") as f:
        while offset + 8 <= file_size:
            f.seek(offset)
            header = f.read(16)
            size = int.from_bytes(header[0:4], "big")
            if size == 1:
                if len(header) < 16:
                    return True
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                return False
            if size < 8:
                return False
            if offset + size > file_size:
                return True
            offset += size
    return offset != file_size
