"""Checkout throughput on PostgreSQL: concurrent buyers on one hot variant and on many variants, against a
bare conditional stock update of one row, and the latency of an open-loop load below capacity.

Creates fresh PostgreSQL databases (the directory, regions `us` and `eu`, and the sandbox payment
provider's own), migrates them, and writes one merchant's shop in `us` and buyers alternately in `us` and
`eu`, so half the checkouts cross regions. Accounts are inserted directly (no argon2 sign-up). Every phase
runs in `--processes` worker processes (spawned, each with its own platform and pools, as app processes
behind a proxy would), the buyers dealt out among them, one thread each (bench/checkout_load.py):

1. bare: every buyer runs `UPDATE variants SET stock = stock - 1 WHERE id = :id AND stock >= 1 RETURNING
   stock` on one row, one transaction each, for `--duration-s`: what the database allows on a hot row;
2. sell-out: the hot variant starts with `--hot-stock` units; every buyer checks out until it has been told
   the item sold out; then the merchant restocks it (products.update_variant, stock_delta);
3. hot: every buyer runs whole checkouts (`checkout.api.place`: admission, the orders with the key's inline
   claim and the stock taken last, the sandbox charge with the success card, the answer recorded) of the hot
   variant for `--duration-s`; a buyer told 429 checkout_busy waits its Retry-After;
4. spread: the same, each checkout of a random one of `--variants` variants;
5. open loop: checkouts of the hot variant arriving at a fixed rate, `--open-loop-share` of the hot phase's
   orders/s, for `--duration-s`; each is timed from when it was due (a queue shows in its latency).

Phases 1, 3, 4 and 5 run `--warmup-s` first, unmeasured. Connections are capped at `--pool-size` +
`--max-overflow` per database per process, the bare engine included. `row_held_ms`, the time the hot row is
locked per checkout, is seen from the server: during the hot phase a sampler asks pgrowlocks every 5 ms
whether a row of `variants` is locked (only the hot row is written then); the share of samples that found
it locked, times the phase's length, over its orders. `cpu_ms_per_order` is the worker processes' CPU (the
whole checkout in Python, the sandbox provider included) over the hot phase's orders. The CPU columns are
cores in use over a phase: the workers', PostgreSQL's for this run (the backends of the bench's databases and
the server's own processes: `ServerCpu`), and everything else on the machine (another database's backends
included). Where a checkout's
time goes comes from wrapping a few functions of the checkout path in the workers (nothing in src/
changes). Afterwards the stock is reconciled from the database: units reserved (held or committed) plus
units left must equal the units ever stocked, for every variant; `oversold` counts units reserved beyond
what was stocked. Webhooks are not delivered and no job runs: the figures are what a buyer waits for.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import harness
from checkout_load import Phase, RowLockSampler, Setup, jobs_for, run_phase
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from clipshop.assembly import build_platform
from clipshop.kit.actors import Actor
from clipshop.kit.db import PoolLimits, make_engine
from clipshop.kit.everywhere import everywhere
from clipshop.payments.sandbox import SandboxProvider
from clipshop.platform import Platform
from clipshop.shop.payments.tasks import DELIVER_SANDBOX_EVENTS

DATABASE_PREFIX = "clipshop_bench_checkout_"
DATABASES = ("directory", "us", "eu", "sandbox")
SPARE_CONNECTIONS = 10  # left on the server for everyone else
COUNTRY_OF = {"us": "US", "eu": "DE"}
PRICE = 2500
RESTOCK = 1_000_000  # after the sell-out: more than the hot phase can sell
SPREAD_STOCK = 10_000  # per variant of the spread phase
BARE_STOCK = 1_000_000_000


# -- databases and data --------------------------------------------------------------------------------


def check_connection_budget(admin: Engine, *, per_database: int, processes: int = 1) -> None:
    """Refuse a run whose pools could take the server's last connections (others' tests share it)."""
    with admin.connect() as conn:
        limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
        in_use = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        ).scalar_one()
    wanted = len(DATABASES) * per_database * processes
    if wanted + in_use + SPARE_CONNECTIONS > limit:
        raise SystemExit(
            f"up to {wanted} connections ({len(DATABASES)} databases x {per_database} x {processes} "
            f"processes) with {in_use} in use "
            f"would leave fewer than {SPARE_CONNECTIONS} of the server's {limit}; lower --pool-size or "
            "--max-overflow"
        )


@contextlib.contextmanager
def bench_databases(
    admin_url: str, *, keep: bool, per_database: int, processes: int = 1
) -> Iterator[dict[str, str]]:
    """Fresh, migrated databases `clipshop_bench_checkout_<pid>_<name>`; dropped afterwards unless `keep`."""
    from clipshop.migrations import upgrade

    base = make_url(admin_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    check_connection_budget(admin, per_database=per_database, processes=processes)
    names = {name: f"{DATABASE_PREFIX}{os.getpid()}_{name}" for name in DATABASES}
    urls = {name: base.set(database=db).render_as_string(hide_password=False) for name, db in names.items()}
    try:
        with admin.connect() as conn:
            for db in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{db}"'))
        for name in ("directory", "us", "eu"):
            engine = make_engine(urls[name], pool=False)
            upgrade(engine, "directory" if name == "directory" else "region")
            engine.dispose()
        yield urls
    finally:
        if keep:
            harness.console.print(f"[dim]kept databases {', '.join(names.values())}[/]")
        else:
            with admin.connect() as conn:
                for db in names.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


class CappedSandbox(SandboxProvider):
    """The sandbox provider with its pool held to the same limits as the platform's databases (its own
    engine takes the default limits), so the whole run fits in the server's max_connections."""

    def __init__(self, *, pool_size: int, max_overflow: int, url: str, **options: Any) -> None:
        super().__init__(url=url, **options)
        self.engine.dispose()
        self.engine = make_engine(url, limits=PoolLimits(size=pool_size, overflow=max_overflow, timeout_s=30))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)


