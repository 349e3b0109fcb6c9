from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from clipshop.errors import UnsupportedMedia
from clipshop.media.probe import ProbeResult, probe_file

pytestmark = pytest.mark.slow


def cut_short(source: Path, target: Path, *, keep: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def refusal_code(path: Path) -> str:
    with pytest.raises(UnsupportedMedia) as refused:
        probe_file(path)
    assert refused.value.status == 415
    return refused.value.code


def test_vertical_clip(vertical_clip: Path) -> None:
    probe = probe_file(vertical_clip)
    assert probe.duration_s == pytest.approx(3.0, abs=0.1)
    assert replace(probe, duration_s=3.0) == ProbeResult(
        duration_s=3.0,
        width=720,
        height=1280,
        coded_width=720,
        coded_height=1280,
        rotation=0,
        fps=30.0,
        video_codec="h264",
        audio_codec="aac",
        container="mov",
        video_stream=0,
        frame_count=90,
    )
    assert probe.has_audio is True
    assert probe.short_side == 720


def test_landscape_clip(landscape_clip: Path) -> None:
    probe = probe_file(landscape_clip)
    assert probe.duration_s == pytest.approx(2.0, abs=0.1)
    assert (probe.width, probe.height, probe.coded_width, probe.coded_height) == (640, 360, 640, 360)
    assert (probe.rotation, probe.fps, probe.short_side) == (0, 25.0, 360)


def test_clip_without_sound(silent_clip: Path) -> None:
    probe = probe_file(silent_clip)
    assert (probe.audio_codec, probe.has_audio) == (None, False)
    assert (probe.width, probe.height, probe.video_codec) == (360, 640, "h264")
    assert probe.duration_s == pytest.approx(2.0, abs=0.1)


def test_rotation_metadata_swaps_the_display_size(rotated_clip: Path) -> None:
    probe = probe_file(rotated_clip)
    expected_rotation = 90 if rotated_clip.stem == "rotated90" else 270
    assert (probe.rotation, probe.width, probe.height) == (expected_rotation, 360, 640)
    assert (probe.coded_width, probe.coded_height) == (640, 360)
    assert probe.duration_s == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    ("demuxer", "size", "codec"),
    [
        ("matroska", (720, 1280), "h264"),
        ("mpegts", (720, 1280), "h264"),
        ("avi", (720, 1280), "h264"),
        ("flv", (720, 1280), "h264"),
        ("ogg", (360, 640), "theora"),
    ],
)
def test_other_containers_are_read_with_their_demuxer(
    remuxed: dict[str, Path], demuxer: str, size: tuple[int, int], codec: str
) -> None:
    probe = probe_file(remuxed[demuxer])
    assert (probe.container, (probe.width, probe.height), probe.video_codec) == (demuxer, size, codec)


def test_a_playlist_named_mp4_is_not_media(tmp_path: Path, vertical_clip: Path) -> None:
    playlist = tmp_path / "clip.mp4"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile:{vertical_clip}\n#EXT-X-ENDLIST\n"
    )
    assert refusal_code(playlist) == "not_media"


def test_a_concat_list_is_not_media(tmp_path: Path, vertical_clip: Path) -> None:
    concat = tmp_path / "clip.mov"
    concat.write_text(f"ffconcat version 1.0\nfile '{vertical_clip}'\n")
    assert refusal_code(concat) == "not_media"


def test_an_image_is_not_media(images: dict[str, Path]) -> None:
    assert refusal_code(images["png"]) == "not_media"
    assert refusal_code(images["webp"]) == "not_media"


def test_random_bytes_are_not_media(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(random.Random(1).randbytes(64 * 1024))
    assert refusal_code(noise) == "not_media"


def test_an_mp4_header_over_garbage_cannot_be_fully_read(tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"garbage " * 512)
    assert refusal_code(fake) == "truncated_media"


def test_complete_mp4_boxes_without_a_movie_are_not_media(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(
        b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x10free" + b"x" * 8
    )
    assert refusal_code(empty) == "not_media"


def test_an_mp4_cut_short_is_truncated(tmp_path: Path, vertical_clip: Path) -> None:
    # The index (moov) of this file comes last, so the cut removes it.
    assert refusal_code(cut_short(vertical_clip, tmp_path / "cut.mp4", keep=0.6)) == "truncated_media"


def test_a_faststart_mp4_cut_short_is_truncated(
    tmp_path: Path, vertical_clip: Path, ffmpeg: Callable[..., None]
) -> None:
    faststart = tmp_path / "faststart.mp4"
    ffmpeg("-i", str(vertical_clip), "-c", "copy", "-movflags", "+faststart", str(faststart))
    assert probe_file(faststart).width == 720
    # The index is intact and promises 3 s, but the media data stops early.
    assert refusal_code(cut_short(faststart, tmp_path / "cut.mp4", keep=0.6)) == "truncated_media"


def test_a_matroska_cut_short_is_truncated(tmp_path: Path, remuxed: dict[str, Path]) -> None:
    assert refusal_code(cut_short(remuxed["matroska"], tmp_path / "cut.mkv", keep=0.6)) == "truncated_media"


@pytest.mark.parametrize("kind", ["m4a", "ogg"])
def test_sound_alone_has_no_video_stream(audio_only: dict[str, Path], kind: str) -> None:
    assert refusal_code(audio_only[kind]) == "no_video_stream"


def test_refusals_are_415_problems(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    with pytest.raises(UnsupportedMedia) as refused:
        probe_file(text)
    problem = refused.value.problem()
    assert (problem["status"], problem["code"], problem["field"]) == (415, "not_media", "file")


@pytest.mark.parametrize(
    ("demuxer", "frames"),
    [("mov", 90), ("matroska", 90), ("mpegts", 90), ("avi", 90), ("flv", 90), ("ogg", 60)],
)
def test_frames_are_counted_in_every_container(remuxed: dict[str, Path], demuxer: str, frames: int) -> None:
    # The AVI stream copy indexes 1813 entries, most of them empty: only frames with data count.
    assert probe_file(remuxed[demuxer]).frame_count == frames


def test_a_single_picture_in_a_video_container_has_no_video_stream(
    tmp_path: Path, images: dict[str, Path], ffmpeg: Callable[..., None]
) -> None:
    still_mp4, still_mkv = tmp_path / "still.mp4", tmp_path / "still.mkv"
    ffmpeg("-i", str(images["png"]), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(still_mp4))
    ffmpeg("-i", str(images["png"]), "-c:v", "copy", str(still_mkv))
    assert refusal_code(still_mp4) == "no_video_stream"
    assert refusal_code(still_mkv) == "no_video_stream"
