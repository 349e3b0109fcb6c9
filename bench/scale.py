"""A mixed load through nginx at 1 and 2 app processes on PostgreSQL: how far a second process carries.

Makes scratch PostgreSQL databases (`scale_<pid>_<name>`, every database deploy/clipshop.toml names), loads
bench/feed.py's corpus into them by COPY (users with sessions, creators' published videos, engagement
events), opens one merchant's shop in `us` with products whose variants have stock to spare (through the
shop's services), trains each region's For You model (`clipshop recs train`), and keeps a copy of every
database as a template. Then, for each count of `--processes`: the databases are put back from their
templates, tests/stack.py starts Debian's nginx (deploy/nginx), `clipshop serve --workers N` and one
`clipshop worker` (Redis jobs) with deploy/clipshop.toml, and bench/scale_load.py drives the mix (For You,
like, comment, add to cart, check out, a rare upload of a tiny clip) over `--connections` keep-alive
connections for `--warmup-s`, unmeasured, then `--duration-s`. The job queue is emptied before the measured
time and again after it, with the load stopped, so the CPU a request costs includes the jobs it leaves.

The load generator runs on the same cores as everything it measures, so it is a raw asyncio HTTP/1.1 client
on uvloop (bench/harness.py), and the CPU it used is reported beside everyone else's: each app process, the
worker with its ffmpeg children, nginx, PostgreSQL's backends for these databases and its own server
processes, Redis, and what other work on the machine took meanwhile.

    .venv/bin/python bench/scale.py --duration-s 45 --json

The retrain runs daily (not hourly) and writes are rate-limited generously, so neither lands in a measured
step; the databases are dropped at the end (`--keep` keeps the logs, settings and clip under the scratch
dir).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import feed_postgres
import harness
import httpx
import scale_load
import scale_report
from scale_report import CpuMeter, Step
from sqlalchemy import create_engine, text

import feed

sys.path.insert(0, str(harness.REPO / "tests"))
from stack import Stack, nginx_reason

PRODUCTS, VARIANTS_PER_PRODUCT, PRICE, STOCK = 50, 4, 1900, 1_000_000
DRAIN_TIMEOUT_S = 600.0
GENEROUS = {
    "LOGIN_RATE": "100000/minute",
    "WRITE_RATES": json.dumps({kind: "100000/minute" for kind in ("comment", "like", "follow", "upload")}),
    "RECS_RETRAIN_MINUTES": str(24 * 60),
}


def load_shop(stack: Stack) -> list[str]:
    """One merchant in `us` and their shop: PRODUCTS products of VARIANTS_PER_PRODUCT variants, STOCK units
    each, written through the shop's services on a platform with the stack's settings. The variant ids."""
    import checkout as checkout_bench

    from clipshop.assembly import build_platform
    from clipshop.config import Settings
    from clipshop.kit.everywhere import everywhere
    from clipshop.shop.catalog import products, projection, shops
    from clipshop.shop.catalog.models import ProductStatus

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in stack.environ.items() if k.startswith("CLIPSHOP_")})
    try:
        platform = build_platform(Settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        (merchant,) = checkout_bench.insert_accounts(platform, [("scale_merchant", "us")])
        now = platform.clock.now()
        variants: list[str] = []
        with everywhere(platform.databases).transaction() as uow:
            shop = shops.create(uow, actor=merchant, handle="scale-shop", name="Scale shop", currency="USD",
                                description="", now=now)  # fmt: skip
            for n in range(PRODUCTS):
                specs = [products.VariantSpec(f"P{n}-{v}", PRICE, STOCK, {"size": str(v)})
                         for v in range(VARIANTS_PER_PRODUCT)]  # fmt: skip
                made = products.add(uow, shop=shop, title=f"Product {n}", description="", images=[],
                                    status=ProductStatus.ACTIVE, commission_bp=0, variants=specs,
                                    now=now)  # fmt: skip
                variants += [v.id for v in projection.variants_of(uow, made)]
        return variants
    finally:
        platform.close()


def train(stack: Stack) -> float:
    """`clipshop recs train` for every region, with the stack's settings; the seconds it took."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "clipshop.cli", "recs", "train", "--json"], cwd=stack.root,
                          env=stack.environ, capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"clipshop recs train exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


