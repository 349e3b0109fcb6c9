"""Checkout throughput on PostgreSQL: concurrent buyers on one hot variant and on many variants, against a
bare conditional stock update of one row.

Creates fresh PostgreSQL databases (the directory, regions `us` and `eu`, and the sandbox payment
provider's own), migrates them, and writes one merchant's shop in `us` and buyers alternately in `us` and
`eu`, so half the checkouts cross regions. Accounts are inserted directly (no argon2 sign-up). Then, in one
process, one thread per buyer:

1. bare: every thread runs `UPDATE variants SET stock = stock - 1 WHERE id = :id AND stock >= 1 RETURNING
   stock` on one row, one transaction each, for `--duration-s`: what the database allows on a hot row;
2. sell-out: the hot variant starts with `--hot-stock` units; every buyer checks out until it has been told
   the item sold out; then the merchant restocks it (products.update_variant, stock_delta);
3. hot: every buyer runs whole checkouts (`checkout.api.place`: Idempotency-Key claim, orders, stock
   reservation, payment row, sandbox charge with the success card, the answer recorded and stored) of the
   hot variant for `--duration-s`;
4. spread: the same, each checkout of a random one of `--variants` variants.

Phases 1, 3 and 4 run `--warmup-s` first, unmeasured. Connections are capped at `--pool-size` +
`--max-overflow` per database for every engine, the bare one included. Where a checkout's time goes comes
from wrapping a few functions of the checkout path in this process (nothing in src/ changes). Afterwards the
stock is reconciled from the database: units reserved (held or committed) plus units left must equal the
units ever stocked, for every variant; `oversold` counts units reserved beyond what was stocked.
Webhooks are not delivered and no job runs: the figures are what a buyer waits for.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import threading
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import harness
import psutil
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from clipshop.assembly import build_platform
from clipshop.kit.actors import Actor
from clipshop.kit.db import make_engine
from clipshop.kit.everywhere import everywhere
from clipshop.payments.sandbox import SUCCEEDS, SandboxProvider
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
SELL_OUT_LIMIT_S = 120.0  # a sell-out that has not finished by then is reported, not waited for


# -- databases and data --------------------------------------------------------------------------------


def check_connection_budget(admin: Engine, *, per_database: int) -> None:
    """Refuse a run whose pools could take the server's last connections (others' tests share it)."""
    with admin.connect() as conn:
        limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
        in_use = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        ).scalar_one()
    wanted = len(DATABASES) * per_database
    if wanted + in_use + SPARE_CONNECTIONS > limit:
        raise SystemExit(
            f"up to {wanted} connections ({len(DATABASES)} databases x {per_database}) with {in_use} in use "
            f"would leave fewer than {SPARE_CONNECTIONS} of the server's {limit}; lower --pool-size or "
            "--max-overflow"
        )


@contextlib.contextmanager
def bench_databases(admin_url: str, *, keep: bool, per_database: int) -> Iterator[dict[str, str]]:
    """Fresh, migrated databases `clipshop_bench_checkout_<pid>_<name>`; dropped afterwards unless `keep`."""
    from clipshop.migrations import upgrade

    base = make_url(admin_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    check_connection_budget(admin, per_database=per_database)
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
        # What make_engine does for PostgreSQL, with these limits.
        self.engine = create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                                    pool_timeout=30)  # fmt: skip
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


# -- where the time goes -------------------------------------------------------------------------------


class Probe:
    """Wall seconds spent in a few functions of the checkout path, summed per worker thread.

    Segments of one checkout, in order: `claim` (the Idempotency-Key), the orders transaction (derived: the
    rest), `pay` (of which `provider`, the sandbox charge), `store` (the answer under the key). Overlapping
    them: `reserve` (the conditional stock update, waiting for the row lock included), `row_held` (from that
    update to the commit that releases the lock) and `connect` (getting a pooled connection: the wait for
    the pool and the pre-ping).
    """

    def __init__(self) -> None:
        self.local = threading.local()
        self._undo: list[Callable[[], None]] = []

    def begin_thread(self) -> None:
        self.local.totals = defaultdict(float)
        self.local.locked_at = None

    def end_thread(self) -> dict[str, float]:
        totals: dict[str, float] = self.local.totals
        self.local.totals = None
        return totals

    def add(self, name: str, seconds: float) -> None:
        totals = getattr(self.local, "totals", None)
        if totals is not None:
            totals[name] += seconds

    def timed(self, name: str, func: Callable[..., Any], after: Callable[[], None] | None = None) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)
                self.add(f"{name}_calls", 1)
            if after is not None:
                after()
            return result

        return wrapper

    def patch(self, owner: Any, name: str, wrapper: Any) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        setattr(owner, name, wrapper)
        self._undo.append(lambda: setattr(owner, name, original))

    def install(self, platform: Platform, engines: list[Engine]) -> None:
        from clipshop.kit import db, idempotency
        from clipshop.shop.catalog import stock
        from clipshop.shop.checkout import placing

        def locked() -> None:
            self.local.locked_at = time.perf_counter()

        commit = db.UnitOfWork.commit

        def timed_commit(uow: db.UnitOfWork) -> None:
            try:
                commit(uow)
            finally:
                locked_at = getattr(self.local, "locked_at", None)
                if locked_at is not None:
                    self.add("row_held", time.perf_counter() - locked_at)
                    self.local.locked_at = None

        self.patch(idempotency, "claim", self.timed("claim", idempotency.claim))
        self.patch(idempotency, "store", self.timed("store", idempotency.store))
        self.patch(placing, "pay", self.timed("pay", placing.pay))
        self.patch(stock, "reserve", self.timed("reserve", stock.reserve, after=locked))
        self.patch(db.UnitOfWork, "commit", timed_commit)
        self.patch(platform.payments, "create_intent",
                   self.timed("provider", platform.payments.create_intent))  # fmt: skip
        for engine in engines:
            self.patch(engine.pool, "connect", self.timed("connect", engine.pool.connect))
            event.listen(engine, "before_cursor_execute", self._count_statement)
            self._undo.append(partial(event.remove, engine, "before_cursor_execute", self._count_statement))

    def _count_statement(self, *_: Any) -> None:
        self.add("statements", 1)

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()


class PoolWatch:
    """The most connections each engine had checked out at once, sampled every 20 ms."""

    def __init__(self, engines: dict[str, Engine]) -> None:
        self.engines = engines
        self.peaks: dict[str, int] = dict.fromkeys(engines, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for name, engine in self.engines.items():
                self.peaks[name] = max(self.peaks[name], engine.pool.checkedout())  # type: ignore[attr-defined]

    def __enter__(self) -> PoolWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL server's processes (every database on it), exited backends included."""
    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] != "postgres":
            continue
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = proc.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


