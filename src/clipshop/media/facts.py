"""What a probe found in a media file: plain data, importable without loading the media libraries."""

from __future__ import annotations

from clipshop.kit.ports import ProbeResult as ProbeResult