def make_platform(urls: dict[str, str], data_dir: Path, args: argparse.Namespace) -> Platform:
    from clipshop.config import RegionConfig, Settings

    settings = Settings(
        env="dev",
        data_dir=data_dir,
        directory_url=urls["directory"],
        regions={
            region: RegionConfig(
                database_url=urls[region], media_root=data_dir / "media" / region, countries=[country]
            )
            for region, country in COUNTRY_OF.items()
        },
        default_region="us",
        jobs_backend="memory",
        jobs_consumer_in_app=False,
        sandbox_payments_url=urls["sandbox"],
        database_pool_size=args.pool_size,
        database_max_overflow=args.max_overflow,
    )
    if (
        "checkout_concurrency" in Settings.model_fields
        and getattr(args, "checkout_concurrency", None) is not None
    ):
        settings = settings.with_overrides(checkout_concurrency=args.checkout_concurrency)
    platform = build_platform(settings)
    sizes = {engine.pool.size() for engine in platform.databases.region_engines.values()}  # type: ignore[attr-defined]
    if sizes != {args.pool_size}:
        raise SystemExit(f"the platform's pools hold {sizes} connections, not --pool-size {args.pool_size}: "
                         "this tree does not size them from settings (database_pool_size)")  # fmt: skip
    platform.payments.dispose()  # type: ignore[attr-defined]
    platform.payments = CappedSandbox(
        pool_size=args.pool_size,
        max_overflow=args.max_overflow,
        url=settings.sandbox_database_url(),
        secret=settings.webhook_secret(),
        clock=platform.clock,
        wake=partial(platform.jobs.enqueue, DELIVER_SANDBOX_EVENTS),
    )
    return platform


@dataclass
class Catalog:
    merchant: Actor
    buyers: list[Actor]
    hot: str
    spread: list[str]
    bare: str
    stocked: dict[str, int]  # variant id -> every unit ever put on sale (initial stock + restocks)


def insert_accounts(platform: Platform, people: list[tuple[str, str]]) -> list[Actor]:
    """Accounts (handle, region) written straight to the databases: the rows sign-up writes, no hashing."""
    from clipshop.accounts.models import AccountIndex, PublicProfile, User
    from clipshop.accounts.service import email_digest
    from clipshop.kit.ids import new_id

    now, secret = platform.clock.now(), platform.settings.secret_key
    actors = []
    with everywhere(platform.databases).transaction() as uow:
        for handle, region in people:
            user_id, email = new_id(region), f"{handle}@bench.example"
            uow.region(region).add(
                User(id=user_id, email=email, password_hash="-", handle=handle, display_name=handle, bio="",
                     country=COUNTRY_OF[region], created_at=now)
            )  # fmt: skip
            uow.directory.add(AccountIndex(email_digest=email_digest(email, secret=secret), user_id=user_id,
                                           region=region))  # fmt: skip
            uow.directory.add(PublicProfile(user_id=user_id, region=region, handle=handle,
                                            display_name=handle, bio="", created_at=now))  # fmt: skip
            actors.append(Actor(id=user_id, region=region, handle=handle))
    return actors


