"""The upload limits on probe facts alone: the defaults, each limit's edge, and what a refusal says."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from clipshop.config import Settings
from clipshop.errors import Invalid
from clipshop.kit.ports import ProbeResult
from clipshop.media.limits import UploadLimits, check_upload_limits, duration_text, frame_rate

DEFAULTS = UploadLimits.from_settings(Settings(env="test"))


def probe(**facts: Any) -> ProbeResult:
    """A 20 s, 1080x1920, 30 fps clip, changed by `facts`."""
    base = ProbeResult(
        duration_s=20.0,
        width=1080,
        height=1920,
        coded_width=1080,
        coded_height=1920,
        rotation=0,
        fps=30.0,
        video_codec="h264",
        audio_codec="aac",
        container="mov",
        frame_count=600,
    )
    return replace(base, **facts)


def refusal(facts: ProbeResult, limits: UploadLimits = DEFAULTS) -> dict[str, Any]:
    with pytest.raises(Invalid) as refused:
        check_upload_limits(facts, limits)
    return refused.value.problem()


def test_the_defaults() -> None:
    defaults = UploadLimits.from_settings(Settings(env="test"))
    assert defaults == UploadLimits(
        max_bytes=2 * 1024**3,
        max_duration_s=600.0,
        min_duration_s=1.0,
        min_short_side=144,
        max_long_side=4096,
        max_fps=120,
        max_frames=72_000,
    )


def test_the_frame_limit_follows_the_duration_and_rate_unless_set() -> None:
    shorter = Settings(env="test", max_upload_duration_s=60, max_upload_fps=60)
    assert UploadLimits.from_settings(shorter).max_frames == 3_600
    assert UploadLimits.from_settings(shorter.with_overrides(max_upload_frames=1_000)).max_frames == 1_000


def test_a_short_side_minimum_over_the_long_side_maximum_is_refused() -> None:
    with pytest.raises(ValidationError, match="min_upload_short_side \\(500\\) is larger than"):
        Settings(env="test", min_upload_short_side=500, max_upload_long_side=400)


def test_a_clip_at_every_default_limit_passes() -> None:
    at_limits = probe(duration_s=600.0, width=144, height=4096, coded_width=144, coded_height=4096, fps=120.0)
    check_upload_limits(replace(at_limits, frame_count=72_000), DEFAULTS)


OVER = {
    "video_too_long": (
        probe(duration_s=600.1, frame_count=18_003),
        "This video lasts 10 min 0.1 s; clips may last at most 10 min. Trim it and upload it again.",
        600.0,
        600.1,
    ),
    "video_too_short": (
        probe(duration_s=0.94, frame_count=28),
        "This video lasts 0.9 s; clips must last at least 1 s. Upload a longer one.",
        1.0,
        0.9,
    ),
    "frame_too_small": (
        probe(width=142, height=256, coded_width=142, coded_height=256),
        "This video's frames are 142x256 pixels; the short side must be at least 144 pixels."
        " Upload a larger version of it.",
        144,
        142,
    ),
    "frame_too_large": (
        probe(width=2304, height=4098, coded_width=2304, coded_height=4098),
        "This video's frames are 2304x4098 pixels; the long side may be at most 4096 pixels."
        " Export it at a smaller size and upload it again.",
        4096,
        4098,
    ),
    "frame_rate_too_high": (
        probe(fps=121.0, frame_count=2_420),
        "This video runs at 121 frames per second; the limit is 120. Export it at a lower frame rate"
        " and upload it again.",
        120,
        121,
    ),
    "too_many_frames": (
        probe(duration_s=600.0, fps=120.0, frame_count=72_001),
        "This video has 72,001 frames; the limit is 72,000. Shorten it or lower its frame rate and"
        " upload it again.",
        72_000,
        72_001,
    ),
}


@pytest.mark.parametrize("code", list(OVER))
def test_a_clip_just_over_a_limit_is_refused_with_its_code(code: str) -> None:
    facts, detail, limit, found = OVER[code]
    assert refusal(facts) == {
        "type": f"https://clipshop.dev/problems/{code}",
        "title": "Invalid value",
        "status": 422,
        "code": code,
        "detail": detail,
        "field": "file",
        "limit": limit,
        "found": found,
    }


def test_durations_are_compared_to_a_tenth_of_a_second() -> None:
    check_upload_limits(probe(duration_s=600.04, frame_count=18_001), DEFAULTS)
    assert refusal(probe(duration_s=600.06, frame_count=18_002))["found"] == 600.1
    check_upload_limits(probe(duration_s=0.96, frame_count=29), DEFAULTS)
    assert refusal(probe(duration_s=0.94, frame_count=28))["found"] == 0.9


def test_a_shortest_clip_over_the_longest_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"min_upload_duration_s \(20\.0\) is larger than"):
        Settings(env="test", min_upload_duration_s=20, max_upload_duration_s=10)


def test_frame_size_is_judged_after_rotation() -> None:
    # Stored 4096x144 and turned a quarter: shown 144 wide, 4096 high, at both limits.
    check_upload_limits(
        probe(width=144, height=4096, coded_width=4096, coded_height=144, rotation=90), DEFAULTS
    )
    turned = probe(width=142, height=4096, coded_width=4096, coded_height=142, rotation=270)
    assert (refusal(turned)["code"], refusal(turned)["found"]) == ("frame_too_small", 142)


def test_stored_frames_larger_than_shown_are_too_large() -> None:
    # A pixel aspect ratio of 1:2 shows 4100x1024 stored pixels as 2050x1024.
    squeezed = probe(width=2050, height=1024, coded_width=4100, coded_height=1024)
    problem = refusal(squeezed)
    assert (problem["code"], problem["found"]) == ("frame_too_large", 4100)
    assert problem["detail"].startswith("This video's frames are 2050x1024 pixels (stored as 4100x1024);")


def test_the_frame_rate_is_the_lower_of_the_stated_and_the_counted() -> None:
    # An AVI stream copy states its time base (600) as its rate; 90 frames over 3.03 s is the truth.
    avi = probe(fps=600.0, frame_count=90, duration_s=3.029333)
    assert frame_rate(avi) == 30
    check_upload_limits(avi, DEFAULTS)
    # A Matroska duration may leave out the last frame: 4 frames at 10 fps over 0.3 s would count as 13.
    assert frame_rate(probe(fps=10.0, frame_count=4, duration_s=0.3)) == 10
    # Phones' variable rates hover around the nominal one.
    assert frame_rate(probe(fps=120.4, frame_count=2_408, duration_s=20.0)) == 120


def test_facts_without_a_frame_count_are_counted_from_duration_and_rate() -> None:
    check_upload_limits(probe(duration_s=600.0, fps=120.0, frame_count=None), DEFAULTS)
    tight = replace(DEFAULTS, max_frames=599)
    assert refusal(probe(frame_count=None), tight)["found"] == 600


def test_limits_are_checked_in_order_and_the_first_one_over_answers() -> None:
    everything_wrong = probe(
        duration_s=900.0, width=100, height=5000, coded_width=100, coded_height=5000, fps=240.0
    )
    assert refusal(replace(everything_wrong, frame_count=216_000))["code"] == "video_too_long"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.8, "0.8 s"), (1.0, "1 s"), (59.96, "1 min"), (600.0, "10 min"), (601.2, "10 min 1.2 s")],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
