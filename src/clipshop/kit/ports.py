"""Ports to the outside world; real implementations are picked by settings, test doubles live in tests/."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class MediaStore(Protocol):
    """Where a region keeps its files: uploads, renditions, posters, avatars."""

    region: str

    def local_path(self, key: str) -> Path:
        """A path on this machine for `key` (written to directly by uploads and ffmpeg)."""
        ...

    def url(self, key: str) -> str: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def keys(self, prefix: str = "") -> list[str]: ...
