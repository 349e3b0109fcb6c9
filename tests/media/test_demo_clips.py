from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from clipshop.demo import clips
from clipshop.demo.clips import generate_clip
from clipshop.errors import Invalid
from clipshop.media.probe import probe_file

pytestmark = pytest.mark.slow

SEEDS = range(7)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("seeded")
    return {
        seed: generate_clip(folder / f"seed{seed}.mp4", width=96, height=160, duration_s=1.2, seed=seed)
        for seed in SEEDS
    }


def frames(path: Path) -> list[NDArray[np.int16]]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(np.int16) for frame in container.decode(video=0)]


def sound(path: Path) -> NDArray[np.float32]:
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray()[0] for frame in container.decode(audio=0)])


def test_every_clip_is_h264_and_aac(seeded: dict[int, Path]) -> None:
    for path in seeded.values():
        probe = probe_file(path)
        assert (probe.video_codec, probe.audio_codec, probe.width, probe.height) == ("h264", "aac", 96, 160)
        assert probe.duration_s == pytest.approx(1.2, abs=0.1)


def test_seeds_look_different(seeded: dict[int, Path]) -> None:
    middles = {seed: frames(path)[18] for seed, path in seeded.items()}
    for a in SEEDS:
        for b in SEEDS:
            if a < b:
                assert np.abs(middles[a] - middles[b]).mean() > 10, (a, b)


def test_every_seed_moves(seeded: dict[int, Path]) -> None:
    for seed, path in seeded.items():
        decoded = frames(path)
        assert len(decoded) == 36
        assert np.abs(decoded[5] - decoded[30]).mean() > 2, seed


def test_seeds_sound_different(seeded: dict[int, Path]) -> None:
    tunes = [sound(path)[:48000] for path in seeded.values()]
    assert all(np.abs(tune).max() > 0.1 for tune in tunes)
    for a in range(len(tunes)):
        for b in range(a + 1, len(tunes)):
            assert not np.allclose(tunes[a], tunes[b], atol=0.01), (a, b)


def test_same_seed_same_picture(tmp_path: Path, seeded: dict[int, Path]) -> None:
    again = generate_clip(tmp_path / "again.mp4", width=96, height=160, duration_s=1.2, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip(frames(again), frames(seeded[3]), strict=True))


def test_rotation_is_metadata_only_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    # Frame rotation is ffmpeg's counter-clockwise angle: -90 is a quarter turn clockwise.
    path = generate_clip(
        tmp_path / "turned.mp4", width=160, height=96, duration_s=0.5, rotation=90, audio=False
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["turned.mp4"]
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height, frame.rotation) == (160, 96, -90)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"width": 97, "height": 160}, "width"),
        ({"width": 0, "height": 160}, "width"),
        ({"width": 96, "height": 161}, "height"),
        ({"width": 96, "height": 160, "rotation": 45}, "rotation"),
        ({"width": 96, "height": 160, "duration_s": 0}, "duration_s"),
    ],
)
def test_bad_arguments_are_invalid(tmp_path: Path, kwargs: dict[str, int], field: str) -> None:
    arguments: dict[str, int] = {"duration_s": 1, **kwargs}
    with pytest.raises(Invalid) as invalid:
        generate_clip(tmp_path / "bad.mp4", **arguments)
    assert invalid.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_a_failed_generation_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An ffmpeg that writes part of its output and then dies, as on a full disk or a kill.
    dying = tmp_path / "dying-ffmpeg"
    dying.write_text(
        '#!/bin/sh\nfor last; do :; done\necho half > "$last"\necho "No space left" >&2\nexit 1\n'
    )
    dying.chmod(0o755)
    monkeypatch.setattr(clips, "ffmpeg_exe", lambda: str(dying))
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="No space left"):
        generate_clip(out / "clip.mp4", width=96, height=160, duration_s=1)
    assert list(out.iterdir()) == []
