"""The HLS ladder: one ffmpeg process turns a probed upload into H.264/AAC renditions, a poster and a thumb.

ffmpeg is only ever pointed at a file that `probe_file` accepted, with that file's demuxer forced and only
the `file` protocol allowed, so an upload can never make it open a playlist, a concat list or the network.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import imageio_ffmpeg

from clipshop.kit.ports import ProbeResult, TranscodeFailed
from clipshop.media import signature

SEGMENT_S = 2
"""Target HLS segment length; keyframes are forced on this grid in every rung so players switch cleanly."""
MASTER_PLAYLIST = "master.m3u8"
VARIANT_PLAYLIST = "index.m3u8"
POSTER = "poster.jpg"
THUMB = "thumb.jpg"
SIGNATURE_FRAMES = "signature.gray"
"""The tiny grey frames the signature is hashed from; read and removed before the outputs are handed on."""
THUMB_WIDTH = 360
MAX_FPS = 60.0
"""Slow-motion phone footage (120/240 fps) is played back at this rate at most."""

_STDERR_LINES_KEPT = 20
_PROGRESS_INTERVAL_S = 0.25
_POSTER_AT_S = 1.0
_STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:(?P<attrs>.*)\n(?P<uri>[^#\n][^\n]*)")


@dataclass(frozen=True)
class Rung:
    """One rendition of the ladder, named by its short side (vertical video is the norm)."""

    name: str
    short_side: int
    video_kbps: int
    audio_kbps: int

    def frame_size(self, *, width: int, height: int) -> tuple[int, int]:
        """The even output size for a source of display size `width` x `height`, keeping its aspect ratio."""
        short, long = min(width, height), max(width, height)
        long_out = max(2, 2 * round(long * self.short_side / short / 2))
        return (self.short_side, long_out) if width <= height else (long_out, self.short_side)


LADDER: tuple[Rung, ...] = (
    Rung(name="1080p", short_side=1080, video_kbps=4500, audio_kbps=128),
    Rung(name="720p", short_side=720, video_kbps=2500, audio_kbps=128),
    Rung(name="480p", short_side=480, video_kbps=1100, audio_kbps=96),
    Rung(name="360p", short_side=360, video_kbps=650, audio_kbps=64),
)


@dataclass(frozen=True)
class Variant:
    """A rendition as written: its playlist and what the master playlist says about it."""

    name: str
    width: int
    height: int
    bandwidth: int
    playlist: Path


@dataclass(frozen=True)
class TranscodeResult:
    """Everything `transcode_hls` wrote, and how long it took."""

    master: Path
    variants: tuple[Variant, ...]
    poster: Path
    thumb: Path
    elapsed_s: float
    signature: bytes = b""
    """The clip's perceptual signature (`media.signature`), hashed from frames of this same run."""


