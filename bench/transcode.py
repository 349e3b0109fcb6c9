"""Upload-to-ready wall time of the platform against a bare ffmpeg run that makes the same HLS ladder.

(a) platform: a real server on the embedded default (SQLite jobs, the job consumer inside the app) takes a
    20 s 1080x1920 clip through tus, POST /api/v1/videos and the transcode job; the clock runs from the
    first PATCH byte until /api/v1/videos/{id}/status says ready.
(b) bare: one ffmpeg command line, written out below, that makes the same rungs (sizes, bitrates, preset,
    keyframe grid, 2 s MPEG-TS segments, AAC) plus the poster and thumbnail from the same file.

The two alternate, a b a b …; the figure is the ratio of the medians (the issue's target: at most 1.15).

With --s3 the platform keeps its media in a bucket per region of an S3-compatible server on loopback
(moto's, started here): the video is ready only once its ladder is in the bucket, so (a) includes that
upload; the run also times putting the bare command's ladder into a bucket the same way, on its own.
"""

from __future__ import annotations

import argparse
import base64
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import harness
import httpx
import imageio_ffmpeg
import psutil

CLIP_WIDTH, CLIP_HEIGHT, CLIP_SECONDS, CLIP_SEED = 1080, 1920, 20, 1
TARGET_RATIO = 1.15
SLOW_POLL_S = 1.0
NEAR_END_PERCENT = 90.0

if TYPE_CHECKING:
    from clipshop.media.s3 import S3MediaStore

# The ladder the bare command makes: name, width, height, video kbps, audio kbps (of a 1080x1920 source).
BARE_LADDER = (
    ("1080p", 1080, 1920, 4500, 128),
    ("720p", 720, 1280, 2500, 128),
    ("480p", 480, 854, 1100, 96),
    ("360p", 360, 640, 650, 64),
)


# The whole job as the shell line one would type, written by hand (not built by the platform's code).
BARE_COMMAND = """
{ffmpeg} -nostdin -hide_banner -loglevel error -y -i {source}
  -filter_complex '[0:v:0]split=5[s0][s1][s2][s3][still];
    [s0]scale=1080:1920:flags=bicubic,setsar=1,format=yuv420p[v0];
    [s1]scale=720:1280:flags=bicubic,setsar=1,format=yuv420p[v1];
    [s2]scale=480:854:flags=bicubic,setsar=1,format=yuv420p[v2];
    [s3]scale=360:640:flags=bicubic,setsar=1,format=yuv420p[v3];
    [still]trim=start=1.000,setpts=PTS-STARTPTS,split=2[p0][p1];
    [p0]scale=1080:1920,setsar=1[poster];
    [p1]scale=360:640,setsar=1[thumb]'
  -map_metadata -1 -map_chapters -1
  -map [v0] -map 0:a:0 -map [v1] -map 0:a:0 -map [v2] -map 0:a:0 -map [v3] -map 0:a:0
  -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p
  -g 60 -keyint_min 60 -sc_threshold 0 -force_key_frames 'expr:gte(t,n_forced*2)'
  -b:v:0 4500k -maxrate:v:0 4815k -bufsize:v:0 6750k
  -b:v:1 2500k -maxrate:v:1 2675k -bufsize:v:1 3750k
  -b:v:2 1100k -maxrate:v:2 1177k -bufsize:v:2 1650k
  -b:v:3 650k -maxrate:v:3 695k -bufsize:v:3 975k
  -c:a aac -ac 2 -ar 48000 -b:a:0 128k -b:a:1 128k -b:a:2 96k -b:a:3 64k
  -f hls -hls_time 2 -hls_playlist_type vod -hls_list_size 0
  -hls_flags independent_segments -hls_segment_type mpegts
  -hls_segment_filename {out}/%v/seg_%03d.ts -master_pl_name master.m3u8
  -var_stream_map 'v:0,a:0,name:1080p v:1,a:1,name:720p v:2,a:2,name:480p v:3,a:3,name:360p'
  {out}/%v/index.m3u8
  -map [poster] -map_metadata -1 -frames:v 1 -update 1 -q:v 3 {out}/poster.jpg
  -map [thumb] -map_metadata -1 -frames:v 1 -update 1 -q:v 3 {out}/thumb.jpg
"""


