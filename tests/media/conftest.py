"""Tiny synthetic clips, made once per session, and the same picture in other containers and image formats."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from clipshop.demo.clips import generate_clip
from clipshop.media.transcode import ffmpeg_exe


def run_ffmpeg(*args: str) -> None:
    completed = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


@pytest.fixture(scope="session")
def ffmpeg() -> Callable[..., None]:
    """Run ffmpeg quietly with the given arguments; fail the test with its message if it fails."""
    return run_ffmpeg


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def vertical_clip(clip_dir: Path) -> Path:
    """3 s, 720x1280, 30 fps, with audio."""
    return generate_clip(clip_dir / "vertical.mp4", width=720, height=1280, duration_s=3, seed=0)


@pytest.fixture(scope="session")
def landscape_clip(clip_dir: Path) -> Path:
    """2 s, 640x360, 25 fps, with audio."""
    return generate_clip(clip_dir / "landscape.mp4", width=640, height=360, duration_s=2, seed=1, fps=25)


@pytest.fixture(scope="session")
def silent_clip(clip_dir: Path) -> Path:
    """2 s, 360x640, no audio stream."""
    return generate_clip(clip_dir / "silent.mp4", width=360, height=640, duration_s=2, audio=False, seed=2)


@pytest.fixture(scope="session", params=[90, 270])
def rotated_clip(request: pytest.FixtureRequest, clip_dir: Path) -> Path:
    """2 s, coded 640x360 and tagged to be turned a quarter (90 or 270 clockwise): displayed 360x640."""
    rotation: int = request.param
    return generate_clip(
        clip_dir / f"rotated{rotation}.mp4", width=640, height=360, duration_s=2, rotation=rotation, seed=3
    )


@pytest.fixture(scope="session")
def remuxed(clip_dir: Path, silent_clip: Path, vertical_clip: Path) -> dict[str, Path]:
    """The same streams in other containers, keyed by the demuxer that must be sniffed."""
    samples = {"mov": vertical_clip}
    for demuxer, suffix in (("matroska", "mkv"), ("mpegts", "ts"), ("avi", "avi"), ("flv", "flv")):
        samples[demuxer] = clip_dir / f"vertical.{suffix}"
        run_ffmpeg("-i", str(vertical_clip), "-c", "copy", str(samples[demuxer]))
    samples["ogg"] = clip_dir / "silent.ogv"
    run_ffmpeg("-i", str(silent_clip), "-c:v", "libtheora", "-q:v", "3", str(samples["ogg"]))
    return samples


@pytest.fixture(scope="session")
def audio_only(clip_dir: Path, vertical_clip: Path) -> dict[str, Path]:
    """The clip's sound alone, as M4A (copied AAC) and as Ogg Vorbis."""
    m4a, ogg = clip_dir / "sound.m4a", clip_dir / "sound.ogg"
    run_ffmpeg("-i", str(vertical_clip), "-vn", "-c:a", "copy", str(m4a))
    run_ffmpeg("-i", str(vertical_clip), "-vn", "-c:a", "libvorbis", str(ogg))
    return {"m4a": m4a, "ogg": ogg}


@pytest.fixture(scope="session")
def images(clip_dir: Path, silent_clip: Path) -> dict[str, Path]:
    """One frame of a clip as PNG, JPEG, GIF and WEBP."""
    paths = {}
    for kind in ("png", "jpg", "gif", "webp"):
        paths[kind] = clip_dir / f"frame.{kind}"
        run_ffmpeg("-i", str(silent_clip), "-frames:v", "1", "-vf", "scale=90:160", str(paths[kind]))
    return paths
