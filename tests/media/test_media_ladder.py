from __future__ import annotations

from clipshop.media.probe import ProbeResult
from clipshop.media.transcode import LADDER, Rung, plan_ladder
from support import probe_of


def sizes(probe: ProbeResult) -> list[tuple[str, int, int]]:
    return [(r.name, *r.frame_size(width=probe.width, height=probe.height)) for r in plan_ladder(probe)]


def test_ladder_for_vertical_1080p() -> None:
    assert sizes(probe_of(1080, 1920)) == [
        ("1080p", 1080, 1920),
        ("720p", 720, 1280),
        ("480p", 480, 854),
        ("360p", 360, 640),
    ]


def test_ladder_for_vertical_720p() -> None:
    assert sizes(probe_of(720, 1280)) == [("720p", 720, 1280), ("480p", 480, 854), ("360p", 360, 640)]


def test_ladder_for_landscape_1080p() -> None:
    assert sizes(probe_of(1920, 1080)) == [
        ("1080p", 1920, 1080),
        ("720p", 1280, 720),
        ("480p", 854, 480),
        ("360p", 640, 360),
    ]


def test_a_source_below_the_smallest_rung_keeps_its_size() -> None:
    assert plan_ladder(probe_of(320, 568)) == [
        Rung(name="320p", short_side=320, video_kbps=650, audio_kbps=64)
    ]
    assert sizes(probe_of(320, 568)) == [("320p", 320, 568)]
    assert sizes(probe_of(321, 569)) == [("320p", 320, 568)]


def test_a_source_between_rungs_is_never_upscaled() -> None:
    assert [r.name for r in plan_ladder(probe_of(600, 1066))] == ["480p", "360p"]


def test_ladder_bitrates_fall_with_size() -> None:
    assert [(r.video_kbps, r.audio_kbps) for r in LADDER] == [(4500, 128), (2500, 128), (1100, 96), (650, 64)]
