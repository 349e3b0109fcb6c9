"""The media port's contract, the same tests on each adapter: a local folder (the embedded default) and a
bucket of an S3-compatible server on loopback, spoken to over HTTP."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from clipshop.errors import NotFound
from clipshop.kit.ports import MediaStore
from clipshop.media.storage import LocalMediaStore

MiB = 1024 * 1024


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return LocalMediaStore(region="us", root=tmp_path / "media")
    s3: Any = request.getfixturevalue("s3")
    made: MediaStore = s3.store(tmp_path, "us", multipart_bytes=5 * MiB)
    return made


def ladder(root: Path, *, generation: str, rungs: tuple[str, ...] = ("360p",)) -> Path:
    """A folder shaped like a transcoder's output: a master, a playlist and a segment per rung, pictures."""
    root.mkdir(parents=True)
    for rung in rungs:
        (root / rung).mkdir()
        (root / rung / "index.m3u8").write_text(f"#EXTM3U\nseg_000.ts\n#{generation}\n")
        (root / rung / "seg_000.ts").write_bytes(f"{generation} {rung} segment".encode())
    (root / "master.m3u8").write_text("#EXTM3U\n" + "".join(f"{r}/index.m3u8\n" for r in rungs))
    (root / "poster.jpg").write_bytes(f"{generation} poster".encode())
    return root


def test_a_file_is_read_back_whole_in_ranges_and_as_a_stream(store: MediaStore) -> None:
    store.put_bytes("avatars/u1/a.jpg", b"0123456789")
    assert store.read_bytes("avatars/u1/a.jpg") == b"0123456789"
    assert store.read_range("avatars/u1/a.jpg", start=2, end=5) == b"234"
    assert store.read_range("avatars/u1/a.jpg", start=8, end=50) == b"89"
    assert store.read_range("avatars/u1/a.jpg", start=10, end=12) == b""
    assert store.read_range("avatars/u1/a.jpg", start=4, end=4) == b""
    with store.open("avatars/u1/a.jpg") as stream:
        assert stream.read(3) == b"012"
        stream.seek(8)
        assert (stream.tell(), stream.read()) == (8, b"89")
        stream.seek(-4, os.SEEK_END)
        assert stream.read(2) == b"67"
    described = store.describe("avatars/u1/a.jpg")
    assert described is not None and described.size == 10 and described.modified_at > 0
    exists = [store.exists(key) for key in ("avatars/u1/a.jpg", "avatars/u1", "avatars/u1/b.jpg")]
    assert exists == [True, False, False]
    store.put_bytes("avatars/u1/a.jpg", b"new")  # a second write replaces the first
    assert store.read_bytes("avatars/u1/a.jpg") == b"new"


def test_a_missing_file_is_none_to_describe_and_an_error_to_read(store: MediaStore) -> None:
    assert store.describe("videos/v1/hls/master.m3u8") is None
    assert store.describe("videos/v1/hls") is None
    with pytest.raises(FileNotFoundError):
        store.read_bytes("videos/v1/hls/master.m3u8")
    with pytest.raises(FileNotFoundError):
        store.open("videos/v1/hls/master.m3u8")


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "videos/../../x", ""])
def test_keys_never_leave_the_store(store: MediaStore, key: str) -> None:
    with pytest.raises(NotFound):
        store.describe(key)
    with pytest.raises(NotFound):
        store.put_bytes(key, b"x")