def build_catalog(platform: Platform, *, buyers: int, variants: int, hot_stock: int) -> Catalog:
    """One merchant in `us` with a hot product, `variants` variants over products of at most 100, and the
    row of the bare phase; `buyers` buyers, alternately in `us` and `eu`."""
    from clipshop.shop.catalog import products, projection, shops
    from clipshop.shop.catalog.models import ProductStatus

    regions = list(COUNTRY_OF)
    merchant, *people = insert_accounts(
        platform, [("bench_merchant", "us")] + [(f"buyer{n}", regions[n % 2]) for n in range(buyers)]
    )
    now = platform.clock.now()
    stocked: dict[str, int] = {}

    def product(uow: Any, shop: Any, title: str, specs: list[products.VariantSpec]) -> list[str]:
        made = products.add(uow, shop=shop, title=title, description="", status=ProductStatus.ACTIVE,
                                   commission_bp=0, images=[], variants=specs, now=now)  # fmt: skip
        ids = [v.id for v in projection.variants_of(uow, made)]
        stocked.update({v: s.stock for v, s in zip(ids, specs, strict=True)})
        return ids

    with everywhere(platform.databases).transaction() as uow:
        shop = shops.create(uow, actor=merchant, handle="bench-shop", name="Bench shop", currency="USD",
                                 description="", now=now)  # fmt: skip
        (hot,) = product(uow, shop, "Hot drop", [products.VariantSpec("HOT-1", PRICE, hot_stock, {})])
        (bare,) = product(uow, shop, "Bare row", [products.VariantSpec("BARE-1", PRICE, BARE_STOCK, {})])
        spread: list[str] = []
        for start in range(0, variants, products.MAX_VARIANTS):
            count = min(products.MAX_VARIANTS, variants - start)
            specs = [products.VariantSpec(f"S-{start + n}", PRICE, SPREAD_STOCK, {"n": str(start + n)})
                     for n in range(count)]  # fmt: skip
            spread += product(uow, shop, f"Range {start // products.MAX_VARIANTS}", specs)
    return Catalog(merchant, people, hot, spread, bare, stocked)


def restock(platform: Platform, catalog_: Catalog, variant_id: str, units: int) -> None:
    from clipshop.shop.catalog import products

    with everywhere(platform.databases).transaction() as uow:
        products.update_variant(uow, actor=catalog_.merchant, variant_id=variant_id, price=None, stock=None,
                               stock_delta=units, now=platform.clock.now())  # fmt: skip
    catalog_.stocked[variant_id] += units


@dataclass
class Reconciliation:
    oversold: int  # units reserved beyond the units ever stocked, over all variants
    unaccounted: int  # |stocked - reserved - left|, summed: units neither sold nor on the shelf
    negative: int  # variants with stock below zero
    orders_in_db: int


def reconcile(platform: Platform, catalog_: Catalog, *, bare_done: int) -> Reconciliation:
    """Stock as the database has it after the run, against what was put on sale."""
    from clipshop.shop.catalog.models import ReservationStatus, StockReservation, Variant
    from clipshop.shop.orders.models import Order

    stocked = {**catalog_.stocked, catalog_.bare: catalog_.stocked[catalog_.bare] - bare_done}
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region("us")
        left = {row[0]: row[1] for row in db.execute(select(Variant.id, Variant.stock))}
        taken = (
            select(StockReservation.variant_id, func.sum(StockReservation.quantity))
            .where(StockReservation.status.in_([ReservationStatus.HELD, ReservationStatus.COMMITTED]))
            .group_by(StockReservation.variant_id)
        )
        reserved = {row[0]: int(row[1]) for row in db.execute(taken)}
        orders = sum(uow.region(r).scalar(select(func.count()).select_from(Order)) or 0 for r in COUNTRY_OF)
    oversold = sum(max(0, int(reserved.get(v, 0)) - units) for v, units in stocked.items())
    unaccounted = sum(abs(units - int(reserved.get(v, 0)) - left[v]) for v, units in stocked.items())
    negative = sum(1 for units in left.values() if units < 0)
    return Reconciliation(oversold, unaccounted, negative, orders)


