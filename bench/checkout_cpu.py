"""CPU per checkout: N checkouts one after another on the embedded default (SQLite), in this process, so the
figure is the Python cost of the whole path (claim, orders, reservation, sandbox charge, answer) without
threads or a server. `--profile` prints where that time goes (cProfile, cumulative).

    .venv/bin/python bench/checkout_cpu.py --checkouts 300 --json
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from harness import (
    add_common_options,
    clean_environ,
    console,
    finish,
    migrate,
    reproduce_command,
    scratch_dir,
)

from clipshop.accounts.models import PublicProfile, User
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.shop.catalog import products, projection, shops
from clipshop.shop.catalog.models import ProductStatus
from clipshop.shop.checkout import placing
from clipshop.shop.checkout.api import place
from clipshop.shop.checkout.pricing import LineRequest

ADDRESS = {
    "name": "A Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


def members(platform: Platform, region: str, count: int, prefix: str) -> list[Actor]:
    now, actors = platform.clock.now(), []
    with everywhere(platform.databases).transaction() as uow:
        for n in range(count):
            user_id, handle = new_id(region), f"{prefix}{n}"
            uow.region(region).add(
                User(
                    id=user_id,
                    email=f"{handle}@bench.example",
                    password_hash="-",
                    handle=handle,
                    display_name=handle,
                    country="US",
                    created_at=now,
                )
            )
            uow.directory.add(
                PublicProfile(
                    user_id=user_id, region=region, handle=handle, display_name=handle, created_at=now
                )
            )
            actors.append(Actor(id=user_id, region=region, handle=handle))
    return actors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--checkouts", type=int, default=300, help="checkouts to time (after 20 warm-up ones)"
    )
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest calls (cumulative)")
    add_common_options(parser)
    args = parser.parse_args()
    clean_environ()
    command = reproduce_command("checkout_cpu.py", parser, args)
    with scratch_dir(args.data_dir, prefix="checkout-cpu", keep=args.keep) as root:
        migrate(root)
        settings = Settings(data_dir=root, jobs_backend="memory", jobs_consumer_in_app=False)
        jobs = JobQueue.from_settings(
            backend="memory", sqlite_path=root / "jobs.db", redis_url="", name="cpu"
        )
        platform = build_platform(settings, jobs=jobs)
        try:
            merchant = members(platform, "us", 1, "merchant")[0]
            buyers = members(platform, "us", 50, "us") + members(
                platform, "eu", 50, "eu"
            )  # half cross-region
            now = platform.clock.now()
            with everywhere(platform.databases).transaction() as uow:
                shop = shops.create(
                    uow,
                    actor=merchant,
                    handle="cpu-shop",
                    name="CPU",
                    currency="USD",
                    description="",
                    now=now,
                )
                product = products.add(
                    uow,
                    shop=shop,
                    title="Mug",
                    description="",
                    status=ProductStatus.ACTIVE,
                    commission_bp=0,
                    images=[],
                    variants=[products.VariantSpec("MUG", 1800, 10_000_000, {})],
                    now=now,
                )
                variant_id = projection.variants_of(uow, product)[0].id

            def buy(n: int) -> None:
                request = placing.CheckoutRequest(
                    items=[LineRequest(variant_id, 1)],
                    address_id=None,
                    address=dict(ADDRESS),
                    shipping={},
                    discount_codes=[],
                    payment_method="4242424242424242",
                )
                answer = place(platform, actor=buyers[n % len(buyers)], request=request, key=f"k{n}")
                assert answer.status == 201, answer.body

            for n in range(20):
                buy(-1 - n)
            profiler = cProfile.Profile() if args.profile else None
            started_cpu, started = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for n in range(args.checkouts):
                buy(n)
            if profiler:
                profiler.disable()
            cpu_ms = (time.process_time() - started_cpu) * 1000 / args.checkouts
            wall_ms = (time.perf_counter() - started) * 1000 / args.checkouts
        finally:
            platform.close()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        console.print(out.getvalue(), markup=False)
    console.print(
        f"{args.checkouts} checkouts: {cpu_ms:.1f} ms CPU and {wall_ms:.1f} ms wall each"
        + (" (with the profiler on)" if profiler else "")
    )
    finish(
        command,
        {
            "checkouts": args.checkouts,
            "cpu_ms_per_checkout": round(cpu_ms, 2),
            "wall_ms_per_checkout": round(wall_ms, 2),
            "profiled": bool(profiler),
        },
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
