"""The Transcoder port on this machine: PyAV probes in a child process, ffmpeg ladders, Pillow stills."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from clipshop.kit.ports import Ladder, LadderRung, ProbeResult
from clipshop.media import stills
from clipshop.media.isolated_probe import probe_isolated
from clipshop.media.transcode import plan_ladder, transcode_hls


class FfmpegTranscoder:
    """ffmpeg and PyAV as shipped in the wheels; `threads` caps ffmpeg's threads (0: its own choice)."""

    def __init__(self, *, threads: int = 0) -> None:
        self.threads = threads

    def probe(self, source: Path) -> ProbeResult:
        return probe_isolated(source)

    def ladder(
        self,
        *,
        source: Path,
        probe: ProbeResult,
        renditions: Sequence[str],
        out_dir: Path,
        on_progress: Callable[[float], None] | None,
        timeout_s: float,
    ) -> Ladder:
        result = transcode_hls(
            source=source,
            out_dir=out_dir,
            probe=probe,
            rungs=[rung for rung in plan_ladder(probe) if rung.name in renditions],
            on_progress=on_progress,
            threads=self.threads,
            timeout_s=timeout_s,
        )
        return Ladder(
            master=result.master.relative_to(out_dir).as_posix(),
            poster=result.poster.relative_to(out_dir).as_posix(),
            thumb=result.thumb.relative_to(out_dir).as_posix(),
            rungs=tuple(
                LadderRung(name=v.name, width=v.width, height=v.height, bandwidth=v.bandwidth)
                for v in result.variants
            ),
            elapsed_s=result.elapsed_s,
            signature=result.signature,
        )

    def still(self, data: bytes, *, max_bytes: int, what: str, code: str, side: int, square: bool) -> bytes:
        image = stills.decode(data, max_bytes=max_bytes, what=what, code=code)
        shaped = stills.square(image, side) if square else stills.fit_within(image, side)
        return stills.jpeg(shaped)
