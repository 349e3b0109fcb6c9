"""The probe run in a child process answers exactly as the in-process probe, and a child that dies is a
refusal, never a server error."""

from __future__ import annotations

from pathlib import Path

import pytest

from clipshop.errors import UnsupportedMedia
from clipshop.media import isolated_probe
from clipshop.media.probe import probe_file


def test_same_answer_as_the_in_process_probe(vertical_clip: Path) -> None:
    assert isolated_probe.probe_isolated(vertical_clip) == probe_file(vertical_clip)


def test_refusals_keep_their_codes(tmp_path: Path, vertical_clip: Path) -> None:
    cut = tmp_path / "cut.mp4"
    data = vertical_clip.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(UnsupportedMedia) as truncated:
        isolated_probe.probe_isolated(cut)
    assert truncated.value.code == "truncated_media"
    playlist = tmp_path / "x.mp4"
    playlist.write_bytes(b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(UnsupportedMedia) as not_media:
        isolated_probe.probe_isolated(playlist)
    assert not_media.value.code == "not_media"


def test_a_child_that_dies_is_a_refusal(monkeypatch: pytest.MonkeyPatch, vertical_clip: Path) -> None:
    # 64 MiB of address space is too little to even load the media libraries: the child dies.
    monkeypatch.setattr(isolated_probe, "MEMORY_LIMIT_BYTES", 64 * 1024**2)
    with pytest.raises(UnsupportedMedia) as refused:
        isolated_probe.probe_isolated(vertical_clip)
    assert refused.value.code == "not_media"
