"""The load of bench/checkout.py: its phases run in `--processes` worker processes (spawned, each with its
own platform and pools, like app processes behind a proxy), their buyers as threads, closed loop (each
buyer checks out again as soon as it is answered) or open loop (arrivals at a fixed rate, each timed from
the moment it was due, so a queue that builds up shows in the latency). Also what the figures come from: a
probe of a few functions of the checkout path in each worker, the CPU of the workers and of PostgreSQL,
and a sampler of the hot row's lock on the server."""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import queue
import random
import threading
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import harness
import psutil
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from clipshop.kit.actors import Actor
from clipshop.platform import Platform

SELL_OUT_LIMIT_S = 120.0  # a sell-out that has not finished by then is reported, not waited for
READY_LIMIT_S = 120.0  # worker processes that are not ready by then (platform built) fail the run


# -- where the time goes ------------------------------------------------------------------------------


class Probe:
    """Wall seconds spent in a few functions of the checkout path, summed per buyer thread: `orders` (the
    orders transaction, with the Idempotency-Key's inline claim and the stock taken last), `charge` (the
    provider's call and the answer recorded; of which `provider`, the sandbox charge), `claim` (a key
    claimed the usual way: retries only), `connect` (getting a pooled connection), and the statements sent
    (`statements`, any database)."""

    def __init__(self) -> None:
        self.local = threading.local()
        self._undo: list[Callable[[], None]] = []

    def begin_thread(self) -> None:
        self.local.totals = defaultdict(float)

    def end_thread(self) -> dict[str, float]:
        totals: dict[str, float] = self.local.totals
        self.local.totals = None
        return dict(totals)

    def add(self, name: str, seconds: float) -> None:
        totals = getattr(self.local, "totals", None)
        if totals is not None:
            totals[name] += seconds

    def timed(self, name: str, func: Callable[..., Any]) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - started)
                self.add(f"{name}_calls", 1)

        return wrapper

    def patch(self, owner: Any, name: str, wrapper: Any) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        setattr(owner, name, wrapper)
        self._undo.append(lambda: setattr(owner, name, original))

    def install(self, platform: Platform, engines: list[Engine]) -> None:
        from clipshop.kit import idempotency
        from clipshop.shop.checkout import placing

        self.patch(idempotency, "claim", self.timed("claim", idempotency.claim))
        # A tree before the lean path has neither (the bench also measures it, for a before-and-after).
        for name, segment in (("write_orders", "orders"), ("charge", "charge")):
            if hasattr(placing, name):
                self.patch(placing, name, self.timed(segment, getattr(placing, name)))
        self.patch(
            platform.payments, "create_intent", self.timed("provider", platform.payments.create_intent)
        )
        for engine in engines:
            self.patch(engine.pool, "connect", self.timed("connect", engine.pool.connect))
            event.listen(engine, "before_cursor_execute", self._count_statement)
            self._undo.append(partial(event.remove, engine, "before_cursor_execute", self._count_statement))
        # Prebuilt statements go straight to the driver, past SQLAlchemy's events: counted as they are sent.
        from clipshop.kit.db import prebuilt

        for name in ("run", "rows"):
            if hasattr(prebuilt.Prebuilt, name):
                self.patch(prebuilt.Prebuilt, name, self._counted(getattr(prebuilt.Prebuilt, name)))

    def _count_statement(self, *_: Any) -> None:
        self.add("statements", 1)

    def _counted(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.add("statements", 1)
            return func(*args, **kwargs)

        return wrapper

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


class RowLockSampler:
    """How long a row of `table` is locked, seen from the server: every `every_s` the sampler asks
    pgrowlocks whether any row of the table is locked by a transaction in progress. Locked samples over all
    samples, times the window, is the time the rows were locked (during a phase that writes only the hot
    row, the hot row's). None when the pgrowlocks extension cannot be had."""

    def __init__(self, url: str, table: str, *, every_s: float = 0.005) -> None:
        self.engine = create_engine(make_url(url), poolclass=None)
        self.table, self.every_s = table, every_s
        self.samples = self.locked = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        try:
            with self.engine.begin() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgrowlocks"))
            self.available = True
        except Exception:
            self.available = False

    def _run(self) -> None:
        query = text(f"SELECT count(*) FROM pgrowlocks('{self.table}')")
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.wait(self.every_s):
                self.samples += 1
                self.locked += 1 if conn.execute(query).scalar_one() else 0

    def __enter__(self) -> RowLockSampler:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()
        self.engine.dispose()

    @property
    def locked_share(self) -> float | None:
        return self.locked / self.samples if self.available and self.samples else None


class ServerCpu:
    """CPU time of the PostgreSQL processes working for this run: the backends connected to the bench's own
    databases and the server's shared ones (WAL writer, checkpointer, background writer: no database), not
    the backends of other databases on the same server (someone else's tests), which count as other work.
    A backend that exits between two readings loses its share since the first (the pools outlive a phase)."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.databases = sorted({make_url(url).database or "" for url in urls.values()})
        self.engine = create_engine(make_url(next(iter(urls.values()))), poolclass=NullPool)

    def reading(self) -> dict[int, float]:
        """{pid: CPU seconds} of the processes that count now."""
        query = text("SELECT pid FROM pg_stat_activity WHERE datname IS NULL OR datname = ANY(:names)")
        with self.engine.connect() as conn:
            pids = conn.execute(query, {"names": self.databases}).scalars().all()
        seconds = {}
        for pid in pids:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = psutil.Process(pid).cpu_times()
                seconds[pid] = times.user + times.system
        return seconds

    @staticmethod
    def since(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())

    def close(self) -> None:
        self.engine.dispose()


# -- phases ---------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    seconds: float
    outcome: str  # order, out_of_stock, busy (429 checkout_busy), error


@dataclass
class Phase:
    name: str
    attempts: list[Attempt]
    elapsed_s: float
    client_cpu_s: float  # the worker processes'
    postgres_cpu_s: float
    others_cpu_s: float
    segments: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # kind -> first traceback
    peak_connections: dict[str, int] = field(default_factory=dict)
    locked_share: float | None = None  # of the window, the hot row was locked (RowLockSampler)
    rate_per_s: float = 0.0  # open loop: the arrival rate asked for
    warmup_done: int = 0  # orders (or bare updates) of the warm-ups

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.attempts if a.outcome == outcome)

    @property
    def done(self) -> int:
        return self.count("order")

    @property
    def per_s(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s else 0.0

    def p(self, q: float) -> float:
        return harness.percentile([a.seconds * 1000 for a in self.attempts if a.outcome == "order"], q)

    def segment_ms(self, name: str) -> float:
        return 1000 * self.segments.get(name, 0.0) / max(1, len(self.attempts))

    @property
    def cpu_ms_per_order(self) -> float:
        return 1000 * self.client_cpu_s / max(1, self.done)

    def per_attempt(self, name: str) -> float:
        return self.segments.get(name, 0.0) / max(1, len(self.attempts))

    @property
    def row_held_ms(self) -> float | None:
        if self.locked_share is None or not self.done:
            return None
        return 1000 * self.locked_share * self.elapsed_s / self.done


@dataclass(frozen=True)
class Job:
    """What one worker process runs for a phase."""

    name: str
    kind: str  # bare | hot | spread
    buyers: list[Actor]  # this process's buyers, one thread each (bare: only their number counts)
    duration_s: float
    warmup_s: float
    seed: int
    until_sold_out: bool = False
    rate_per_s: float = 0.0  # open loop: arrivals per second in this process; 0 = closed loop


@dataclass(frozen=True)
class Setup:
    """What every worker needs to build its platform and find the catalog."""

    urls: dict[str, str]
    data_dir: Path
    args: argparse.Namespace
    hot: str
    spread: list[str]
    bare: str


Work = Callable[[int, random.Random], str]  # (buyer number, its random) -> outcome


def bare_update(engine: Engine, variant_id: str) -> Work:
    statement = text("UPDATE variants SET stock = stock - 1 WHERE id = :id AND stock >= 1 RETURNING stock")

    def work(_: int, __: random.Random) -> str:
        with engine.connect() as conn:
            row = conn.execute(statement, {"id": variant_id}).first()
            conn.commit()
        return "order" if row is not None else "out_of_stock"

    return work


def buy(
    platform: Platform, buyers: list[Actor], pick: Callable[[random.Random], str], *, busy_sleep: bool
) -> Work:
    """Buy now one unit of `pick(rng)`, shipped to the buyer's country, with the card that succeeds. A buyer
    told 429 checkout_busy waits its Retry-After before the next try (`busy_sleep`, closed loop)."""
    from clipshop.errors import ClipshopError
    from clipshop.payments.sandbox import SUCCEEDS
    from clipshop.shop.checkout import placing
    from clipshop.shop.checkout.api import place
    from clipshop.shop.checkout.pricing import LineRequest

    countries = {"us": "US", "eu": "DE"}

    def work(n: int, rng: random.Random) -> str:
        actor = buyers[n % len(buyers)]
        address = {"name": actor.handle, "line1": "1 Main St", "city": "Springfield", "postal_code": "12345",
                   "country": countries[actor.region]}  # fmt: skip
        request = placing.CheckoutRequest(items=[LineRequest(pick(rng), 1)], address_id=None,
                                          address=address, shipping={}, discount_codes=[],
                                          payment_method=SUCCEEDS)  # fmt: skip
        try:
            response = place(platform, actor=actor, request=request, key=uuid.uuid4().hex)
        except ClipshopError as error:
            if error.code != "checkout_busy":
                raise
            if busy_sleep:
                time.sleep(getattr(error, "retry_after_s", 1))
            return "busy"
        if response.status == 201 and response.body["payment"]["status"] in ("processing", "succeeded"):
            return "order"
        if response.status == 409 and response.body.get("code") == "out_of_stock":
            return "out_of_stock"
        raise RuntimeError(f"checkout answered {response.status}: {str(response.body)[:500]}")

    return work


def _closed_loop(work: Work, threads: int, *, duration_s: float, until_sold_out: bool, seed: int,
                 probe: Probe | None, sink: dict[str, Any]) -> float:  # fmt: skip
    """`threads` buyers calling `work` back to back for `duration_s` (or each until its first out-of-stock
    answer); returns the seconds from their start to the last one's end."""
    clock: dict[str, float] = {}
    start = threading.Barrier(threads, action=lambda: clock.setdefault("started", time.perf_counter()))

    def buyer(n: int) -> None:
        rng = random.Random(seed * 1_000_003 + n)
        if probe:
            probe.begin_thread()
        start.wait()
        limit = clock["started"] + (SELL_OUT_LIMIT_S if until_sold_out else duration_s)
        while time.perf_counter() < limit:
            outcome = _attempt(work, n, rng, sink)
            if until_sold_out and outcome == "out_of_stock":
                break
        if probe:
            _keep_segments(probe, sink)

    _run_threads(buyer, threads)
    return time.perf_counter() - clock["started"]


def _open_loop(work: Work, threads: int, *, duration_s: float, rate_per_s: float, seed: int,
               probe: Probe | None, sink: dict[str, Any]) -> float:  # fmt: skip
    """Arrivals every 1/`rate_per_s` s for `duration_s`, served by `threads` buyers; each attempt is timed
    from when it was due, so time spent waiting for a free buyer counts."""
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()
    started = time.perf_counter()
    rng_of = [random.Random(seed * 1_000_003 + n) for n in range(threads)]

    def buyer(n: int) -> None:
        if probe:
            probe.begin_thread()
        while (item := due.get()) is not None:
            number, at = item
            _attempt(work, number, rng_of[n], sink, since=at)
        if probe:
            _keep_segments(probe, sink)

    workers = [threading.Thread(target=buyer, args=(n,), daemon=True) for n in range(threads)]
    for thread in workers:
        thread.start()
    number = 0
    while (at := started + number / rate_per_s) < started + duration_s:
        time.sleep(max(0.0, at - time.perf_counter()))
        due.put((number, at))
        number += 1
    for _ in workers:
        due.put(None)
    for thread in workers:
        thread.join()
    return time.perf_counter() - started


def _attempt(
    work: Work, n: int, rng: random.Random, sink: dict[str, Any], *, since: float | None = None
) -> str:
    began = time.perf_counter() if since is None else since
    try:
        outcome = work(n, rng)
    except Exception as error:
        outcome = "error"
        kind = f"{type(error).__module__}.{type(error).__qualname__}"
        with sink["lock"]:
            sink["errors"].setdefault(kind, traceback.format_exc())
    sink["attempts"].append((time.perf_counter() - began, outcome))
    return outcome


def _keep_segments(probe: Probe, sink: dict[str, Any]) -> None:
    with sink["lock"]:
        for key, seconds in probe.end_thread().items():
            sink["segments"][key] += seconds


def _run_threads(target: Callable[[int], None], threads: int) -> None:
    workers = [threading.Thread(target=target, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


def _sink() -> dict[str, Any]:
    return {"lock": threading.Lock(), "attempts": [], "errors": {}, "segments": defaultdict(float)}


def worker(job: Job, setup: Setup, ready: Any, results: Any) -> None:
    """One worker process: build a platform (or the bare engine), warm up, then run the measured part and
    send back what happened. `ready` is a barrier with the parent: once built, once before measuring, once
    the parent has read the server's CPU (which a backend takes along when its connection closes)."""
    import checkout  # bench/checkout.py: the platform as the bench builds it

    harness.clean_environ()
    platform, engine = None, None
    try:
        if job.kind == "bare":
            engine = create_engine(make_url(setup.urls["us"]), pool_size=setup.args.pool_size,
                                   max_overflow=setup.args.max_overflow)  # fmt: skip
            engines, work = {"us": engine}, bare_update(engine, setup.bare)
        else:
            platform = checkout.make_platform(setup.urls, setup.data_dir, setup.args)
            engines = {"directory": platform.databases.directory_engine, **platform.databases.region_engines,
                       "sandbox": platform.payments.engine}  # type: ignore[attr-defined]  # fmt: skip
            spread = setup.spread

            def pick(rng: random.Random) -> str:
                return setup.hot if job.kind == "hot" else rng.choice(spread)

            work = buy(platform, job.buyers, pick, busy_sleep=not job.rate_per_s)
        threads = len(job.buyers)
        ready.wait(READY_LIMIT_S)
        options: dict[str, Any] = {"duration_s": job.warmup_s, "seed": job.seed + 7, "probe": None}
        warmup = _sink()
        if job.warmup_s > 0:
            _run(work, threads, job, options, warmup)
        probe = Probe()
        if platform is not None:
            probe.install(platform, list(engines.values()))
        ready.wait(READY_LIMIT_S)
        sink = _sink()
        me = psutil.Process()
        cpu = harness.cpu_seconds(me)
        with PoolWatch(engines) as watch:
            measured = {"duration_s": job.duration_s, "seed": job.seed, "probe": probe}
            elapsed = _run(work, threads, job, measured, sink)
        cpu = harness.cpu_seconds(me) - cpu
        probe.uninstall()
        warmup_done = sum(1 for _, outcome in warmup["attempts"] if outcome == "order")
        results.put({"attempts": sink["attempts"], "errors": sink["errors"],
                     "segments": dict(sink["segments"]), "elapsed_s": elapsed, "cpu_s": cpu,
                     "peaks": watch.peaks, "warmup_done": warmup_done})  # fmt: skip
        ready.wait(READY_LIMIT_S)  # the parent has read the server's CPU: its backends may now go
    except BaseException:
        results.put({"failed": traceback.format_exc()})
        ready.abort()
        raise
    finally:
        if platform is not None:
            platform.close()
        if engine is not None:
            engine.dispose()


def _run(work: Work, threads: int, job: Job, options: dict[str, Any], sink: dict[str, Any]) -> float:
    if job.rate_per_s:
        return _open_loop(work, threads, rate_per_s=job.rate_per_s, sink=sink, **options)
    return _closed_loop(work, threads, until_sold_out=job.until_sold_out, sink=sink, **options)


def run_phase(jobs: list[Job], setup: Setup, *, sampler: Callable[[], RowLockSampler] | None = None) -> Phase:
    """Run one job per worker process, all started together; the phase's figures from all of them."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(len(jobs) + 1)
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(job, setup, ready, results), daemon=True) for job in jobs
    ]
    for process in processes:
        process.start()
    try:
        ready.wait(READY_LIMIT_S)  # built: the warm-ups start
        ready.wait(READY_LIMIT_S)  # warmed up: measuring starts
    except threading.BrokenBarrierError:
        failures = [r["failed"] for r in _drain(results) if "failed" in r]
        raise RuntimeError(f"a worker of {jobs[0].name} failed:\n" + "\n".join(failures)) from None
    watch = sampler() if sampler is not None else contextlib.nullcontext()
    me, postgres = psutil.Process(), ServerCpu(setup.urls)
    pg, machine, own = postgres.reading(), harness.machine_busy_seconds(), harness.cpu_seconds(me)
    with watch:
        collected = [results.get() for _ in processes]
    server = postgres.since(pg, postgres.reading())  # before the workers close their connections
    postgres.close()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait(READY_LIMIT_S)
    for process in processes:
        process.join()
    failed = [r["failed"] for r in collected if "failed" in r]
    if failed:
        raise RuntimeError(f"a worker of {jobs[0].name} failed:\n" + "\n".join(failed))
    client = sum(r["cpu_s"] for r in collected)
    others = max(
        0.0, harness.machine_busy_seconds() - machine - client - server - (harness.cpu_seconds(me) - own)
    )
    segments: dict[str, float] = defaultdict(float)
    peaks: dict[str, int] = defaultdict(int)
    errors: dict[str, str] = {}
    for r in collected:
        for key, value in r["segments"].items():
            segments[key] += value
        for key, value in r["peaks"].items():
            peaks[key] += value
        errors.update(r["errors"])
    attempts = [Attempt(seconds, outcome) for r in collected for seconds, outcome in r["attempts"]]
    locked = watch.locked_share if isinstance(watch, RowLockSampler) else None
    return Phase(jobs[0].name, attempts, max(r["elapsed_s"] for r in collected), client, server, others,
                 dict(segments), errors, dict(peaks), locked, sum(j.rate_per_s for j in jobs),
                 sum(r["warmup_done"] for r in collected))  # fmt: skip


def _drain(results: Any) -> list[dict[str, Any]]:
    drained = []
    with contextlib.suppress(queue.Empty):
        while True:
            drained.append(results.get(timeout=1))
    return drained


def jobs_for(name: str, kind: str, buyers: list[Actor], *, processes: int, duration_s: float, warmup_s: float,
             seed: int, until_sold_out: bool = False, rate_per_s: float = 0.0) -> list[Job]:  # fmt: skip
    """The buyers dealt out to `processes` workers (every `processes`-th buyer to each)."""
    return [
        Job(
            name,
            kind,
            buyers[n::processes],
            duration_s,
            warmup_s,
            seed + n,
            until_sold_out,
            rate_per_s / processes,
        )
        for n in range(processes)
    ]
