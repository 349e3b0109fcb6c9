"""Server memory while a large video streams in over tus.

Makes a short high-bitrate MPEG-TS clip with ffmpeg and streams it over and over, each copy retimed to
follow the last (PTS/DTS, PCR and continuity counters rewritten), so the upload is one real, continuous
video of about `--size-mib` that the server's sniffing and full probe accept. The body comes from a
generator: neither side should ever hold the file. The RSS of the server process, and of the server with
its children, is sampled every 50 ms before, during and after the upload; "during" ends when the last PATCH
has been answered, which includes the probe of the whole file. That probe runs in a short-lived child
process (isolated from the server, under CPU and memory limits), so it is reported apart from the server's
own peak, which is what `peak_rss_mib` measures.
"""

from __future__ import annotations

import argparse
import base64
import math
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
import httpx
import imageio_ffmpeg
import numpy as np
import psutil

TARGET_PEAK_MIB = 150
TS = 188
CLIP_SECONDS = 8  # a whole number of 30 fps frames and of 1024-sample AAC frames at 48 kHz
TICKS = 90_000  # MPEG-TS clock for PTS/DTS and the PCR base
WRAP = 1 << 33


def make_clip(path: Path, *, seconds: int) -> None:
    """A 1080x1920 30 fps H.264/AAC clip in MPEG-TS at about 40 Mbit/s, like a phone on its high setting."""
    ffmpeg = str(imageio_ffmpeg.get_ffmpeg_exe())
    video = "testsrc2=s=1080x1920:r=30,noise=alls=12:allf=t"
    audio = "sine=frequency=440:sample_rate=48000,aformat=channel_layouts=stereo"
    args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video]
    args += ["-f", "lavfi", "-i", audio, "-t", str(seconds), "-map", "0:v", "-map", "1:a"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-g", "30", "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac", "-b:a", "128k", "-f", "mpegts", str(path)]
    subprocess.run(args, check=True, capture_output=True)


class RepeatedTs:
    """Copies of an MPEG-TS clip laid end to end as one stream: copy k is shifted by k clip lengths.

    The clip is parsed once for where its clocks and counters sit; each copy then costs one memcpy, a
    vectorised counter update and a few hundred small writes.
    """

    def __init__(self, data: bytes, *, period_s: int) -> None:
        if len(data) % TS or any(data[i] != 0x47 for i in range(0, len(data), TS)):
            raise ValueError("not a plain 188-byte MPEG-TS stream")
        self.data = data
        self.offset = period_s * TICKS
        packets = np.frombuffer(data, dtype=np.uint8).reshape(-1, TS)
        pids = ((packets[:, 1].astype(np.int32) & 0x1F) << 8) | packets[:, 2]
        self.pids = pids
        self.cc_per_pid = {int(pid): int(np.count_nonzero((pids == pid) & (packets[:, 3] & 0x10 > 0)))
                           for pid in np.unique(pids)}  # fmt: skip
        self.pcr: list[tuple[int, int]] = []  # (byte position, base)
        self.stamps: list[tuple[int, int, int]] = []  # (byte position, prefix nibble, value)
        for index in range(len(packets)):
            self._scan(index * TS)

    def _scan(self, at: int) -> None:
        data = self.data
        control = (data[at + 3] >> 4) & 0x3
        payload = at + 4
        if control & 0x2:
            length = data[at + 4]
            if length and data[at + 5] & 0x10:  # PCR present
                pcr = at + 6
                base = (int.from_bytes(data[pcr : pcr + 4], "big") << 1) | (data[pcr + 4] >> 7)
                self.pcr.append((pcr, base))
            payload = at + 5 + length
        unit_start = data[at + 1] & 0x40
        if not (control & 0x1 and unit_start) or data[payload : payload + 3] != b"\x00\x00\x01":
            return
        stream_id = data[payload + 3]
        if not (0xC0 <= stream_id <= 0xEF):
            return
        flags = data[payload + 7] >> 6
        for present, pos in ((flags & 0x2, payload + 9), (flags == 0x3, payload + 14)):
            if present:
                b = data[pos : pos + 5]
                value = (
                    (((b[0] >> 1) & 7) << 30) | (b[1] << 22) | ((b[2] >> 1) << 15) | (b[3] << 7) | (b[4] >> 1)
                )
                self.stamps.append((pos, b[0] >> 4, value))

    def copy(self, k: int) -> memoryview:
        """The clip as copy number k (0 is the clip itself)."""
        if k == 0:
            return memoryview(self.data)
        out = np.frombuffer(self.data, dtype=np.uint8).copy()
        packets = out.reshape(-1, TS)
        shift = np.zeros(8192, dtype=np.uint8)
        for pid, count in self.cc_per_pid.items():
            shift[pid] = (k * count) % 16
        counters = (packets[:, 3] & 0x0F) + shift[self.pids]
        packets[:, 3] = (packets[:, 3] & 0xF0) | (counters & 0x0F)
        buf = out.data.cast("B")
        delta = k * self.offset
        for pos, base in self.pcr:
            new = (base + delta) % WRAP
            buf[pos : pos + 4] = (new >> 1).to_bytes(4, "big")
            buf[pos + 4] = ((new & 1) << 7) | (buf[pos + 4] & 0x7F)
        for pos, prefix, value in self.stamps:
            new = (value + delta) % WRAP
            buf[pos : pos + 5] = bytes((
                (prefix << 4) | (((new >> 30) & 7) << 1) | 1, (new >> 22) & 0xFF,
                (((new >> 15) & 0x7F) << 1) | 1, (new >> 7) & 0xFF, ((new & 0x7F) << 1) | 1,
            ))  # fmt: skip
        return buf

    def stream(self, copies: int, piece: int) -> Iterator[bytes]:
        """All copies as pieces of at most `piece` bytes (the copy being cut is the only one in memory)."""
        for k in range(copies):
            data = self.copy(k)
            for start in range(0, len(data), piece):
                yield bytes(data[start : start + piece])


class Pieces:
    """A byte stream handed out as consecutive bodies of a given length, each itself a stream of pieces,
    so no whole body is ever built (httpx sends a body as its pieces arrive)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self.pieces = pieces
        self.carry = b""

    def body(self, length: int) -> Iterator[bytes]:
        left = length
        while left > 0:
            piece = self.carry or next(self.pieces)
            self.carry = piece[left:]
            yield piece[:left]
            left -= min(left, len(piece))


@dataclass
class UploadResult:
    upload_id: str
    seconds: float
    patches: list[float] = field(default_factory=list)  # seconds per PATCH, in order


def upload(client: httpx.Client, auth: dict[str, str], source: RepeatedTs, copies: int, *, chunk: int,
           before_last: Callable[[], None]) -> UploadResult:  # fmt: skip
    """tus: create, then send the stream as `chunk`-byte PATCHes, or as one streamed PATCH if chunk is 0."""
    length = len(source.data) * copies
    tus = {**auth, "Tus-Resumable": "1.0.0"}
    meta = "filename " + base64.b64encode(b"long-take.ts").decode()
    created = client.post(f"{harness.API}/uploads", headers={**tus, "Upload-Length": str(length),
                                                              "Upload-Metadata": meta})  # fmt: skip
    created.raise_for_status()
    url = created.headers["location"]
    result = UploadResult(upload_id=str(created.json()["id"]), seconds=0.0)
    pieces = Pieces(source.stream(copies, piece=1 << 20))
    chunk = chunk or length
    count = math.ceil(length / chunk)
    started = time.perf_counter()
    offset = 0
    for number in range(1, count + 1):
        size = min(chunk, length - offset)
        if number == count:
            before_last()
        headers = {**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                   "Content-Length": str(size)}  # fmt: skip
        sent = time.perf_counter()
        response = client.patch(url, content=pieces.body(size), headers=headers)
        result.patches.append(time.perf_counter() - sent)
        if response.status_code != 204:
            raise RuntimeError(f"PATCH at {offset} answered {response.status_code}: {response.text[:1000]}")
        offset = int(response.headers["upload-offset"])
    result.seconds = time.perf_counter() - started
    if offset != length:
        raise RuntimeError(f"the server holds {offset} of {length} bytes")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="upload size, rounded up to whole clips")
    parser.add_argument(
        "--chunk-mib", type=int, default=8, help="bytes per PATCH in MiB; 0 = one streamed PATCH"
    )
    parser.add_argument("--settle-s", type=float, default=2.0, help="seconds sampled before and after")
    harness.add_common_options(parser)
    args = parser.parse_args()
    command = harness.reproduce_command("upload.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(
            f"[yellow]ignoring {', '.join(dropped)}: benchmarks run the embedded default[/]"
        )
    harness.console.print(f"machine: {harness.machine_note()}")
    with harness.scratch_dir(args.data_dir, prefix="upload", keep=args.keep) as root:
        clip = root / "input" / "clip.ts"
        clip.parent.mkdir(parents=True)
        with harness.console.status(f"Generating a {CLIP_SECONDS} s high-bitrate MPEG-TS clip"):
            make_clip(clip, seconds=CLIP_SECONDS)
            source = RepeatedTs(clip.read_bytes(), period_s=CLIP_SECONDS)
        copies = max(1, math.ceil(args.size_mib * 2**20 / len(source.data)))
        size = copies * len(source.data)
        clip_mib, size_mib = len(source.data) / 2**20, size / 2**20
        harness.console.print(
            f"clip: {clip_mib:.1f} MiB for {CLIP_SECONDS} s; upload: {copies} copies = {size_mib:.0f} MiB, "
            f"{copies * CLIP_SECONDS} s of video"
        )
        data_dir = root / "data"
        harness.migrate(data_dir)
        # The upload must pass every limit, however large `--size-mib` makes it (it is as long as it is big).
        env = harness.platform_env(
            data_dir,
            max_upload_bytes=str(max(size, 2 * 1024**3)),
            max_upload_duration_s=str(max(copies * CLIP_SECONDS + 1, 600)),
        )
        me = psutil.Process()
        client_rss_before = me.memory_info().rss
        with (
            harness.Server(data_dir=data_dir, env=env) as server,
            httpx.Client(base_url=server.url, timeout=600) as client,
        ):
            auth = {"Authorization": f"Bearer {harness.sign_up(client, 'bench_uploader')}"}
            with harness.RssSampler(server.pid, interval_s=0.05) as rss:
                time.sleep(args.settle_s)
                rss.mark("during")
                result = upload(client, auth, source, copies, chunk=args.chunk_mib * 2**20,
                                before_last=lambda: rss.mark("last"))  # fmt: skip
                rss.mark("after")
                time.sleep(args.settle_s)
            client_peak = me.memory_info().rss
            status = client.get(f"{harness.API}/uploads/{result.upload_id}", headers=auth).json()
        stored = data_dir / "media" / "us" / "uploads" / f"{result.upload_id}.bin"
        if status["status"] != "complete":
            raise SystemExit(f"the server did not accept the upload: {status}")
        from clipshop.media.probe import probe_file

        probe_started = time.perf_counter()
        probe = probe_file(stored)
        probe_s = time.perf_counter() - probe_started

    figures = report(args, result, rss, size, probe_s, probe, client_rss_before, client_peak)
    harness.finish(command, figures, as_json=args.json)


def report(args: argparse.Namespace, result: UploadResult, rss: harness.RssSampler, size: int, probe_s: float,
           probe: Any, client_before: int, client_peak: int) -> dict[str, Any]:  # fmt: skip
    mib = 2**20
    streaming, last, baseline, after = (
        rss.peaks.get(k, 0) / mib for k in ("during", "last", "before", "after")
    )
    tree_peak = max(streaming, last)
    # The server process itself; the completion probe runs in a short-lived child, reported separately.
    peak = rss.own_peak / mib
    throughput = size / mib / result.seconds
    typical = harness.median(result.patches[:-1]) if len(result.patches) > 1 else float("nan")
    harness.console.print(harness.table(
        f"{size / mib:.0f} MiB over tus in {len(result.patches)} PATCH(es); server RSS sampled every 50 ms "
        f"({rss.samples} samples)",
        ["figure", "value"],
        [
            ["server peak RSS before (MiB)", f"{baseline:.1f}"],
            ["server process peak RSS, whole upload (MiB)", f"{peak:.1f}"],
            ["server + children peak RSS (MiB)", f"{tree_peak:.1f}"],
            ["  while streaming, all PATCHes but the last (MiB)",
             f"{streaming:.1f}" if len(result.patches) > 1 else "n/a (one PATCH)"],
            ["  during the last PATCH, incl. the probe child (MiB)", f"{last:.1f}"],
            ["server peak RSS after (MiB)", f"{after:.1f}"],
            [f"target: peak under {TARGET_PEAK_MIB} MiB",
             "[green]met[/]" if peak < TARGET_PEAK_MIB else "[red]missed[/]"],
            ["upload time, first byte → last PATCH answered (s)", f"{result.seconds:.1f}"],
            ["throughput (MiB/s)", f"{throughput:.1f}"],
            ["median PATCH (s)", f"{typical:.3f}" if len(result.patches) > 1 else "n/a (one PATCH)"],
            ["last PATCH, incl. the server's probe (s)", f"{result.patches[-1]:.2f}"],
            ["the same probe run here afterwards (s)", f"{probe_s:.2f}"],
            ["probe says", f"{probe.container} {probe.width}x{probe.height} {probe.duration_s:.1f} s "
                           f"{probe.video_codec}/{probe.audio_codec}"],
            ["client RSS before → after (MiB)", f"{client_before / mib:.0f} → {client_peak / mib:.0f}"],
        ],
    ))  # fmt: skip
    return {
        "peak_rss_mib": round(peak, 1),
        "tree_peak_rss_mib": round(tree_peak, 1),
        "baseline_rss_mib": round(baseline, 1),
        "after_rss_mib": round(after, 1),
        "streaming_rss_mib": round(streaming, 1),
        "last_patch_rss_mib": round(last, 1),
        "throughput_mib_s": round(throughput, 1),
        "upload_s": round(result.seconds, 2),
        "last_patch_s": round(result.patches[-1], 2),
        "probe_s": round(probe_s, 2),
        "size_mib": round(size / mib, 1),
        "patches": len(result.patches),
    }


if __name__ == "__main__":
    main()