# -- the phases ----------------------------------------------------------------------------------------


@dataclass
class Attempt:
    seconds: float
    outcome: str  # order, out_of_stock, error


@dataclass
class Phase:
    name: str
    attempts: list[Attempt]
    elapsed_s: float
    client_cpu_s: float
    postgres_cpu_s: float
    others_cpu_s: float
    segments: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # kind -> first traceback
    peak_connections: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.attempts if a.outcome == outcome)

    @property
    def done(self) -> int:
        return self.count("order")

    @property
    def per_s(self) -> float:
        return self.done / self.elapsed_s

    def p(self, q: float) -> float:
        return harness.percentile([a.seconds * 1000 for a in self.attempts if a.outcome == "order"], q)

    def segment_ms(self, name: str) -> float:
        return 1000 * self.segments.get(name, 0.0) / max(1, len(self.attempts))

    @property
    def cpu_ms_per_order(self) -> float:
        return 1000 * self.client_cpu_s / max(1, self.done)

    def per_attempt(self, name: str) -> float:
        return self.segments.get(name, 0.0) / max(1, len(self.attempts))


Work = Callable[[int, random.Random], str]  # (thread number, its random) -> outcome


def run_phase(name: str, work: Work, *, threads: int, duration_s: float, probe: Probe | None,
              engines: dict[str, Engine], seed: int, until_sold_out: bool = False) -> Phase:  # fmt: skip
    """`threads` workers calling `work` back to back for `duration_s` (or each until its first out-of-stock
    answer), started together."""
    attempts: list[list[Attempt]] = [[] for _ in range(threads)]
    segments: dict[str, float] = defaultdict(float)
    errors: dict[str, str] = {}
    lock = threading.Lock()
    clock: dict[str, float] = {}

    def mark_start() -> None:
        clock["started"] = time.perf_counter()

    start = threading.Barrier(threads, action=mark_start)

    def worker(n: int) -> None:
        rng = random.Random(seed * 1_000_003 + n)
        if probe:
            probe.begin_thread()
        start.wait()
        limit = clock["started"] + (SELL_OUT_LIMIT_S if until_sold_out else duration_s)
        out = attempts[n]
        while time.perf_counter() < limit:
            began = time.perf_counter()
            try:
                outcome = work(n, rng)
            except Exception as error:
                outcome = "error"
                kind = f"{type(error).__module__}.{type(error).__qualname__}"
                with lock:
                    errors.setdefault(kind, traceback.format_exc())
            out.append(Attempt(time.perf_counter() - began, outcome))
            if until_sold_out and outcome == "out_of_stock":
                break
        if probe:
            with lock:
                for key, seconds in probe.end_thread().items():
                    segments[key] += seconds

    me = psutil.Process()
    cpu, pg, machine = harness.cpu_seconds(me), postgres_cpu_seconds(), harness.machine_busy_seconds()
    with PoolWatch(engines) as watch:
        workers = [threading.Thread(target=worker, args=(n,), name=f"{name}-{n}") for n in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        elapsed = time.perf_counter() - clock["started"]
    client = harness.cpu_seconds(me) - cpu
    server = postgres_cpu_seconds() - pg
    others = max(0.0, harness.machine_busy_seconds() - machine - client - server)
    flat = [a for per_thread in attempts for a in per_thread]
    return Phase(name, flat, elapsed, client, server, others, dict(segments), errors, watch.peaks)


def bare_update(engine: Engine, variant_id: str) -> Work:
    statement = text("UPDATE variants SET stock = stock - 1 WHERE id = :id AND stock >= 1 RETURNING stock")

    def work(_: int, __: random.Random) -> str:
        with engine.connect() as conn:
            row = conn.execute(statement, {"id": variant_id}).first()
            conn.commit()
        return "order" if row is not None else "out_of_stock"

    return work


def buy(platform: Platform, buyers: list[Actor], pick: Callable[[random.Random], str]) -> Work:
    """Buy now one unit of `pick(rng)`, shipped to the buyer's country, with the card that succeeds."""
    from clipshop.shop.checkout import placing
    from clipshop.shop.checkout.api import place
    from clipshop.shop.checkout.pricing import LineRequest

    def work(n: int, rng: random.Random) -> str:
        actor = buyers[n]
        address = {"name": actor.handle, "line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                   "country": COUNTRY_OF[actor.region]}  # fmt: skip
        request = placing.CheckoutRequest(
            items=[LineRequest(pick(rng), 1)],
            address_id=None,
            address=address,
            shipping={},
            discount_codes=[],
            payment_method=SUCCEEDS,
        )
        response = place(platform, actor=actor, request=request, key=uuid.uuid4().hex)
        if response.status == 201 and response.body["payment"]["status"] in ("processing", "succeeded"):
            return "order"
        if response.status == 409 and response.body.get("code") == "out_of_stock":
            return "out_of_stock"
        raise RuntimeError(f"checkout answered {response.status}: {str(response.body)[:500]}")

    return work


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


def report(args: argparse.Namespace, phases: dict[str, Phase], warmups: list[Phase], stock: Reconciliation,
           setup_s: float) -> dict[str, Any]:  # fmt: skip
    bare, sell_out, hot, spread = (phases[k] for k in ("bare", "sell-out", "hot", "spread"))
    every = [*phases.values(), *warmups]
    answered = sum(p.done for p in every if p.name != "bare")
    sold_out = sell_out.done == args.hot_stock and sell_out.count("out_of_stock") == args.buyers

    def row(label: str, phase: Phase) -> list[str]:
        cpu = [t / phase.elapsed_s for t in (phase.client_cpu_s, phase.postgres_cpu_s, phase.others_cpu_s)]
        return [
            label, f"{len(phase.attempts):,}", f"{phase.done:,}", f"{phase.count('out_of_stock'):,}",
            f"{phase.count('error')}", f"{phase.elapsed_s:.1f}", f"{phase.per_s:,.1f}",
            *(f"{phase.p(q):.1f}" for q in (50, 90, 99)), *(f"{c:.2f}" for c in cpu),
        ]  # fmt: skip

    columns = ["phase", "tries", "done", "sold out", "errors", "s", "per s", "p50 ms", "p90 ms", "p99 ms",
               "bench CPU", "pg CPU", "other CPU"]  # fmt: skip
    title = (
        f"{args.buyers} buyers (threads), pool {args.pool_size}+{args.max_overflow} per database; "
        f"{args.duration_s:g} s per timed phase after {args.warmup_s:g} s warm-up. bare: UPDATE of one "
        f"row; sell-out: checkouts of {args.hot_stock} hot units; hot: checkouts of one variant; "
        f"spread: of {args.variants:,} variants. CPU in cores: this process, PostgreSQL (all), the rest"
    )
    harness.console.print(harness.table(title, columns, [
        row("bare", bare), row("sell-out", sell_out), row("hot", hot), row("spread", spread),
    ]))  # fmt: skip

    def breakdown(phase: Phase) -> list[str]:
        total = sum(a.seconds for a in phase.attempts) * 1000 / max(1, len(phase.attempts))
        claim, pay, store = (phase.segment_ms(k) for k in ("claim", "pay", "store"))
        provider = phase.segment_ms("provider")
        return [
            phase.name, f"{total:.1f}", f"{claim:.1f}", f"{total - claim - pay - store:.1f}",
            f"{phase.segment_ms('reserve'):.1f}", f"{phase.segment_ms('row_held'):.1f}", f"{provider:.1f}",
            f"{pay - provider:.1f}", f"{store:.1f}", f"{phase.segment_ms('connect'):.1f}",
            f"{phase.per_attempt('connect_calls'):.1f}", f"{phase.per_attempt('statements'):.1f}",
        ]  # fmt: skip

    harness.console.print(harness.table(
        "Where a checkout's time goes, ms of wall time per attempt: claim key, orders txn (of which reserve, "
        "the stock update with its row-lock wait, and row held, from that update to its commit), provider "
        "(the sandbox charge), record (the answer recorded and read back), store (under the key); get conn "
        "(pool wait and pre-ping) overlaps them all; conns and stmts: connections checked out and SQL "
        "statements per attempt",
        ["phase", "total", "claim", "orders txn", "reserve", "row held", "provider", "record", "store",
         "get conn", "conns", "stmts"],
        [breakdown(p) for p in (sell_out, hot, spread)],
    ))  # fmt: skip
    peaks = {name: dict(p.peak_connections) for name, p in phases.items()}
    harness.console.print(
        "peak connections checked out: "
        + "; ".join(
            f"{name} {', '.join(f'{db} {n}' for db, n in sorted(p.items()))}" for name, p in peaks.items()
        )
    )
    ratio = hot.per_s / bare.per_s
    held = hot.segment_ms("row_held")
    harness.console.print(
        f"hot / bare: {ratio:.3f} ({hot.per_s:,.1f} orders/s against {bare.per_s:,.1f} updates/s); "
        f"spread / hot: {spread.per_s / hot.per_s:.2f}; one row lock held {held:.2f} ms per hot checkout "
        f"bounds it at {1000 / held if held else float('inf'):,.0f}/s; this process spent "
        f"{hot.cpu_ms_per_order:.1f} ms (hot) and {spread.cpu_ms_per_order:.1f} ms (spread) of CPU per order"
    )
    harness.console.print(
        f"stock from the database: oversold {stock.oversold}, unaccounted {stock.unaccounted}, negative "
        f"{stock.negative}; the sell-out sold {sell_out.done} of {args.hot_stock} units and told all "
        f"{args.buyers} buyers it was gone: {'yes' if sold_out else '[red]no[/]'}; orders in the database "
        f"{stock.orders_in_db:,}, answered 201 (warm-ups included) {answered:,}; setup {setup_s:.1f} s"
    )
    errors = {kind: tb for p in every for kind, tb in p.errors.items()}
    for kind, tb in errors.items():
        harness.console.print(f"[red]first {kind}:[/]")
        harness.console.print(tb, markup=False)
    return {
        "hot_orders_per_s": round(hot.per_s, 1),
        "hot_p50_ms": round(hot.p(50), 1),
        "hot_p99_ms": round(hot.p(99), 1),
        "bare_updates_per_s": round(bare.per_s, 1),
        "bare_p99_ms": round(bare.p(99), 2),
        "hot_to_bare_ratio": round(ratio, 4),
        "spread_orders_per_s": round(spread.per_s, 1),
        "spread_p50_ms": round(spread.p(50), 1),
        "spread_p99_ms": round(spread.p(99), 1),
        "oversold": stock.oversold,
        "stock_unaccounted": stock.unaccounted,
        "sold_out": sold_out,
        "sell_out_sold": sell_out.done,
        "hot_stock": args.hot_stock,
        "out_of_stock": {name: p.count("out_of_stock") for name, p in phases.items() if name != "bare"},
        "errors": sum(p.count("error") for p in every),
        "orders_in_db": stock.orders_in_db,
        "orders_answered": answered,
        "hot_row_held_ms": round(held, 2),
        "hot_reserve_ms": round(hot.segment_ms("reserve"), 2),
        "hot_connect_ms": round(hot.segment_ms("connect"), 2),
        "hot_connections_per_order": round(hot.per_attempt("connect_calls"), 1),
        "hot_statements_per_order": round(hot.per_attempt("statements"), 1),
        "spread_connect_ms": round(spread.segment_ms("connect"), 2),
        "hot_bench_cpu_ms_per_order": round(hot.cpu_ms_per_order, 1),
        "spread_bench_cpu_ms_per_order": round(spread.cpu_ms_per_order, 1),
        "hot_bench_cpu": round(hot.client_cpu_s / hot.elapsed_s, 2),
        "hot_postgres_cpu": round(hot.postgres_cpu_s / hot.elapsed_s, 2),
        "spread_bench_cpu": round(spread.client_cpu_s / spread.elapsed_s, 2),
        "spread_postgres_cpu": round(spread.postgres_cpu_s / spread.elapsed_s, 2),
        "peak_connections": peaks,
        "buyers": args.buyers,
        "cross_region_buyers": args.buyers // 2,
        "variants": args.variants,
        "duration_s": args.duration_s,
        "warmup_s": args.warmup_s,
        "pool_size": args.pool_size,
        "max_overflow": args.max_overflow,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=64, help="concurrent buyers, one thread each")
    parser.add_argument("--duration-s", type=float, default=10.0, help="measured seconds per timed phase")
    parser.add_argument("--warmup-s", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("--variants", type=int, default=1000, help="variants of the spread phase")
    parser.add_argument("--hot-stock", type=int, default=250, help="units of the hot variant to sell out")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=16,
        help="pooled connections per database (4 databases share the server's max_connections)",
    )
    parser.add_argument("--max-overflow", type=int, default=0, help="extra connections per database")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="admin connection used to create (and drop) the bench databases",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the buyers' choices")
    harness.add_common_options(parser)
    args = parser.parse_args()
    if args.buyers < 2 or args.variants < 1 or args.hot_stock < 1 or args.pool_size < 1:
        parser.error("--buyers must be at least 2; --variants, --hot-stock and --pool-size at least 1")
    command = harness.reproduce_command("checkout.py", parser, args)
    dropped = harness.clean_environ()
    if dropped:
        harness.console.print(f"[yellow]ignoring {', '.join(dropped)}: the bench sets its own settings[/]")
    harness.console.print(f"machine: {harness.machine_note()}")
    phases: dict[str, Phase] = {}
    warmups: list[Phase] = []
    with (
        harness.scratch_dir(args.data_dir, prefix="checkout", keep=args.keep) as root,
        bench_databases(
            args.postgres, keep=args.keep, per_database=args.pool_size + args.max_overflow
        ) as urls,
    ):
        os.environ["CLIPSHOP_CONFIG"] = str(root / "no-config.toml")  # a clipshop.toml here must not leak
        started = time.perf_counter()
        platform = make_platform(urls, root / "data", args)
        probe = Probe()
        bare_engine = create_engine(make_url(urls["us"]), pool_size=args.pool_size,
                                    max_overflow=args.max_overflow)  # fmt: skip
        try:
            with harness.console.status("Creating the shop, its variants and the buyers"):
                catalog_ = build_catalog(platform, buyers=args.buyers, variants=args.variants,
                                         hot_stock=args.hot_stock)  # fmt: skip
            setup_s = time.perf_counter() - started
            engines = {"directory": platform.databases.directory_engine, **platform.databases.region_engines,
                       "sandbox": platform.payments.engine}  # type: ignore[attr-defined]  # fmt: skip
            probe.install(platform, list(engines.values()))

            def timed(name: str, work: Work, watched: dict[str, Engine]) -> Phase:
                options = {"threads": args.buyers, "engines": watched, "seed": args.seed}
                with harness.console.status(f"{name}: warming up for {args.warmup_s:g} s"):
                    warmups.append(run_phase(name, work, duration_s=args.warmup_s, probe=None, **options))
                with harness.console.status(f"{name}: measuring for {args.duration_s:g} s"):
                    return run_phase(name, work, duration_s=args.duration_s, probe=probe, **options)

            phases["bare"] = timed("bare", bare_update(bare_engine, catalog_.bare), {"us": bare_engine})
            bare_done = phases["bare"].done + warmups[0].done
            bare_engine.dispose()  # its idle connections would count against the server's limit
            hot_work = buy(platform, catalog_.buyers, lambda _: catalog_.hot)
            with harness.console.status(f"sell-out: selling {args.hot_stock} units of the hot variant"):
                phases["sell-out"] = run_phase("sell-out", hot_work, threads=args.buyers, duration_s=0,
                                               probe=probe, engines=engines, seed=args.seed,
                                               until_sold_out=True)  # fmt: skip
            restock(platform, catalog_, catalog_.hot, RESTOCK)
            phases["hot"] = timed("hot", hot_work, engines)
            spread_work = buy(platform, catalog_.buyers, lambda rng: rng.choice(catalog_.spread))
            phases["spread"] = timed("spread", spread_work, engines)
            probe.uninstall()
            stock = reconcile(platform, catalog_, bare_done=bare_done)
        finally:
            probe.uninstall()
            bare_engine.dispose()
            platform.close()
    figures = report(args, phases, warmups, stock, setup_s)
    harness.console.print(f"machine after the run: {harness.machine_note()}")
    harness.finish(command, figures, as_json=args.json)


if __name__ == "__main__":
    main()
