"""Signatures made inside the transcode's one ffmpeg run: the same clip re-encoded at another resolution and
bitrate is the same clip; twenty different clips are not."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from clipshop.media import signature
from clipshop.media.probe import probe_file
from clipshop.media.signature import DEFAULT_MATCHING
from clipshop.media.transcode import LADDER, SIGNATURE_FRAMES, hls_command, plan_ladder, transcode_hls
from support import probe_of

pytestmark = pytest.mark.slow

WIDTH, HEIGHT, SECONDS, FPS = 180, 320, 6, 15
SMALL = f"{WIDTH // 4}x{HEIGHT // 4}"
UP = f"scale={WIDTH}:{HEIGHT}:flags=neighbor"

# Twenty unlike clips from ffmpeg's own generators: seeded cellular automata, fractals, test patterns.
SOURCES = {
    **{
        f"life-{seed}": f"life=s={SMALL}:r={FPS}:seed={seed}:ratio=0.3:mold=8:death_color=#202040,{UP}"
        for seed in (1, 2, 3, 4, 5, 6)
    },
    **{
        f"cellauto-{rule}": f"cellauto=s={SMALL}:r={FPS}:rule={rule}:random_fill_ratio=0.5"
        f":random_seed={rule}:scroll=1,{UP}"
        for rule in (18, 30, 90, 110, 150)
    },
    "mandelbrot-a": f"mandelbrot=s={SMALL}:r={FPS}:start_x=-0.743643887:start_y=0.131825904,{UP}",
    "mandelbrot-b": f"mandelbrot=s={SMALL}:r={FPS}:start_x=-1.25066:start_y=0.02012:start_scale=2,{UP}",
    "mandelbrot-c": f"mandelbrot=s={SMALL}:r={FPS}:start_x=0.275:start_y=0:start_scale=1.5,{UP}",
    "testsrc": f"testsrc=s={WIDTH}x{HEIGHT}:r={FPS}",
    "testsrc2": f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}",
    "smptebars": f"smptebars=s={WIDTH}x{HEIGHT}:r={FPS}",
    "gradients": f"gradients=s={WIDTH}x{HEIGHT}:r={FPS}:type=spiral:n=2:c0=0x1030e0:c1=0xf0d020:speed=0.05",
    "sierpinski": f"sierpinski=s={WIDTH}x{HEIGHT}:r={FPS}:seed=11:jump=20",
    "zoneplate": f"zoneplate=s={WIDTH}x{HEIGHT}:r={FPS}:kt2=40:kx2=256:ky2=256",
}


def signature_of(path: Path, out_dir: Path) -> bytes:
    probe = probe_file(path)
    result = transcode_hls(source=path, out_dir=out_dir, probe=probe, rungs=plan_ladder(probe))
    assert not (out_dir / SIGNATURE_FRAMES).exists()  # never published with the ladder
    return result.signature


@pytest.fixture(scope="module")
def prints(tmp_path_factory: pytest.TempPathFactory, ffmpeg: Callable[..., None]) -> dict[str, bytes]:
    """Each clip's signature, and `copy` (life-1 at 270x480, 24 fps, a sixth of the bitrate) and `remux`
    (mandelbrot-a at 144x256, 10 fps, 60 kbit/s), as transcoded."""
    root = tmp_path_factory.mktemp("signatures")
    found: dict[str, bytes] = {}
    for name, source in SOURCES.items():
        clip = root / f"{name}.mp4"
        ffmpeg(
            "-f", "lavfi", "-i", f"{source},format=yuv420p", "-t", str(SECONDS),
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "900k", str(clip),
        )  # fmt: skip
        found[name] = signature_of(clip, root / name)
    for name, original, size, fps, kbps in (
        ("copy", "life-1", "270:480", 24, 150),
        ("remux", "mandelbrot-a", "144:256", 10, 60),
    ):
        again = root / f"{name}.mp4"
        ffmpeg(
            "-i", str(root / f"{original}.mp4"), "-vf", f"scale={size}", "-r", str(fps),
            "-c:v", "libx264", "-b:v", f"{kbps}k", str(again),
        )  # fmt: skip
        found[name] = signature_of(again, root / name)
    return found


def test_every_second_of_picture_is_hashed(prints: dict[str, bytes]) -> None:
    for name in SOURCES:
        hashes = signature.decode(prints[name])
        assert len(hashes) == SECONDS, name
        assert all(hashes != 0), name  # every frame has detail to match on


def test_the_same_clip_at_another_resolution_and_bitrate_is_caught(prints: dict[str, bytes]) -> None:
    assert DEFAULT_MATCHING.same_clip(prints["copy"], prints["life-1"])
    assert DEFAULT_MATCHING.same_clip(prints["remux"], prints["mandelbrot-a"])
    assert DEFAULT_MATCHING.closeness(prints["copy"], prints["life-1"]) == 1.0


def test_twenty_different_clips_are_not(prints: dict[str, bytes]) -> None:
    assert len(SOURCES) == 20
    caught = [
        (a, b)
        for a, b in itertools.combinations(SOURCES, 2)
        if DEFAULT_MATCHING.same_clip(prints[a], prints[b])
    ]
    assert caught == []
    for again, original in (("copy", "life-1"), ("remux", "mandelbrot-a")):
        others = [
            n for n in SOURCES if n != original and DEFAULT_MATCHING.same_clip(prints[again], prints[n])
        ]
        assert others == [], again


def test_flat_frames_never_match() -> None:
    black = bytes(signature.SIDE * signature.SIDE)
    assert signature.frame_hashes(black * 4) == [0, 0, 0, 0]
    blank = signature.encode([0, 0, 0, 0])
    assert not DEFAULT_MATCHING.same_clip(blank, blank)


def test_the_signature_is_one_more_output_of_the_same_run(tmp_path: Path) -> None:
    args = hls_command(source=tmp_path / "in.mp4", out_dir=tmp_path, probe=probe_of(720, 1280), rungs=LADDER)
    assert args.count("-i") == 1
    graph = args[args.index("-filter_complex") + 1]
    assert "[hashed]fps=1,scale=32:32:flags=area,format=gray[signature]" in graph
    assert args[-5:] == ["-f", "rawvideo", "-pix_fmt", "gray", f"{tmp_path.resolve()}/{SIGNATURE_FRAMES}"]