# -- report --------------------------------------------------------------------------------------------


def report(args: argparse.Namespace, phases: dict[str, Phase], stock: Reconciliation,
           setup_s: float) -> dict[str, Any]:  # fmt: skip
    bare, sell_out, hot, spread, open_loop = (
        phases[k] for k in ("bare", "sell-out", "hot", "spread", "open")
    )
    answered = sum(p.done + p.warmup_done for p in phases.values() if p.name != "bare")
    sold_out = sell_out.done == args.hot_stock and sell_out.count("out_of_stock") == args.buyers

    def row(label: str, phase: Phase) -> list[str]:
        cpu = [t / phase.elapsed_s for t in (phase.client_cpu_s, phase.postgres_cpu_s, phase.others_cpu_s)]
        return [
            label, f"{len(phase.attempts):,}", f"{phase.done:,}", f"{phase.count('out_of_stock'):,}",
            f"{phase.count('busy'):,}", f"{phase.count('error')}", f"{phase.elapsed_s:.1f}",
            f"{phase.per_s:,.1f}", *(f"{phase.p(q):.1f}" for q in (50, 90, 99)), *(f"{c:.2f}" for c in cpu),
        ]  # fmt: skip

    columns = ["phase", "tries", "done", "sold out", "busy", "errors", "s", "per s", "p50 ms", "p90 ms",
               "p99 ms", "workers CPU", "pg CPU", "other CPU"]  # fmt: skip
    title = (
        f"{args.buyers} buyers (threads) in {args.processes} processes, pool {args.pool_size}+"
        f"{args.max_overflow} per database per process; {args.duration_s:g} s per timed phase after "
        f"{args.warmup_s:g} s warm-up. bare: UPDATE of one row; sell-out: checkouts of {args.hot_stock} hot "
        f"units; hot: checkouts of one variant; spread: of {args.variants:,} variants; open: hot checkouts "
        f"arriving at {open_loop.rate_per_s:,.1f}/s. CPU in cores: the worker processes, PostgreSQL (this "
        "run's databases and the server's own processes), the rest of the machine"
    )
    harness.console.print(harness.table(title, columns, [
        row("bare", bare), row("sell-out", sell_out), row("hot", hot), row("spread", spread),
        row("open", open_loop),
    ]))  # fmt: skip

    def breakdown(phase: Phase) -> list[str]:
        total = sum(a.seconds for a in phase.attempts) * 1000 / max(1, len(phase.attempts))
        orders, charge, provider = (phase.segment_ms(k) for k in ("orders", "charge", "provider"))
        return [
            phase.name, f"{total:.1f}", f"{total - orders - charge:.1f}", f"{orders:.1f}", f"{provider:.1f}",
            f"{charge - provider:.1f}", f"{phase.segment_ms('claim'):.1f}",
            f"{phase.segment_ms('connect'):.1f}",
            f"{phase.per_attempt('connect_calls'):.1f}", f"{phase.per_attempt('statements'):.1f}",
        ]  # fmt: skip

    harness.console.print(harness.table(
        "Where a checkout's time goes, ms of wall time per attempt: admission (waiting for a turn, and the "
        "rest outside the two below), orders txn (the key claimed inline, the rows, the stock taken last and "
        "sent with the COMMIT), provider (the sandbox charge), answer (recorded with the payment's "
        "progress), claim (a key claimed the usual way: retries only); get conn (pool wait) overlaps them "
        "all; conns and stmts: connections checked out and SQL statements per attempt",
        ["phase", "total", "admission", "orders txn", "provider", "answer", "claim", "get conn", "conns",
         "stmts"],
        [breakdown(p) for p in (sell_out, hot, spread, open_loop)],
    ))  # fmt: skip
    peaks = {name: dict(p.peak_connections) for name, p in phases.items()}
    harness.console.print(
        "peak connections checked out (all processes): "
        + "; ".join(
            f"{name} {', '.join(f'{db} {n}' for db, n in sorted(p.items()))}" for name, p in peaks.items()
        )
    )
    ratio = hot.per_s / bare.per_s if bare.per_s else 0.0
    held = hot.row_held_ms
    held_text = f"{held:.2f} ms" if held is not None else "unknown (no pgrowlocks)"
    harness.console.print(
        f"hot / bare: {ratio:.3f} ({hot.per_s:,.1f} orders/s against {bare.per_s:,.1f} updates/s); hot / "
        f"spread: {hot.per_s / spread.per_s if spread.per_s else 0:.2f}; the hot row was locked "
        f"{100 * (hot.locked_share or 0):.0f}% of the hot phase, {held_text} per order; the workers spent "
        f"{hot.cpu_ms_per_order:.1f} ms (hot) and {spread.cpu_ms_per_order:.1f} ms (spread) of CPU per "
        "order; "
        f"open loop at {open_loop.rate_per_s:,.1f}/s: p99 {open_loop.p(99):,.0f} ms"
    )
    harness.console.print(
        f"stock from the database: oversold {stock.oversold}, unaccounted {stock.unaccounted}, negative "
        f"{stock.negative}; the sell-out sold {sell_out.done} of {args.hot_stock} units and told all "
        f"{args.buyers} buyers it was gone: {'yes' if sold_out else '[red]no[/]'}; orders in the database "
        f"{stock.orders_in_db:,}, answered 201 (warm-ups included) {answered:,}; setup {setup_s:.1f} s"
    )
    errors = {kind: tb for p in phases.values() for kind, tb in p.errors.items()}
    for kind, tb in errors.items():
        harness.console.print(f"[red]first {kind}:[/]")
        harness.console.print(tb, markup=False)
    return {
        "processes": args.processes,
        "hot_orders_per_s": round(hot.per_s, 1),
        "hot_p50_ms": round(hot.p(50), 1),
        "hot_p99_ms": round(hot.p(99), 1),
        "bare_updates_per_s": round(bare.per_s, 1),
        "bare_p99_ms": round(bare.p(99), 2),
        "hot_to_bare_ratio": round(ratio, 4),
        "spread_orders_per_s": round(spread.per_s, 1),
        "spread_p50_ms": round(spread.p(50), 1),
        "spread_p99_ms": round(spread.p(99), 1),
        "hot_to_spread_ratio": round(hot.per_s / spread.per_s, 3) if spread.per_s else None,
        "row_held_ms": round(held, 2) if held is not None else None,
        "hot_row_locked_share": round(hot.locked_share, 3) if hot.locked_share is not None else None,
        "cpu_ms_per_order": round(hot.cpu_ms_per_order, 2),
        "spread_cpu_ms_per_order": round(spread.cpu_ms_per_order, 2),
        "open_loop_rate_per_s": round(open_loop.rate_per_s, 1),
        "open_loop_orders_per_s": round(open_loop.per_s, 1),
        "open_loop_p50_ms": round(open_loop.p(50), 1),
        "open_loop_p99_ms": round(open_loop.p(99), 1),
        "busy": {name: p.count("busy") for name, p in phases.items() if name != "bare"},
        "oversold": stock.oversold,
        "stock_unaccounted": stock.unaccounted,
        "sold_out": sold_out,
        "sell_out_sold": sell_out.done,
        "hot_stock": args.hot_stock,
        "out_of_stock": {name: p.count("out_of_stock") for name, p in phases.items() if name != "bare"},
        "errors": sum(p.count("error") for p in phases.values()),
        "orders_in_db": stock.orders_in_db,
        "orders_answered": answered,
        "hot_connect_ms": round(hot.segment_ms("connect"), 2),
        "hot_connections_per_order": round(hot.per_attempt("connect_calls"), 1),
        "hot_statements_per_order": round(hot.per_attempt("statements"), 1),
        "hot_workers_cpu": round(hot.client_cpu_s / hot.elapsed_s, 2),
        "hot_postgres_cpu": round(hot.postgres_cpu_s / hot.elapsed_s, 2),
        "hot_other_cpu": round(hot.others_cpu_s / hot.elapsed_s, 2),
        "spread_workers_cpu": round(spread.client_cpu_s / spread.elapsed_s, 2),
        "spread_postgres_cpu": round(spread.postgres_cpu_s / spread.elapsed_s, 2),
        "peak_connections": peaks,
        "buyers": args.buyers,
        "cross_region_buyers": args.buyers // 2,
        "variants": args.variants,
        "duration_s": args.duration_s,
        "warmup_s": args.warmup_s,
        "pool_size": args.pool_size,
        "max_overflow": args.max_overflow,
        "checkout_concurrency": args.checkout_concurrency,
    }


