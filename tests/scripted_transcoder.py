"""A Transcoder that needs no ffmpeg: it writes small stand-in outputs, records what it was asked and crashes
or fails when told to, so the video pipeline's bookkeeping is tested apart from the encoder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clipshop.kit.ports import Ladder, LadderRung, ProbeResult, TranscodeFailed
from clipshop.media.transcode import plan_ladder
from support import probe_of

STILL = b"\xff\xd8\xff\xe0 a stand-in JPEG \xff\xd9"


@dataclass
class ScriptedTranscoder:
    """Answers every probe with `probe_result`; each ladder calls `during` (if set), then fails with `fail`,
    raises `crash`, or writes a master playlist, a playlist and segment per rendition, poster and thumb."""

    probe_result: ProbeResult = field(default_factory=lambda: probe_of(360, 640))
    fail: str | None = None
    crash: BaseException | None = None
    during: Callable[[], None] | None = None
    probed: list[Path] = field(default_factory=list)
    ladders: list[tuple[Path, tuple[str, ...]]] = field(default_factory=list)

    def probe(self, source: Path) -> ProbeResult:
        self.probed.append(source)
        return self.probe_result

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
        self.ladders.append((source, tuple(renditions)))
        if self.during is not None:
            self.during()
        if on_progress is not None:
            on_progress(50.0)
        if self.crash is not None:
            raise self.crash
        if self.fail is not None:
            raise TranscodeFailed(self.fail, ["last line of the encoder"])
        rungs = []
        for rung in plan_ladder(probe):
            if rung.name in renditions:
                width, height = rung.frame_size(width=probe.width, height=probe.height)
                bandwidth = (rung.video_kbps + rung.audio_kbps) * 1000
                rungs.append(LadderRung(name=rung.name, width=width, height=height, bandwidth=bandwidth))
                (out_dir / rung.name).mkdir(parents=True)
                (out_dir / rung.name / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.0,\nseg_000.ts\n")
                (out_dir / rung.name / "seg_000.ts").write_bytes(b"\x47" * 188 * 4)
        (out_dir / "master.m3u8").write_text(
            "#EXTM3U\n"
            + "".join(
                f"#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth},RESOLUTION={r.width}x{r.height}\n{r.name}/index.m3u8\n"
                for r in rungs
            )
        )
        (out_dir / "poster.jpg").write_bytes(STILL)
        (out_dir / "thumb.jpg").write_bytes(STILL)
        if on_progress is not None:
            on_progress(100.0)
        return Ladder(
            master="master.m3u8", poster="poster.jpg", thumb="thumb.jpg", rungs=tuple(rungs), elapsed_s=0.5
        )

    def still(self, data: bytes, *, max_bytes: int, what: str, code: str, side: int, square: bool) -> bytes:
        return STILL