@cache
def ffmpeg_exe() -> str:
    """Path of the static ffmpeg shipped by the imageio-ffmpeg wheel."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def plan_ladder(probe: ProbeResult) -> list[Rung]:
    """The rungs worth encoding for this source: never upscaled, and at least the smallest one."""
    rungs = [rung for rung in LADDER if rung.short_side <= probe.short_side]
    if rungs:
        return rungs
    smallest = LADDER[-1]
    short_side = max(2, probe.short_side - probe.short_side % 2)
    return [replace(smallest, name=f"{short_side}p", short_side=short_side)]


def hls_command(
    *, source: Path, out_dir: Path, probe: ProbeResult, rungs: Sequence[Rung], threads: int = 0
) -> list[str]:
    """The ffmpeg argument list `transcode_hls` runs."""
    if not rungs:
        raise ValueError("at least one rung is needed")
    if "%" in str(out_dir):
        raise ValueError("out_dir must not contain '%': ffmpeg reads it as a segment-number pattern")
    out = out_dir.resolve()
    fps = min(probe.fps, MAX_FPS) if probe.fps > 0 else 30.0
    gop = max(1, round(fps * SEGMENT_S))
    threading_args = ["-threads", str(threads)] if threads > 0 else []

    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    args += ["-progress", "pipe:1", "-stats_period", str(_PROGRESS_INTERVAL_S)]
    if threads > 0:
        args += ["-filter_complex_threads", str(threads)]
    # Input: only the file protocol, and the demuxer the probe sniffed, so ffmpeg never picks one by content.
    args += [*threading_args, "-protocol_whitelist", "file", "-f", probe.container]
    args += ["-i", f"file:{source.resolve()}"]
    args += ["-filter_complex", _filter_graph(probe=probe, rungs=rungs)]
    # Phones store the place and the device in metadata; none of it belongs in public renditions.
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]

    for index in range(len(rungs)):
        args += ["-map", f"[v{index}]"]
        if probe.has_audio:
            args += ["-map", f"0:a:{probe.audio_stream}"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]
    args += ["-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"]
    args += ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_S})"]
    for index, rung in enumerate(rungs):
        args += [
            f"-b:v:{index}",
            f"{rung.video_kbps}k",
            f"-maxrate:v:{index}",
            f"{rung.video_kbps * 107 // 100}k",
        ]
        args += [f"-bufsize:v:{index}", f"{rung.video_kbps * 3 // 2}k"]
    if probe.has_audio:
        args += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        args += [arg for i, rung in enumerate(rungs) for arg in (f"-b:a:{i}", f"{rung.audio_kbps}k")]
    stream_map = " ".join(
        f"v:{i},a:{i},name:{rung.name}" if probe.has_audio else f"v:{i},name:{rung.name}"
        for i, rung in enumerate(rungs)
    )
    args += threading_args
    args += ["-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod", "-hls_list_size", "0"]
    args += ["-hls_flags", "independent_segments", "-hls_segment_type", "mpegts"]
    args += ["-hls_segment_filename", f"{out}/%v/seg_%03d.ts", "-master_pl_name", MASTER_PLAYLIST]
    args += ["-var_stream_map", stream_map, f"{out}/%v/{VARIANT_PLAYLIST}"]

    for label, name in (("poster", POSTER), ("thumb", THUMB)):
        args += ["-map", f"[{label}]", "-map_metadata", "-1", "-frames:v", "1", "-update", "1", "-q:v", "3"]
        args += [f"{out}/{name}"]
    # The signature's frames: a 32x32 grey picture a second, raw, from the same decode as the ladder.
    args += ["-map", "[signature]", "-map_metadata", "-1", "-fps_mode", "passthrough"]
    args += ["-f", "rawvideo", "-pix_fmt", "gray", f"{out}/{SIGNATURE_FRAMES}"]
    return args


def _filter_graph(*, probe: ProbeResult, rungs: Sequence[Rung]) -> str:
    # ffmpeg turns the picture upright before the graph (autorotate), so sizes here are display sizes.
    head = f"[0:v:{probe.video_stream}]"
    if probe.fps > MAX_FPS:
        head += f"fps={MAX_FPS:g},"
    labels = "".join(f"[s{i}]" for i in range(len(rungs)))
    parts = [f"{head}split={len(rungs) + 2}{labels}[still][hashed]"]
    for index, rung in enumerate(rungs):
        width, height = rung.frame_size(width=probe.width, height=probe.height)
        parts.append(f"[s{index}]scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p[v{index}]")
    poster_at = min(_POSTER_AT_S, probe.duration_s / 10)
    thumb_height = max(2, 2 * round(THUMB_WIDTH * probe.height / probe.width / 2))
    parts.append(f"[still]trim=start={poster_at:.3f},setpts=PTS-STARTPTS,split=2[p0][p1]")
    parts.append(f"[p0]scale={probe.width}:{probe.height},setsar=1[poster]")
    parts.append(f"[p1]scale={THUMB_WIDTH}:{thumb_height},setsar=1[thumb]")
    parts.append(f"[hashed]{signature.filter_branch()}[signature]")
    return ";".join(parts)


def transcode_hls(
    *,
    source: Path,
    out_dir: Path,
    probe: ProbeResult,
    rungs: Sequence[Rung],
    on_progress: Callable[[float], None] | None = None,
    threads: int = 0,
    timeout_s: float | None = None,
) -> TranscodeResult:
    """Encode `source` into an HLS ladder under `out_dir` (files there are overwritten); raise
    `TranscodeFailed` if ffmpeg fails or runs past `timeout_s`."""
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    for rung in rungs:
        (out_dir / rung.name).mkdir(exist_ok=True)
    args = hls_command(source=source, out_dir=out_dir, probe=probe, rungs=rungs, threads=threads)
    stderr_tail: deque[str] = deque(maxlen=_STDERR_LINES_KEPT)
    timed_out = threading.Event()

    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert proc.stdout is not None and proc.stderr is not None
    stderr_stream = proc.stderr
    # stderr is drained on its own thread so a chatty ffmpeg never blocks on a full pipe.
    drain = threading.Thread(
        target=lambda: stderr_tail.extend(line.rstrip() for line in stderr_stream), daemon=True
    )
    drain.start()

    def kill_on_timeout() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout_s, kill_on_timeout) if timeout_s is not None else None
    try:
        if timer is not None:
            timer.start()
        _follow_progress(proc.stdout, duration_s=probe.duration_s, on_progress=on_progress)
        returncode = proc.wait()
    finally:
        if timer is not None:
            timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        drain.join()
        proc.stdout.close()
        proc.stderr.close()

    if returncode != 0:
        if timed_out.is_set():
            raise TranscodeFailed(f"ffmpeg ran longer than {timeout_s:g} s and was stopped", stderr_tail)
        raise TranscodeFailed(f"ffmpeg exited with status {returncode}", stderr_tail)
    result = _collect_outputs(out_dir=out_dir, rungs=rungs, elapsed_s=time.monotonic() - started)
    if on_progress is not None:
        on_progress(100.0)
    return result


def _follow_progress(
    lines: Iterable[str], *, duration_s: float, on_progress: Callable[[float], None] | None
) -> None:
    """Read ffmpeg's `-progress` lines to the end, reporting percentages below 100 a few times a second."""
    last_reported = -1.0
    last_at = 0.0
    for line in lines:
        key, _, value = line.strip().partition("=")
        # out_time_ms is in microseconds too (a long-standing ffmpeg quirk); prefer the honest key.
        if key != "out_time_us" or on_progress is None or duration_s <= 0 or not value.isdigit():
            continue
        percent = min(99.9, int(value) / 1_000_000 / duration_s * 100)
        now = time.monotonic()
        if percent > last_reported and now - last_at >= _PROGRESS_INTERVAL_S:
            on_progress(percent)
            last_reported, last_at = percent, now


