"""Synthetic demo clips: H.264/AAC MP4s from ffmpeg's own generators, a different look and tune per seed."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

from clipshop.errors import Invalid
from clipshop.media.transcode import ffmpeg_exe

_ROTATIONS = (0, 90, 180, 270)
# transpose=2 turns a quarter counter-clockwise, transpose=1 a quarter clockwise.
_UNDO_ROTATION = {0: "", 90: "transpose=2", 180: "hflip,vflip", 270: "transpose=1"}
# Cellular and fractal generators are rendered small and scaled up: they are slow per pixel, and the
# blocky look reads well on a phone.
_COARSE = 4
_CHORD_ROOTS_HZ = (196.0, 220.0, 246.94, 261.63, 293.66, 329.63, 349.23)
_TRIADS = ((0, 4, 7), (0, 3, 7), (0, 5, 9), (0, 4, 9))
_BOX_COLOURS = ("white", "yellow", "cyan", "magenta", "orange", "lime", "pink")

_Scene = Callable[[int, int, int, random.Random], str]


def _testsrc2(width: int, height: int, fps: int, rng: random.Random) -> str:
    return f"testsrc2=s={width}x{height}:r={fps}"


def _mandelbrot(width: int, height: int, fps: int, rng: random.Random) -> str:
    x, y = rng.choice(((-0.743643887, 0.131825904), (-0.7453, 0.1127), (-1.25066, 0.02012), (0.275, 0.0)))
    small = f"{max(16, width // _COARSE)}x{max(16, height // _COARSE)}"
    return (
        f"mandelbrot=s={small}:r={fps}:start_x={x}:start_y={y}:start_scale={rng.uniform(1.5, 3.0):.2f}"
        f":end_pts={rng.randint(60, 200)},scale={width}:{height}"
    )


def _life(width: int, height: int, fps: int, rng: random.Random) -> str:
    small = f"{max(16, width // _COARSE)}x{max(16, height // _COARSE)}"
    return (
        f"life=s={small}:r={fps}:ratio={rng.uniform(0.05, 0.3):.2f}:seed={rng.randint(0, 2**31)}:mold=10"
        f":life_color=#{rng.randint(0, 0xFFFFFF):06x}:death_color=#202040"
        f":mold_color=#{rng.randint(0, 0xFFFFFF):06x}"
        f",scale={width}:{height}:flags=neighbor"
    )


def _cellauto(width: int, height: int, fps: int, rng: random.Random) -> str:
    small = f"{max(16, width // _COARSE)}x{max(16, height // _COARSE)}"
    return (
        f"cellauto=s={small}:r={fps}:rule={rng.choice((18, 30, 45, 57, 90, 110, 150))}"
        f":random_fill_ratio=0.5:random_seed={rng.randint(0, 2**31)}:scroll=1"
        f",scale={width}:{height}:flags=neighbor,format=yuv420p"
    )


def _gradients(width: int, height: int, fps: int, rng: random.Random) -> str:
    kind = rng.choice(("linear", "radial", "circular", "spiral", "square"))
    return (
        f"gradients=s={width}x{height}:r={fps}:type={kind}:nb_colors={rng.randint(3, 8)}"
        f":seed={rng.randint(0, 2**31)}:speed={rng.uniform(0.01, 0.05):.3f}"
    )


def _smptehdbars(width: int, height: int, fps: int, rng: random.Random) -> str:
    return f"smptehdbars=s={width}x{height}:r={fps}"


def _rgbtestsrc(width: int, height: int, fps: int, rng: random.Random) -> str:
    return f"rgbtestsrc=s={width}x{height}:r={fps}"


# Consecutive seeds walk through the generators, so seeds 0..6 already look unlike each other.
_SCENES: tuple[_Scene, ...] = (
    _testsrc2,
    _mandelbrot,
    _life,
    _cellauto,
    _gradients,
    _smptehdbars,
    _rgbtestsrc,
)


def generate_clip(
    path: Path,
    *,
    width: int,
    height: int,
    duration_s: float,
    audio: bool = True,
    rotation: int = 0,
    seed: int = 0,
    fps: int = 30,
) -> Path:
    """Write a synthetic MP4 of coded size `width` x `height`. As on a phone, a clockwise `rotation` is only
    display-matrix metadata over a picture stored turned back; players show it upright, 90/270 swap sizes."""
    for field, value in (("width", width), ("height", height)):
        if value <= 0 or value % 2:
            raise Invalid(f"The {field} must be a positive even number (H.264 4:2:0).", field=field)
    if rotation not in _ROTATIONS:
        raise Invalid("Rotation must be 0, 90, 180 or 270 degrees.", field="rotation")
    if duration_s <= 0 or fps <= 0:
        raise Invalid("Duration and frame rate must be positive.", field="duration_s")
    rng = random.Random(seed)
    video = _video_graph(width=width, height=height, fps=fps, seed=seed, rotation=rotation, rng=rng)
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video]
    if audio:
        args += ["-f", "lavfi", "-i", _audio_source(rng)]
    args += ["-t", f"{duration_s:.3f}", "-map", "0:v"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps)]
    if audio:
        args += ["-map", "1:a", "-c:a", "aac", "-b:a", "96k"]
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed at the end, so an interrupted run never leaves a half clip that looks done.
    partial = path.with_name(f".{path.stem}.partial.mp4")
    coded = path.with_name(f".{path.stem}.coded.mp4")
    try:
        if rotation == 0:
            _run([*args, str(partial)])
        else:
            _run([*args, str(coded)])
            # -display_rotation is counter-clockwise; as an input option with stream copy it only writes the
            # display matrix, leaving the coded frames as they are.
            ccw = (360 - rotation) % 360
            _run(
                [
                    *(ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
                    *("-display_rotation:v:0", str(ccw), "-i", str(coded), "-map", "0", "-c", "copy"),
                    str(partial),
                ]
            )
        partial.replace(path)
    finally:
        coded.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return path


def _video_graph(*, width: int, height: int, fps: int, seed: int, rotation: int, rng: random.Random) -> str:
    # Like a phone held sideways, the picture is drawn upright at the display size and stored turned back by
    # the rotation, so a player that honours the display matrix shows it upright.
    if rotation in (90, 270):
        width, height = height, width
    scene = _SCENES[seed % len(_SCENES)](width, height, fps, rng)
    hue = rng.randint(0, 359)
    hue_speed = rng.choice((-40, -20, 20, 40))
    box = min(width, height) // 4
    colour = rng.choice(_BOX_COLOURS)
    speed = rng.uniform(1.0, 3.0)
    chain = [
        scene,
        f"hue=h='{hue}+{hue_speed}*t':s={rng.uniform(0.8, 1.6):.2f}",
        # A box that sweeps across the picture keeps even the still test patterns moving.
        f"drawbox=x='(iw-w)*(0.5+0.5*sin(t*{speed:.2f}))':y='(ih-h)*(0.5+0.5*cos(t*{speed / 2:.2f}))'"
        f":w={box}:h={box}:color={colour}@0.7:t=fill",
    ]
    if _has_drawtext():
        chain.append(
            f"drawtext=text='Clipshop demo {seed}':fontsize=h/24:fontcolor=white:box=1:boxcolor=black@0.4"
            ":boxborderw=8:x=(w-tw)/2:y=h*0.12+h*0.02*sin(t*3)"
        )
        chain.append(r"drawtext=text='%{pts\:hms}':fontsize=h/32:fontcolor=white:x=(w-tw)/2:y=h*0.85")
    chain.append(_UNDO_ROTATION[rotation])
    chain.append("format=yuv420p")
    return ",".join(c for c in chain if c)


def _audio_source(rng: random.Random) -> str:
    root = rng.choice(_CHORD_ROOTS_HZ)
    triad = rng.choice(_TRIADS)
    freqs = [root * 2 ** (step / 12) for step in triad]
    pulse = rng.choice((1.0, 1.5, 2.0, 2.5))
    envelope = f"(0.55+0.45*sin(2*PI*{pulse}*t))"
    left = "+".join(f"{0.22 - 0.05 * i:.2f}*sin(2*PI*{f:.2f}*t)" for i, f in enumerate(freqs))
    right = "+".join(f"{0.12 + 0.05 * i:.2f}*sin(2*PI*{f * 1.003:.2f}*t)" for i, f in enumerate(freqs))
    return f"aevalsrc=exprs='{envelope}*({left})|{envelope}*({right})':s=48000"


@cache
def _has_drawtext() -> bool:
    """Whether this ffmpeg can draw text: the filter is optional in builds, and it needs a font."""
    probe = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi"]
    probe += ["-i", "color=s=32x32:d=0.04,drawtext=text=x", "-f", "null", "-"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def _run(args: list[str]) -> None:
    completed = subprocess.run(args, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"ffmpeg could not generate the clip: {completed.stderr.strip()[-2000:]}")
