"""CPU per checkout: N checkouts one after another in this process, so the figure is the Python cost of the
whole path (claim, orders, reservation, sandbox charge, answer) without threads. On the embedded default
(SQLite) by default; with `--postgres URL`, on fresh PostgreSQL databases made (and dropped) through that
admin connection, as bench/checkout.py makes them. Half the buyers live in another region than the shop.
`--profile` prints where that CPU time goes (cProfile on the process clock); `--statements` prints the SQL
one checkout sends, database by database, with the count of messages (statements, and the commits and
rollbacks that the driver sends on its own).

    .venv/bin/python bench/checkout_cpu.py --checkouts 300 --json
    .venv/bin/python bench/checkout_cpu.py --checkouts 300 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness import (
    add_common_options,
    clean_environ,
    console,
    finish,
    migrate,
    reproduce_command,
    scratch_dir,
)
from sqlalchemy import Engine, event

from clipshop.accounts.models import PublicProfile, User
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import Prebuilt
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


@contextlib.contextmanager
def embedded(root: Path) -> Iterator[Platform]:
    migrate(root)
    settings = Settings(data_dir=root, jobs_backend="memory", jobs_consumer_in_app=False)
    jobs = JobQueue.from_settings(backend="memory", sqlite_path=root / "jobs.db", redis_url="", name="cpu")
    platform = build_platform(settings, jobs=jobs)
    try:
        yield platform
    finally:
        platform.close()


@contextlib.contextmanager
def on_postgres(root: Path, admin_url: str, *, keep: bool) -> Iterator[Platform]:
    import checkout  # bench/checkout.py: its databases and platform, with the same settings

    options = argparse.Namespace(pool_size=2, max_overflow=0)
    with checkout.bench_databases(admin_url, keep=keep, per_database=2) as urls:
        os.environ["CLIPSHOP_CONFIG"] = str(root / "no-config.toml")
        platform = checkout.make_platform(urls, root / "data", options)
        try:
            yield platform
        finally:
            platform.close()


class StatementLog:
    """What the databases are sent while `on`: on PostgreSQL, every statement, COMMIT and ROLLBACK psycopg
    sends (prebuilt statements and commits sent at the driver included); on SQLite, what SQLAlchemy sends,
    with the prebuilt statements (which go past its events) and its commits and rollbacks."""

    def __init__(self, engines: dict[str, Engine]) -> None:
        self.on = False
        self.lines: list[str] = []
        if all(engine.dialect.name == "postgresql" for engine in engines.values()):
            self._watch_driver({engine.url.database or "": name for name, engine in engines.items()})
            return
        for name, engine in engines.items():
            event.listen(engine, "before_cursor_execute", self._statement(name))
            event.listen(engine, "commit", self._word(name, "COMMIT"))
            event.listen(engine, "rollback", self._word(name, "ROLLBACK"))
        names = {id(engine): name for name, engine in engines.items()}
        for method in ("run", "rows"):
            setattr(Prebuilt, method, self._prebuilt(getattr(Prebuilt, method), names))

    def _log(self, name: str, text: str) -> None:
        self.lines.append(f"{name:>9}  {' '.join(text.split())[:150]}")

    def _watch_driver(self, names: dict[str, str]) -> None:
        import psycopg
        from psycopg.pq import TransactionStatus

        def name_of(connection: Any) -> str:
            return names.get(connection.info.dbname, connection.info.dbname)

        def sending(method: Any) -> Any:
            def send(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                if self.on:
                    self._log(name_of(cursor.connection), str(query))
                return method(cursor, query, *args, **kwargs)

            return send

        def ending(method: Any, word: str) -> Any:
            def end(connection: Any) -> Any:
                if self.on and connection.info.transaction_status != TransactionStatus.IDLE:
                    self._log(name_of(connection), word)  # an idle connection's sends nothing
                return method(connection)

            return end

        for method in ("execute", "executemany"):
            setattr(psycopg.Cursor, method, sending(getattr(psycopg.Cursor, method)))
        psycopg.Connection.commit = ending(psycopg.Connection.commit, "COMMIT")  # type: ignore[method-assign]
        psycopg.Connection.rollback = ending(psycopg.Connection.rollback, "ROLLBACK")  # type: ignore[method-assign]

    def _prebuilt(self, sent: Any, names: dict[int, str]) -> Any:
        def log(statement: Prebuilt, connection: Any, values: Any) -> Any:
            if self.on:
                sql = str(statement.statement.compile(dialect=connection.dialect))
                self._log(names.get(id(connection.engine), "?"), sql)
            return sent(statement, connection, values)

        return log

    def _statement(self, name: str) -> Any:
        def log(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if self.on:
                self._log(name, statement)

        return log

    def _word(self, name: str, word: str) -> Any:
        def log(_conn: Any) -> None:
            if self.on:
                self._log(name, word)

        return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--checkouts", type=int, default=300, help="checkouts to time (after 20 warm-up ones)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the 25 costliest calls in CPU (cumulative, then own time)",
    )
    parser.add_argument(
        "--postgres", default=None, help="an admin URL: run on fresh PostgreSQL databases (default: SQLite)"
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="print the SQL of one same-region and one cross-region checkout",
    )
    add_common_options(parser)
    args = parser.parse_args()
    clean_environ()
    command = reproduce_command("checkout_cpu.py", parser, args)
    with scratch_dir(args.data_dir, prefix="checkout-cpu", keep=args.keep) as root:
        stack = on_postgres(root, args.postgres, keep=args.keep) if args.postgres else embedded(root)
        with stack as platform:
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

            def buy(n: int, buyer: Actor | None = None) -> None:
                request = placing.CheckoutRequest(
                    items=[LineRequest(variant_id, 1)],
                    address_id=None,
                    address=dict(ADDRESS),
                    shipping={},
                    discount_codes=[],
                    payment_method="4242424242424242",
                )
                actor = buyer or buyers[n % len(buyers)]
                answer = place(platform, actor=actor, request=request, key=f"k{n}")
                assert answer.status == 201, answer.body

            for n in range(20):
                buy(-1 - n)
            if args.statements:
                engines = {"directory": platform.databases.directory_engine,
                           **platform.databases.region_engines,
                           "provider": platform.payments.engine}  # type: ignore[attr-defined]  # fmt: skip
                log = StatementLog(engines)
                for label, buyer in (("same region", buyers[0]), ("cross-region", buyers[-1])):
                    log.on, log.lines = True, []
                    buy(-100 - len(label), buyer)
                    log.on = False
                    console.print(f"[bold]{label} buyer: {len(log.lines)} messages[/]")
                    console.print("\n".join(log.lines), markup=False, soft_wrap=True)
            profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, as the figure
            started_cpu, started = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for n in range(args.checkouts):
                buy(n)
            if profiler:
                profiler.disable()
            cpu_ms = (time.process_time() - started_cpu) * 1000 / args.checkouts
            wall_ms = (time.perf_counter() - started) * 1000 / args.checkouts
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(25)
        console.print(out.getvalue(), markup=False)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    console.print(
        f"{args.checkouts} checkouts on {backend}: {cpu_ms:.1f} ms CPU and {wall_ms:.1f} ms wall each"
        + (" (with the profiler on)" if profiler else "")
    )
    finish(
        command,
        {
            "backend": backend,
            "checkouts": args.checkouts,
            "cpu_ms_per_checkout": round(cpu_ms, 2),
            "wall_ms_per_checkout": round(wall_ms, 2),
            "profiled": bool(profiler),
        },
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