def _collect_outputs(*, out_dir: Path, rungs: Sequence[Rung], elapsed_s: float) -> TranscodeResult:
    frames = out_dir / SIGNATURE_FRAMES
    # Read and removed first: whatever is left in the folder is published as the video's media.
    hashes = signature.frame_hashes(frames.read_bytes()) if frames.is_file() else []
    frames.unlink(missing_ok=True)
    master = out_dir / MASTER_PLAYLIST
    poster, thumb = out_dir / POSTER, out_dir / THUMB
    missing = [p.name for p in (master, poster, thumb) if not p.is_file()]
    missing += [
        f"{r.name}/{VARIANT_PLAYLIST}" for r in rungs if not (out_dir / r.name / VARIANT_PLAYLIST).is_file()
    ]
    if missing:
        raise TranscodeFailed(f"ffmpeg finished without writing {', '.join(missing)}")
    advertised = _master_entries(master.read_text())
    variants = []
    for rung in rungs:
        entry = advertised.get(f"{rung.name}/{VARIANT_PLAYLIST}")
        if entry is None:
            raise TranscodeFailed(f"the master playlist does not list the {rung.name} rendition")
        width, height, bandwidth = entry
        variants.append(
            Variant(
                name=rung.name,
                width=width,
                height=height,
                bandwidth=bandwidth,
                playlist=out_dir / rung.name / VARIANT_PLAYLIST,
            )
        )
    return TranscodeResult(
        master=master,
        variants=tuple(variants),
        poster=poster,
        thumb=thumb,
        elapsed_s=elapsed_s,
        signature=signature.encode(hashes),
    )


def _master_entries(text: str) -> dict[str, tuple[int, int, int]]:
    """Map each variant URI in a master playlist to its (width, height, bandwidth)."""
    entries = {}
    for match in _STREAM_INF.finditer(text):
        attrs = dict(re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', match["attrs"]))
        width, _, height = attrs.get("RESOLUTION", "0x0").partition("x")
        entries[match["uri"].strip()] = (int(width), int(height), int(attrs.get("BANDWIDTH", "0")))
    return entries