def bare_command(ffmpeg: str, source: Path, out: Path) -> list[str]:
    line = BARE_COMMAND.format(
        ffmpeg=shlex.quote(ffmpeg), source=shlex.quote(str(source)), out=shlex.quote(str(out))
    )
    args = shlex.split(line)
    # The graph is written over several lines for reading; ffmpeg takes it as one.
    index = args.index("-filter_complex") + 1
    args[index] = "".join(part.strip() for part in args[index].splitlines())
    return args


@dataclass
class PlatformRun:
    total_s: float
    upload_s: float  # every PATCH, the last one including the server's full probe of the file
    create_s: float  # POST /api/v1/videos
    queue_s: float  # until a rendition shows `processing` (job picked up), within one poll interval
    transcode_s: float  # from then until the status says ready
    cpu_s: float  # the server process and its ffmpeg, over the whole run
    others_cpu_s: float  # what other processes on the machine used meanwhile
    output_bytes: int
    renditions: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class BareRun:
    total_s: float
    cpu_s: float
    others_cpu_s: float
    output_bytes: int
    put_s: float | None = None  # --s3: putting this ladder into a bucket, apart from the ffmpeg run


@contextmanager
def s3_buckets() -> Iterator[tuple[dict[str, str], S3MediaStore]]:
    """moto's S3 server on 127.0.0.1 (the tests' own, `tests/s3_server.py`), a public-read bucket per region,
    the settings that give the platform those buckets, and a store of a spare bucket (for timing the bare
    ladder's upload)."""
    sys.path.insert(0, str(harness.REPO / "tests"))
    from clipshop.config import DEFAULT_COUNTRIES
    from clipshop.media.s3 import S3MediaStore, prepare_bucket
    from s3_server import SIGNING_REGION, s3_server

    with s3_server() as server:
        regions: dict[str, Any] = {}
        for name, countries in DEFAULT_COUNTRIES.items():
            prepare_bucket(server.client, f"bench-{name}", region_name=SIGNING_REGION, public_read=True)
            regions[name] = {"countries": countries, "media_bucket": f"bench-{name}"}
        prepare_bucket(server.client, "bench-bare", region_name=SIGNING_REGION, public_read=True)
        settings = {"regions": json.dumps(regions), **server.settings()}
        settings.pop("s3_multipart_bytes", None)  # the deployment's default part size, not a test's
        bare = S3MediaStore(
            region="us",
            bucket="bench-bare",
            client=server.client,
            public_url=f"{server.endpoint_url}/bench-bare",
        )
        yield settings, bare


