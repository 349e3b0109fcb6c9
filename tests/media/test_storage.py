"""The local storage adapters: keys stay inside the root, folders swap in whole, appends are exclusive."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from clipshop.errors import NotFound
from clipshop.kit.ports import StoredMedia, UploadBusy
from clipshop.media.storage import LocalMediaStore, LocalUploadVolume


def test_a_folder_replaces_what_was_under_its_prefix(tmp_path: Path) -> None:
    store = LocalMediaStore(region="us", root=tmp_path / "media")
    store.put_bytes("videos/v1/hls/old.ts", b"old")
    store.put_bytes("videos/v1/hls/master.m3u8", b"old master")
    outputs = tmp_path / "media" / "work" / "v1"
    (outputs / "360p").mkdir(parents=True)
    (outputs / "master.m3u8").write_bytes(b"#EXTM3U\n")
    (outputs / "360p" / "seg_000.ts").write_bytes(b"0123456789")
    store.put_folder("videos/v1/hls", outputs)
    assert store.keys("videos") == ["videos/v1/hls/360p/seg_000.ts", "videos/v1/hls/master.m3u8"]
    assert store.read_bytes("videos/v1/hls/master.m3u8") == b"#EXTM3U\n"
    assert store.read_range("videos/v1/hls/360p/seg_000.ts", start=2, end=5) == b"234"
    with store.open("videos/v1/hls/360p/seg_000.ts") as stream:
        stream.seek(8)
        assert stream.read() == b"89"
    described = store.describe("videos/v1/hls/360p/seg_000.ts")
    path = tmp_path / "media" / "videos" / "v1" / "hls" / "360p" / "seg_000.ts"
    assert described == StoredMedia(size=10, modified_at=path.stat().st_mtime)
    assert store.describe("videos/v1/hls/360p") is None
    assert store.url("videos/v1/hls/master.m3u8") == "/media/us/videos/v1/hls/master.m3u8"


def test_a_folder_from_another_disk_is_copied_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalMediaStore(region="us", root=tmp_path / "media")
    outputs = tmp_path / "elsewhere"
    outputs.mkdir()
    (outputs / "poster.jpg").write_bytes(b"jpeg")
    rename = Path.rename

    def across_disks(self: Path, target: Path) -> Path:
        if self == outputs:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", across_disks)
    store.put_file("avatars/u1/a.jpg", outputs / "poster.jpg")
    store.put_folder("videos/v2/hls", outputs)
    assert store.keys() == ["avatars/u1/a.jpg", "videos/v2/hls/poster.jpg"]
    assert store.read_bytes("videos/v2/hls/poster.jpg") == (outputs / "poster.jpg").read_bytes() == b"jpeg"
    store.delete_prefix("videos/v2")
    assert (store.keys(), store.exists("avatars/u1/a.jpg")) == (["avatars/u1/a.jpg"], True)


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "videos/../../x", ""])
def test_keys_never_leave_the_root(tmp_path: Path, key: str) -> None:
    store = LocalMediaStore(region="us", root=tmp_path / "media")
    with pytest.raises(NotFound):
        store.describe(key)


def test_uploads_stay_where_existing_data_folders_keep_them(tmp_path: Path) -> None:
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "us_old.bin").write_bytes(b"from before")
    volume = LocalUploadVolume(region="us", root=tmp_path)
    volume.create("us_new")
    assert volume.upload_ids() == ["us_new", "us_old"]
    assert volume.local_path("us_old") == tmp_path / "uploads" / "us_old.bin"
    assert (volume.size("us_old"), volume.read("us_old", start=5)) == (11, b"before")
    volume.delete("us_old")
    assert volume.upload_ids() == ["us_new"]


def test_an_append_drops_what_lay_past_its_offset_and_excludes_another(tmp_path: Path) -> None:
    volume = LocalUploadVolume(region="us", root=tmp_path)
    volume.create("us_u1")
    with volume.append("us_u1", offset=0) as appender:
        appender.write(b"abcdef")
        appender.sync()
    with volume.append("us_u1", offset=3) as appender:
        with pytest.raises(UploadBusy), volume.append("us_u1", offset=3):
            pass
        appender.write(b"XY")
        appender.sync()
    assert volume.read("us_u1") == b"abcXY"


def test_a_workspace_is_removed_whatever_is_left_in_it(tmp_path: Path) -> None:
    volume = LocalUploadVolume(region="us", root=tmp_path)
    with pytest.raises(RuntimeError), volume.workspace("v1") as folder:
        (folder / "360p").mkdir()
        (folder / "360p" / "seg_000.ts").write_bytes(b"x")
        raise RuntimeError("encoder crashed")
    assert list((tmp_path / "work").iterdir()) == []