def main() -> None:
    from clipshop.config import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=64, help="concurrent buyers, one thread each")
    parser.add_argument("--processes", type=int, default=2, help="worker processes the buyers are dealt to")
    parser.add_argument("--duration-s", type=float, default=10.0, help="measured seconds per timed phase")
    parser.add_argument("--warmup-s", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("--variants", type=int, default=1000, help="variants of the spread phase")
    parser.add_argument("--hot-stock", type=int, default=250, help="units of the hot variant to sell out")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=10,
        help="pooled connections per database per process (4 databases share the server's max_connections)",
    )
    parser.add_argument("--max-overflow", type=int, default=0, help="extra connections per database")
    parser.add_argument(
        "--checkout-concurrency",
        type=int,
        default=getattr(Settings.model_fields.get("checkout_concurrency"), "default", 0),
        help="checkouts of one item in flight per process before more wait (the app's setting; 0: no limit)",
    )
    parser.add_argument(
        "--open-loop-share",
        type=float,
        default=0.8,
        help="open-loop arrival rate, as a share of hot orders/s",
    )
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="admin connection used to create (and drop) the bench databases",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the buyers' choices")
    harness.add_common_options(parser)
    args = parser.parse_args()
    if args.buyers < 2 or args.variants < 1 or args.hot_stock < 1 or args.pool_size < 1 or args.processes < 1:
        parser.error(
            "--buyers must be at least 2; --variants, --hot-stock, --pool-size, --processes at least 1"
        )
    command = harness.reproduce_command("checkout.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(f"[yellow]ignoring {', '.join(dropped)}: the bench sets its own settings[/]")
    harness.console.print(f"machine: {harness.machine_note()}")
    phases: dict[str, Phase] = {}
    per_database = args.pool_size + args.max_overflow
    with (
        harness.scratch_dir(args.data_dir, prefix="checkout", keep=args.keep) as root,
        bench_databases(
            args.postgres, keep=args.keep, per_database=per_database, processes=args.processes
        ) as urls,
    ):
        os.environ["CLIPSHOP_CONFIG"] = str(root / "no-config.toml")  # a clipshop.toml here must not leak
        started = time.perf_counter()
        platform = make_platform(urls, root / "data", args)
        own = [platform.databases.directory_engine, *platform.databases.region_engines.values(),
               platform.payments.engine]  # type: ignore[attr-defined]  # fmt: skip
        try:
            with harness.console.status("Creating the shop, its variants and the buyers"):
                catalog_ = build_catalog(platform, buyers=args.buyers, variants=args.variants,
                                         hot_stock=args.hot_stock)  # fmt: skip
            setup_s = time.perf_counter() - started
            setup = Setup(urls, root / "data", args, catalog_.hot, catalog_.spread, catalog_.bare)

            def phase(name: str, kind: str, *, warmup: bool = True, **options: Any) -> Phase:
                for engine in own:  # this process's idle connections would count against the server's limit
                    engine.dispose()
                jobs = jobs_for(name, kind, catalog_.buyers, processes=args.processes,
                                duration_s=args.duration_s, warmup_s=args.warmup_s if warmup else 0.0,
                                seed=args.seed, **options)  # fmt: skip
                with harness.console.status(f"{name}: {args.processes} processes, {args.buyers} buyers"):
                    return run_phase(jobs, setup, **({"sampler": sampler} if name == "hot" else {}))

            def sampler() -> RowLockSampler:
                return RowLockSampler(urls["us"], "variants")

            phases["bare"] = phase("bare", "bare")
            phases["sell-out"] = phase("sell-out", "hot", warmup=False, until_sold_out=True)
            restock(platform, catalog_, catalog_.hot, RESTOCK)
            phases["hot"] = phase("hot", "hot")
            phases["spread"] = phase("spread", "spread")
            rate = max(1.0, args.open_loop_share * phases["hot"].per_s)
            phases["open"] = phase("open", "hot", rate_per_s=rate)
            bare_done = phases["bare"].done + phases["bare"].warmup_done
            stock = reconcile(platform, catalog_, bare_done=bare_done)
        finally:
            platform.close()
    figures = report(args, phases, stock, setup_s)
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    harness.finish(command, figures, as_json=args.json)


if __name__ == "__main__":
    main()