def test_a_folder_replaces_what_was_under_its_prefix_and_nothing_else(
    store: MediaStore, tmp_path: Path
) -> None:
    store.put_folder("videos/v1/hls", ladder(tmp_path / "old", generation="old", rungs=("360p", "720p")))
    store.put_bytes("videos/v1/hls2/other.ts", b"a neighbour with a longer name")
    store.put_bytes("videos/v10/hls/master.m3u8", b"another video")
    store.put_folder("videos/v1/hls", ladder(tmp_path / "new", generation="new"))
    assert store.keys("videos/v1/hls") == [
        "videos/v1/hls/360p/index.m3u8",
        "videos/v1/hls/360p/seg_000.ts",
        "videos/v1/hls/master.m3u8",
        "videos/v1/hls/poster.jpg",
    ]
    assert store.read_bytes("videos/v1/hls/360p/seg_000.ts") == b"new 360p segment"
    assert store.read_bytes("videos/v1/hls/master.m3u8") == b"#EXTM3U\n360p/index.m3u8\n"
    assert store.keys("videos/v1/") == [*store.keys("videos/v1/hls"), "videos/v1/hls2/other.ts"]
    assert store.keys("videos/v1/hls/poster.jpg") == ["videos/v1/hls/poster.jpg"]
    assert store.keys("videos/v1/hls/poster") == []
    assert store.keys() == [*store.keys("videos/v1"), "videos/v10/hls/master.m3u8"]


def test_deleting_a_prefix_takes_its_folder_or_its_file_only(store: MediaStore, tmp_path: Path) -> None:
    store.put_folder("videos/v1/hls", ladder(tmp_path / "out", generation="one"))
    store.put_bytes("videos/v10/hls/master.m3u8", b"another video")
    store.put_bytes("avatars/u1/a.jpg", b"a")
    store.put_bytes("avatars/u1/b.jpg", b"b")
    store.delete_prefix("videos/v1/")
    store.delete_prefix("avatars/u1/a.jpg")
    store.delete_prefix("videos/v2")  # nothing there: nothing happens
    assert store.keys() == ["avatars/u1/b.jpg", "videos/v10/hls/master.m3u8"]


def test_a_large_file_goes_up_and_comes_back_byte_for_byte(store: MediaStore, tmp_path: Path) -> None:
    source = tmp_path / "large.mp4"
    data = bytes(range(256)) * (11 * MiB // 256)  # 11 MiB: three parts of 5 MiB at most
    source.write_bytes(data)
    store.put_file("videos/v1/download.mp4", source)
    described = store.describe("videos/v1/download.mp4")
    assert described is not None and described.size == len(data)
    assert (
        store.read_range("videos/v1/download.mp4", start=5 * MiB - 3, end=5 * MiB + 3)
        == (data[5 * MiB - 3 : 5 * MiB + 3])
    )
    with store.open("videos/v1/download.mp4") as stream:
        stream.seek(10 * MiB)
        assert stream.read() == data[10 * MiB :]
    assert store.read_bytes("videos/v1/download.mp4") == data


def test_a_concealed_folder_is_read_and_replaced_as_before_and_revealed_again(
    store: MediaStore, tmp_path: Path
) -> None:
    store.put_folder("videos/v1/hls", ladder(tmp_path / "one", generation="one"))
    before = store.keys()
    store.conceal("videos/v1/")
    store.conceal("videos/v1/")  # idempotent
    assert store.keys() == before
    assert store.read_bytes("videos/v1/hls/poster.jpg") == b"one poster"
    assert store.read_range("videos/v1/hls/poster.jpg", start=4, end=10) == b"poster"
    with store.open("videos/v1/hls/360p/seg_000.ts") as stream:
        assert stream.read() == b"one 360p segment"
    assert store.exists("videos/v1/hls/master.m3u8")
    store.put_folder("videos/v1/hls", ladder(tmp_path / "two", generation="two"))
    store.put_bytes("videos/v1/hls/poster.jpg", b"two poster, again")
    assert store.keys() == before
    assert store.read_bytes("videos/v1/hls/poster.jpg") == b"two poster, again"
    store.reveal("videos/v1")
    store.reveal("videos/v1")
    assert store.keys() == before
    assert store.read_bytes("videos/v1/hls/360p/seg_000.ts") == b"two 360p segment"
    store.conceal("videos/v1")
    store.delete_prefix("videos/v1")
    assert store.keys() == []
