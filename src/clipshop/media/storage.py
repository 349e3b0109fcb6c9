"""Local adapters of the storage ports: a region's media as a folder served by the app (embedded default),
and its uploads on the same disk. The only code that knows a key is a path."""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from clipshop.errors import NotFound
from clipshop.kit.ports import StoredMedia, UploadBusy

UPLOADS = "uploads"
WORK = "work"


def _inside(root: Path, key: str) -> Path:
    pure = PurePosixPath(key)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise NotFound("media", key)
    return root.joinpath(*pure.parts)


class LocalMediaStore:
    """A region's media as files under one root folder, served at `/media/<region>/<key>`."""

    def __init__(self, *, region: str, root: Path) -> None:
        self.region = region
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return _inside(self.root, key)

    def put_bytes(self, key: str, data: bytes) -> None:
        with self._replacing(key) as staged:
            staged.write_bytes(data)

    def put_file(self, key: str, source: Path) -> None:
        with self._replacing(key) as staged:
            shutil.copyfile(source, staged)

    @contextmanager
    def _replacing(self, key: str) -> Iterator[Path]:
        """A file to write beside `key`'s, renamed over it once written: a reader (another process) sees
        the old object or the new, never part of one, as with an object store."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            yield staged
            os.replace(staged, path)
        finally:
            staged.unlink(missing_ok=True)

    def put_folder(self, prefix: str, source: Path) -> None:
        final = self._path(prefix)
        final.parent.mkdir(parents=True, exist_ok=True)
        staged = final.with_name(f"{final.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            try:
                source.rename(staged)  # the same disk: a rename, nothing copied
            except OSError:
                shutil.copytree(source, staged)
            if final.exists():
                shutil.rmtree(final)
            staged.rename(final)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def read_range(self, key: str, *, start: int, end: int) -> bytes:
        with self._path(key).open("rb") as f:
            f.seek(start)
            return f.read(max(0, end - start))

    def describe(self, key: str) -> StoredMedia | None:
        path = self._path(key)
        if not path.is_file():
            return None
        stat = path.stat()
        return StoredMedia(size=stat.st_size, modified_at=stat.st_mtime)

    def url(self, key: str) -> str:
        return f"/media/{self.region}/{key}"

    def gated_url(self, key: str) -> str:
        return self.url(key)

    def conceal(self, prefix: str) -> None:
        """Nothing to move: every file of a local store is served through the app's gate."""

    def reveal(self, prefix: str) -> None:
        """Nothing to move (see `conceal`)."""

    def concealed_keys(self, prefix: str = "", *, before: datetime | None = None) -> list[str]:
        """None: nothing is ever moved (see `conceal`)."""
        return []

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        target = self._path(prefix)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()

    def keys(self, prefix: str = "") -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if base.is_file():
            return [prefix]
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())


class _FileAppender:
    """An append to an upload file held open under an exclusive lock."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)

    def sync(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())


class LocalUploadVolume:
    """Uploads as `uploads/<id>.bin` under a region's media folder (where they always were), with job
    workspaces beside them on the same disk, so finished outputs move into the media store by a rename."""

    def __init__(self, *, region: str, root: Path) -> None:
        self.region = region
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def local_path(self, upload_id: str) -> Path:
        return _inside(self.root, f"{UPLOADS}/{upload_id}.bin")

    def create(self, upload_id: str) -> None:
        path = self.local_path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    @contextmanager
    def append(self, upload_id: str, *, offset: int) -> Iterator[_FileAppender]:
        with open(self.local_path(upload_id), "r+b") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadBusy(upload_id) from None
            f.truncate(offset)
            f.seek(offset)
            yield _FileAppender(f)

    def size(self, upload_id: str) -> int:
        return self.local_path(upload_id).stat().st_size

    def read(self, upload_id: str, *, start: int = 0, length: int = -1) -> bytes:
        with self.local_path(upload_id).open("rb") as f:
            f.seek(start)
            return f.read(length)

    def delete(self, upload_id: str) -> None:
        self.local_path(upload_id).unlink(missing_ok=True)

    def upload_ids(self) -> list[str]:
        folder = self.root / UPLOADS
        if not folder.is_dir():
            return []
        return sorted(p.name.split(".")[0] for p in folder.rglob("*") if p.is_file())

    @contextmanager
    def workspace(self, name: str) -> Iterator[Path]:
        folder = _inside(self.root, f"{WORK}/{name}-{uuid.uuid4().hex[:8]}")
        folder.mkdir(parents=True)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
