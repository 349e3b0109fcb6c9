from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import av
import pytest

from clipshop.media.probe import probe_file
from clipshop.media.transcode import (
    LADDER,
    TranscodeFailed,
    TranscodeResult,
    Variant,
    hls_command,
    plan_ladder,
    transcode_hls,
)
from support import probe_of

pytestmark = pytest.mark.slow


def test_the_command_can_only_read_the_source_file(tmp_path: Path) -> None:
    source = tmp_path / "upload.bin"
    args = hls_command(source=source, out_dir=tmp_path / "out", probe=probe_of(720, 1280), rungs=LADDER[1:])
    before_input = args[: args.index("-i")]
    assert args[args.index("-i") + 1] == f"file:{source.resolve()}"
    assert args.count("-i") == 1
    assert "-nostdin" in before_input
    assert before_input[before_input.index("-protocol_whitelist") + 1] == "file"
    assert before_input[before_input.index("-f") + 1] == "mov"
    assert not [arg for arg in args if "http" in arg or "concat" in arg]


@dataclass(frozen=True)
class Encoded:
    result: TranscodeResult
    progress: list[float]


@pytest.fixture(scope="module")
def vertical_hls(tmp_path_factory: pytest.TempPathFactory, vertical_clip: Path) -> Encoded:
    probe = probe_file(vertical_clip)
    progress: list[float] = []
    result = transcode_hls(
        source=vertical_clip,
        out_dir=tmp_path_factory.mktemp("hls") / "vertical",
        probe=probe,
        rungs=plan_ladder(probe),
        on_progress=progress.append,
    )
    return Encoded(result=result, progress=progress)


def master_entries(master: Path) -> list[tuple[str, str, str]]:
    """(uri, RESOLUTION, CODECS) of each variant, in playlist order."""
    text = master.read_text()
    return [
        (uri, resolution, codecs)
        for resolution, codecs, uri in re.findall(
            r'#EXT-X-STREAM-INF:.*RESOLUTION=(\d+x\d+),CODECS="([^"]*)"\n(\S+)', text
        )
    ]