def copy(source: str, target: str) -> str:
    """A statement that makes `target` a copy of `source` file by file (faster than through the WAL)."""
    return f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY'


class Templates:
    """A copy of each of the stack's databases (`<name>_pristine`), to put back before every step."""

    def __init__(self, admin_url: str, names: list[str]) -> None:
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.names = names

    def _run(self, statements: list[str]) -> None:
        with self.engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))

    def take(self) -> None:
        for name in self.names:
            self._run([f'DROP DATABASE IF EXISTS "{name}_pristine"', copy(name, f"{name}_pristine")])

    def restore(self) -> None:
        for name in self.names:
            self._run([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', copy(f"{name}_pristine", name)])

    def drop(self) -> None:
        self._run([f'DROP DATABASE IF EXISTS "{n}_pristine" WITH (FORCE)' for n in self.names])
        self.engine.dispose()


def viewers_of(tokens: list[str]) -> list[scale_load.Viewer]:
    from clipshop.kit.ids import region_of

    return [scale_load.Viewer(t, feed.COUNTRY_OF[region_of(t.partition(".")[0])]) for t in tokens]


def first_pages(stack: Stack, viewers: list[scale_load.Viewer]) -> None:
    """One For You page per region from each app process, so each has loaded its models before the warm-up;
    a broken feed fails here rather than measuring error pages."""
    by_country = {v.country: v for v in viewers}
    for port in stack.app_ports:
        for viewer in by_country.values():
            r = httpx.get(f"http://127.0.0.1:{port}{harness.API}/feed/for-you", timeout=300,
                          headers={"Authorization": f"Bearer {viewer.token}"})  # fmt: skip
            if r.status_code != 200 or not r.json()["items"]:
                raise RuntimeError(f"For You answered {r.status_code}: {r.text[:500]}")


def run_step(stack: Stack, processes: int, args: argparse.Namespace, *, viewers: list[scale_load.Viewer],
             variants: list[str], clip: bytes, meter_prefix: str) -> Step:  # fmt: skip
    first_pages(stack, viewers)
    port = stack.port
    options = {"port": port, "connections": args.connections, "viewers": viewers, "variants": variants,
               "clip": clip, "seed": args.seed, "mix": args.mix_shares, "bought": set()}  # fmt: skip
    with harness.console.status(f"{processes} app process(es): warming up for {args.warmup_s:g} s"):
        harness.run_async(scale_load.drive(duration_s=args.warmup_s, **options))
    meter, drain = (CpuMeter(stack, database_prefix=meter_prefix, admin_url=args.postgres) for _ in range(2))
    with harness.console.status("letting the worker run the jobs the warm-up left"):
        if not meter.wait_for_empty_queue(timeout_s=DRAIN_TIMEOUT_S):
            raise RuntimeError(f"the worker had jobs left {DRAIN_TIMEOUT_S:g} s after the warm-up")
    with harness.console.status(f"{processes} app process(es): measuring for {args.duration_s:g} s"):
        meter.start()
        result = harness.run_async(scale_load.drive(duration_s=args.duration_s, **options))
        cpu = meter.stop()
        jobs, served_by = meter.jobs(), meter.served_by()
    with harness.console.status("letting the worker run the jobs the load left"):
        drain.start()
        if not drain.wait_for_empty_queue(timeout_s=DRAIN_TIMEOUT_S):
            raise RuntimeError(f"the worker had jobs left {DRAIN_TIMEOUT_S:g} s after the load")
        drained = drain.stop()
    return Step(processes=processes, load=result, cpu=cpu, jobs=jobs, served_by=served_by, drain=drained,
                drain_jobs=drain.jobs())  # fmt: skip


@contextlib.contextmanager
def cleanup(stack: Stack, templates: Templates) -> Iterator[None]:
    try:
        yield
    finally:
        stack.stop()
        templates.drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", default="1,2", help="app process counts to measure, in order")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections of the load")
    parser.add_argument("--duration-s", type=float, default=30.0, help="measured seconds per step")
    parser.add_argument("--warmup-s", type=float, default=10.0, help="unmeasured seconds before each")
    parser.add_argument("--videos", type=int, default=20_000, help="published videos in the corpus")
    parser.add_argument("--users", type=int, default=4_000, help="users (with sessions and events)")
    parser.add_argument("--events-per-user", type=float, default=40.0, help="engagement events per user")
    parser.add_argument("--mix", default=",".join(f"{op}={share:g}" for op, share in scale_load.MIX.items()),
                        help="shares of the operations (e.g. for_you=100 for For You alone)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="seed of the corpus and of the load")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="admin connection that creates (and drops) the scratch databases")  # fmt: skip
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="Redis for jobs and limits")
    harness.add_common_options(parser)
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    try:
        args.mix_shares = scale_load.parse_mix(args.mix)
    except ValueError as error:
        parser.error(str(error))
    if not counts or min(counts) < 1 or args.connections < 1:
        parser.error("--processes takes counts of at least 1 (e.g. 1,2); --connections at least 1")
    reason = nginx_reason()
    if reason:
        raise SystemExit(reason)
    command = harness.reproduce_command("scale.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(f"[yellow]ignoring {', '.join(dropped)}: the bench sets its own settings[/]")
    harness.console.print(f"machine: {harness.machine_note()}")
    prefix = f"scale_{os.getpid()}"
    steps: list[Step] = []
    with harness.scratch_dir(args.data_dir, prefix="scale", keep=args.keep) as root:
        stack = Stack(root / "stack", admin_url=args.postgres, redis_url=args.redis, prefix=prefix,
                      app_processes=counts[0], workers=1, worker_threads=2, settings=GENEROUS)  # fmt: skip
        templates = Templates(args.postgres, stack.databases.names)
        with cleanup(stack, templates):
            started = time.perf_counter()
            stack.prepare()
            corpus = feed_postgres.ScratchPostgres(args.postgres, regions=feed.REGIONS, prefix=prefix)
            dataset = feed.build_and_load(stack.data_dir, videos=args.videos, users=args.users,
                                          events_per_user=args.events_per_user, seed=args.seed,
                                          postgres=corpus)  # fmt: skip
            with harness.console.status("Opening the shop"):
                variants = load_shop(stack)
            with harness.console.status("Training each region's For You model"):
                train_s = train(stack)
            from clipshop.demo.clips import generate_clip

            clip = generate_clip(root / "clip.mp4", width=360, height=640, duration_s=2, seed=1).read_bytes()
            stack.flush_queue()
            templates.take()
            setup_s = time.perf_counter() - started
            harness.console.print(f"set up in {setup_s:.0f} s (loaded {dataset.load_s:.0f} s, trained "
                                  f"{train_s:.0f} s); clip {len(clip):,} bytes")  # fmt: skip
            viewers = viewers_of(dataset.tokens)
            for processes in counts:
                stack.stop_processes()
                templates.restore()
                stack.flush_queue()
                stack.restart(app_processes=processes)
                steps.append(run_step(stack, processes, args, viewers=viewers, variants=variants, clip=clip,
                                      meter_prefix=prefix))  # fmt: skip
    figures = scale_report.report(steps, args, corpus={"videos": args.videos, "users": args.users,
                                  "events": sum(dataset.events_by_region.values()), "variants": len(variants),
                                  "clip_bytes": len(clip), "setup_s": round(setup_s, 1)})  # fmt: skip
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    harness.finish(command, figures, as_json=args.json)


if __name__ == "__main__":
    main()