def stored_bytes(store: S3MediaStore, prefix: str) -> int:
    """The size of what a bucket holds under `prefix`."""
    return sum(d.size for key in store.keys(prefix) if (d := store.describe(key)) is not None)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def upload(client: httpx.Client, auth: dict[str, str], path: Path, chunk: int) -> tuple[str, float]:
    """tus: create, then PATCH `chunk` bytes at a time; returns the upload id and when the first byte left."""
    length = path.stat().st_size
    meta = "filename " + base64.b64encode(path.name.encode()).decode()
    tus = {**auth, "Tus-Resumable": "1.0.0"}
    created = client.post(
        f"{harness.API}/uploads", headers={**tus, "Upload-Length": str(length), "Upload-Metadata": meta}
    )
    created.raise_for_status()
    url = created.headers["location"]
    started = time.perf_counter()
    offset = 0
    with path.open("rb") as f:
        while offset < length:
            f.seek(offset)
            headers = {**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
            response = client.patch(url, content=f.read(chunk), headers=headers)
            if response.status_code != 204:
                raise RuntimeError(f"PATCH at {offset} failed: {response.status_code} {response.text}")
            offset = int(response.headers["upload-offset"])
    return str(created.json()["id"]), started


def platform_run(
    client: httpx.Client, server: psutil.Process, output_bytes: Callable[[str], int], args: Options
) -> PlatformRun:
    cpu_before, mine_before = harness.cpu_seconds(server), harness.cpu_seconds(psutil.Process())
    machine_before = harness.machine_busy_seconds()
    upload_id, started = upload(client, args.auth, args.clip, args.chunk)
    uploaded = time.perf_counter()
    body = {"upload_id": upload_id, "caption": "bench #bench", "publish": True}
    created = client.post(f"{harness.API}/videos", headers=args.auth, json=body)
    created.raise_for_status()
    video_id = created.json()["id"]
    posted = time.perf_counter()
    picked_up: float | None = None
    deadline = posted + 30 * 60
    while True:
        response = client.get(f"{harness.API}/videos/{video_id}/status", headers=args.auth)
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        now = time.perf_counter()
        started_work = any(r["status"] != "queued" for r in status["renditions"])
        if picked_up is None and (status["status"] != "processing" or started_work):
            picked_up = now
        if status["status"] == "ready":
            break
        if status["status"] == "failed":
            raise RuntimeError(f"the platform failed the video: {status['error']}")
        if now > deadline:
            raise RuntimeError("the video was not ready after 30 minutes")
        # Poll often only where it sets the figures (the pick-up and the last percent), so the polling
        # itself costs the server little CPU; 1 s in between, as a creator's page would.
        near_end = status["percent"] >= NEAR_END_PERCENT
        time.sleep(args.poll_s if picked_up is None or near_end else SLOW_POLL_S)
    ready = time.perf_counter()
    cpu = harness.cpu_seconds(server) - cpu_before
    mine = harness.cpu_seconds(psutil.Process()) - mine_before
    others = harness.machine_busy_seconds() - machine_before - cpu - mine
    master = client.get(status["master_url"])
    if master.status_code != 200 or master.text.count("#EXT-X-STREAM-INF") != len(status["renditions"]):
        raise RuntimeError(f"the master playlist is not served right: {master.status_code}\n{master.text}")
    assert picked_up is not None
    return PlatformRun(
        total_s=ready - started,
        upload_s=uploaded - started,
        create_s=posted - uploaded,
        queue_s=picked_up - posted,
        transcode_s=ready - picked_up,
        cpu_s=cpu,
        others_cpu_s=max(0.0, others),
        output_bytes=output_bytes(video_id),
        renditions=[(r["name"], r["width"], r["height"]) for r in status["renditions"]],
    )


def bare_run(ffmpeg: str, clip: Path, out: Path, bucket: S3MediaStore | None) -> BareRun:
    for name, *_ in BARE_LADDER:
        (out / name).mkdir(parents=True, exist_ok=True)
    command = bare_command(ffmpeg, clip, out)
    cpu_before, mine_before = harness.children_cpu_seconds(), harness.cpu_seconds(psutil.Process())
    machine_before = harness.machine_busy_seconds()
    started = time.perf_counter()
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    cpu = harness.children_cpu_seconds() - cpu_before
    # cpu_seconds of this process counts its waited-for children, so the ffmpeg is in `mine` too.
    others = (
        harness.machine_busy_seconds()
        - machine_before
        - (harness.cpu_seconds(psutil.Process()) - mine_before)
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bare ffmpeg failed ({completed.returncode}): {completed.stderr[-2000:]}")
    written = ["master.m3u8", "poster.jpg", "thumb.jpg", *(f"{name}/index.m3u8" for name, *_ in BARE_LADDER)]
    missing = [p for p in written if not (out / p).is_file()]
    if missing:
        raise RuntimeError(f"bare ffmpeg did not write {missing}")
    run = BareRun(total_s=elapsed, cpu_s=cpu, others_cpu_s=max(0.0, others), output_bytes=folder_bytes(out))
    if bucket is not None:
        started = time.perf_counter()
        bucket.put_folder(f"videos/{out.name}/hls", out)
        run.put_s = time.perf_counter() - started
    return run


@dataclass
class Options:
    clip: Path
    chunk: int
    poll_s: float
    auth: dict[str, str] = field(default_factory=dict)


def report(platform_runs: list[PlatformRun], bare_runs: list[BareRun], ffmpeg: str) -> dict[str, float]:
    def med(values: list[float]) -> float:
        return harness.median(values)

    rows: list[list[str]] = []
    for index, (p, b) in enumerate(zip(platform_runs, bare_runs, strict=True), start=1):
        rows.append([f"platform #{index}", f"{p.total_s:.2f}", f"{p.cpu_s:.1f}", f"{p.others_cpu_s:.1f}",
                     f"{p.upload_s:.2f}", f"{p.create_s:.3f}", f"{p.queue_s:.2f}", f"{p.transcode_s:.2f}",
                     f"{p.output_bytes / 2**20:.2f}"])  # fmt: skip
        rows.append([f"bare ffmpeg #{index}", f"{b.total_s:.2f}", f"{b.cpu_s:.1f}", f"{b.others_cpu_s:.1f}",
                     "", "", "", f"{b.total_s:.2f}", f"{b.output_bytes / 2**20:.2f}"])  # fmt: skip
    columns = ["run", "wall s", "CPU s", "others' CPU s", "upload+probe s", "create s", "queue s", "encode s",
               "output MiB"]  # fmt: skip
    harness.console.print()
    harness.console.print(
        harness.table(
            "Runs, in the order they ran (others' CPU: what other processes used meanwhile)", columns, rows
        )
    )
    figures = {
        "platform_s": med([r.total_s for r in platform_runs]),
        "bare_s": med([r.total_s for r in bare_runs]),
        "upload_s": med([r.upload_s for r in platform_runs]),
        "create_s": med([r.create_s for r in platform_runs]),
        "queue_s": med([r.queue_s for r in platform_runs]),
        "transcode_s": med([r.transcode_s for r in platform_runs]),
        "platform_cpu_s": med([r.cpu_s for r in platform_runs]),
        "bare_cpu_s": med([r.cpu_s for r in bare_runs]),
    }
    figures["ratio"] = figures["platform_s"] / figures["bare_s"]
    # Other work on the machine only ever adds time, so the best runs are the least disturbed ones.
    figures["best_ratio"] = min(r.total_s for r in platform_runs) / min(r.total_s for r in bare_runs)
    figures["cpu_ratio"] = figures["platform_cpu_s"] / figures["bare_cpu_s"]
    puts = [r.put_s for r in bare_runs if r.put_s is not None]
    if puts:
        figures["bare_ladder_put_s"] = med(puts)
    harness.console.print(
        harness.table(
            "Upload-to-ready against bare ffmpeg (medians)",
            ["figure", "value"],
            [
                ["platform: first upload byte → ready (s)", f"{figures['platform_s']:.2f}"],
                ["  tus upload, incl. the server's probe (s)", f"{figures['upload_s']:.2f}"],
                ["  POST /videos (s)", f"{figures['create_s']:.3f}"],
                ["  queue wait, to ±1 poll (s)", f"{figures['queue_s']:.2f}"],
                ["  transcode job to ready (s)", f"{figures['transcode_s']:.2f}"],
                ["bare ffmpeg (s)", f"{figures['bare_s']:.2f}"],
                *(
                    [
                        [
                            "  of which: the bare ladder put into a bucket alone (s)",
                            f"{figures['bare_ladder_put_s']:.2f}",
                        ]
                    ]
                    if puts
                    else []
                ),
                ["ratio platform / bare, wall", f"{figures['ratio']:.3f}"],
                ["ratio of the best runs, wall", f"{figures['best_ratio']:.3f}"],
                [
                    "CPU s: platform (server + ffmpeg) / bare",
                    f"{figures['platform_cpu_s']:.1f} / "
                    f"{figures['bare_cpu_s']:.1f} = {figures['cpu_ratio']:.3f}",
                ],
            ],
        )
    )
    harness.console.print("Bare command (paths relative to the scratch dir):")
    line = shlex.join(bare_command(ffmpeg, Path("clip.mp4"), Path("bare")))
    harness.console.print(f"  {line}", markup=False, soft_wrap=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2, help="platform/bare pairs to run (alternating)")
    parser.add_argument("--chunk-mib", type=int, default=8, help="bytes per tus PATCH, in MiB")
    parser.add_argument(
        "--poll-s",
        type=float,
        default=0.1,
        help="status poll interval while the job starts and ends (1 s between)",
    )
    parser.add_argument(
        "--s3",
        action="store_true",
        help="media in a bucket per region of an S3 server on loopback (moto's); ready includes the upload",
    )
    harness.add_common_options(parser)
    args = parser.parse_args()
    command = harness.reproduce_command("transcode.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(
            f"[yellow]ignoring {', '.join(dropped)}: benchmarks run the embedded default[/]"
        )
    from clipshop.demo.clips import generate_clip

    ffmpeg = str(imageio_ffmpeg.get_ffmpeg_exe())
    platform_runs: list[PlatformRun] = []
    bare_runs: list[BareRun] = []
    harness.console.print(f"machine: {harness.machine_note()}")
    with ExitStack() as stack:
        root = stack.enter_context(harness.scratch_dir(args.data_dir, prefix="transcode", keep=args.keep))
        s3_settings: dict[str, str] = {}
        bare_bucket: S3MediaStore | None = None
        if args.s3:
            s3_settings, bare_bucket = stack.enter_context(s3_buckets())
            harness.console.print(f"media: a bucket per region at {s3_settings['s3_endpoint_url']} (moto)")
        data_dir = root / "data"
        clip = root / "input" / "clip.mp4"
        with harness.console.status(f"Generating the {CLIP_SECONDS} s {CLIP_WIDTH}x{CLIP_HEIGHT} clip"):
            generate_clip(clip, width=CLIP_WIDTH, height=CLIP_HEIGHT, duration_s=CLIP_SECONDS, seed=CLIP_SEED)
        size_mib = clip.stat().st_size / 2**20
        harness.console.print(
            f"clip: {size_mib:.1f} MiB, {CLIP_WIDTH}x{CLIP_HEIGHT}, {CLIP_SECONDS} s, 30 fps, AAC"
        )
        harness.migrate(data_dir)
        env = harness.platform_env(data_dir, jobs_consumer_in_app="true", jobs_workers="1", **s3_settings)
        if bare_bucket is not None:
            from clipshop.media.s3 import S3MediaStore

            platform_store = S3MediaStore(
                region="us",
                bucket="bench-us",
                client=bare_bucket.client,
                public_url=f"{s3_settings['s3_endpoint_url']}/bench-us",
            )

            def output_bytes(video_id: str) -> int:
                return stored_bytes(platform_store, f"videos/{video_id}/hls")
        else:

            def output_bytes(video_id: str) -> int:
                return folder_bytes(data_dir / "media" / "us" / "videos" / video_id / "hls")

        options = Options(clip=clip, chunk=args.chunk_mib * 2**20, poll_s=args.poll_s)
        with (
            harness.Server(data_dir=data_dir, env=env) as server,
            httpx.Client(base_url=server.url, timeout=120) as client,
        ):
            options.auth = {"Authorization": f"Bearer {harness.sign_up(client, 'bench_creator')}"}
            server_proc = psutil.Process(server.pid)
            for index in range(1, args.repeat + 1):
                with harness.console.status(f"[{index}/{args.repeat}] platform: upload → ready"):
                    run = platform_run(client, server_proc, output_bytes, options)
                platform_runs.append(run)
                harness.console.print(f"[{index}/{args.repeat}] platform {run.total_s:6.2f} s")
                expected = [(name, w, h) for name, w, h, *_ in BARE_LADDER]
                if run.renditions != expected:
                    raise SystemExit(
                        f"the platform's ladder {run.renditions} is not the bare command's {expected}: "
                        "update BARE_LADDER and BARE_COMMAND"
                    )
                with harness.console.status(f"[{index}/{args.repeat}] bare ffmpeg"):
                    bare = bare_run(ffmpeg, clip, root / f"bare-{index}", bare_bucket)
                bare_runs.append(bare)
                harness.console.print(f"[{index}/{args.repeat}] bare     {bare.total_s:6.2f} s")

    figures = report(platform_runs, bare_runs, ffmpeg)
    ratio = figures["ratio"]
    verdict = "[green]meets[/]" if ratio <= TARGET_RATIO else "[red]misses[/]"
    where = "media in S3 buckets, ladder upload included" if args.s3 else "media in local folders"
    harness.console.print(
        f"Target ratio ≤ {TARGET_RATIO}: {verdict} ({ratio:.3f}, {args.repeat} pairs, {where})"
    )
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    rounded = {key: round(value, 4) for key, value in figures.items()}
    harness.finish(command, {**rounded, "repeat": args.repeat}, as_json=args.json)


if __name__ == "__main__":
    main()
