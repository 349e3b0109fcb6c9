"""Media stores per region: a local folder served by the app (embedded default)."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from clipshop.errors import NotFound


class LocalMediaStore:
    """A region's media as files under one root folder, served at `/media/<region>/<key>`."""

    def __init__(self, *, region: str, root: Path) -> None:
        self.region = region
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def local_path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise NotFound("media", key)
        return self.root.joinpath(*pure.parts)

    def url(self, key: str) -> str:
        return f"/media/{self.region}/{key}"

    def exists(self, key: str) -> bool:
        return self.local_path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        target = self.local_path(prefix)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()

    def keys(self, prefix: str = "") -> list[str]:
        base = self.local_path(prefix) if prefix else self.root
        if base.is_file():
            return [prefix]
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())