def segment_durations(playlist: Path) -> list[float]:
    return [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", playlist.read_text())]


def image_size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


def test_master_lists_each_rung(vertical_hls: Encoded) -> None:
    entries = master_entries(vertical_hls.result.master)
    assert [(uri, resolution) for uri, resolution, _ in entries] == [
        ("720p/index.m3u8", "720x1280"),
        ("480p/index.m3u8", "480x854"),
        ("360p/index.m3u8", "360x640"),
    ]
    for _, _, codecs in entries:
        video, audio = codecs.split(",")
        assert video.startswith("avc1.64")  # H.264 High profile
        assert audio == "mp4a.40.2"  # AAC-LC


def test_result_describes_what_was_written(vertical_hls: Encoded) -> None:
    result = vertical_hls.result
    out = result.master.parent
    assert result.master == out / "master.m3u8"
    assert [replace(v, bandwidth=0) for v in result.variants] == [
        Variant(name="720p", width=720, height=1280, bandwidth=0, playlist=out / "720p" / "index.m3u8"),
        Variant(name="480p", width=480, height=854, bandwidth=0, playlist=out / "480p" / "index.m3u8"),
        Variant(name="360p", width=360, height=640, bandwidth=0, playlist=out / "360p" / "index.m3u8"),
    ]
    bandwidths = [v.bandwidth for v in result.variants]
    assert bandwidths == sorted(bandwidths, reverse=True) and bandwidths[-1] > 0
    assert (result.poster, result.thumb) == (out / "poster.jpg", out / "thumb.jpg")
    assert result.elapsed_s > 0


def test_segments_are_short_and_aligned_across_rungs(vertical_hls: Encoded) -> None:
    durations = [segment_durations(v.playlist) for v in vertical_hls.result.variants]
    assert durations == [[2.0, 1.0]] * 3
    for variant in vertical_hls.result.variants:
        text = variant.playlist.read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and text.rstrip().endswith("#EXT-X-ENDLIST")
        assert sorted(p.name for p in variant.playlist.parent.iterdir()) == [
            "index.m3u8",
            "seg_000.ts",
            "seg_001.ts",
        ]


def test_segments_carry_h264_and_aac(vertical_hls: Encoded) -> None:
    segment = vertical_hls.result.variants[1].playlist.parent / "seg_000.ts"
    with av.open(str(segment), format="mpegts") as container:
        video = container.streams.video[0].codec_context
        audio = container.streams.audio[0].codec_context
        assert (video.name, video.width, video.height, video.profile) == ("h264", 480, 854, "High")
        assert video.pix_fmt == "yuv420p"
        assert (audio.name, audio.sample_rate, audio.channels) == ("aac", 48000, 2)


def test_poster_and_thumb_sizes(vertical_hls: Encoded) -> None:
    assert image_size(vertical_hls.result.poster) == (720, 1280)
    assert image_size(vertical_hls.result.thumb) == (360, 640)


def test_progress_ends_at_100(vertical_hls: Encoded) -> None:
    progress = vertical_hls.progress
    assert progress[-1] == 100.0
    assert progress == sorted(progress)
    assert all(0 <= p < 100 for p in progress[:-1])


def test_rotated_source_comes_out_upright(tmp_path: Path, rotated_clip: Path) -> None:
    probe = probe_file(rotated_clip)
    result = transcode_hls(source=rotated_clip, out_dir=tmp_path, probe=probe, rungs=plan_ladder(probe))
    assert master_entries(result.master)[0][:2] == ("360p/index.m3u8", "360x640")
    with av.open(str(tmp_path / "360p" / "seg_000.ts"), format="mpegts") as container:
        frame = next(container.decode(video=0))
        # Upright pixels and no display matrix left for a player to apply a second time.
        assert (frame.width, frame.height, frame.rotation) == (360, 640, 0)
    assert image_size(result.poster) == (360, 640)


def test_source_without_sound_gives_video_only_variants(tmp_path: Path, silent_clip: Path) -> None:
    probe = probe_file(silent_clip)
    result = transcode_hls(source=silent_clip, out_dir=tmp_path, probe=probe, rungs=plan_ladder(probe))
    assert master_entries(result.master) == [("360p/index.m3u8", "360x640", "avc1.64001e")]
    with av.open(str(tmp_path / "360p" / "seg_000.ts"), format="mpegts") as container:
        assert (len(container.streams.video), len(container.streams.audio)) == (1, 0)


@pytest.mark.parametrize(
    "listing",
    [
        pytest.param("ffconcat version 1.0\nfile '{clip}'\n", id="ffconcat"),
        pytest.param(
            "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile:{clip}\n#EXT-X-ENDLIST\n", id="hls"
        ),
    ],
)
def test_a_listing_is_never_followed_even_if_mislabelled(
    tmp_path: Path, vertical_clip: Path, listing: str
) -> None:
    # Even with a forged probe, the forced demuxer reads the listing as a broken MP4, never the clip it names.
    source = tmp_path / "upload.mp4"
    source.write_text(listing.format(clip=vertical_clip))
    with pytest.raises(TranscodeFailed) as failed:
        transcode_hls(
            source=source, out_dir=tmp_path / "out", probe=probe_file(vertical_clip), rungs=LADDER[3:]
        )
    assert failed.value.reason == "ffmpeg exited with status 183"
    assert failed.value.stderr_tail
    assert not (tmp_path / "out" / "master.m3u8").exists()


def test_timeout_stops_ffmpeg(tmp_path: Path, vertical_clip: Path) -> None:
    probe = probe_file(vertical_clip)
    with pytest.raises(TranscodeFailed) as failed:
        transcode_hls(source=vertical_clip, out_dir=tmp_path, probe=probe, rungs=LADDER[1:], timeout_s=0.05)
    assert failed.value.reason == "ffmpeg ran longer than 0.05 s and was stopped"


def test_a_failing_progress_callback_stops_ffmpeg(tmp_path: Path, vertical_clip: Path) -> None:
    def give_up(percent: float) -> None:
        raise RuntimeError(f"cancelled at {percent:.0f}%")

    probe = probe_file(vertical_clip)
    with pytest.raises(RuntimeError, match="cancelled"):
        transcode_hls(
            source=vertical_clip, out_dir=tmp_path, probe=probe, rungs=LADDER[1:], on_progress=give_up
        )
    assert not (tmp_path / "master.m3u8").exists()
